"""Small, targeted fixes for the verified stack (docs/en/stack_fixes.md).

``import mmdatp`` calls :func:`apply_stack_fixes` before anything from
``mmaction.models`` is imported. Each fix in :data:`FIXES` is one
:class:`StackFix`:

- it is applied only where :attr:`StackFix.detect` finds its defect in the
  installed stack (the check reads files and versions; it changes nothing);
- when applied, it logs one INFO line on the ``mmdatp.compat`` logger
  saying what it changed, once per process (:data:`STATUS` keeps what
  happened to each fix, :func:`status_table` shows it);
- ``MMDATP_NO_FIX_<NAME>=1`` turns it off.

Each fix lives in its own module of this package: WARNINGS in
:mod:`.stack_warnings`, DEPS in :mod:`.deps`, DRN in :mod:`.drn`,
WEIGHTS_ONLY in :mod:`.weights_only`, MULTIMODAL in :mod:`.multimodal`,
FLOWFLIP in :mod:`.flow_flip`, NUMPY2_NAMES in :mod:`.numpy2_names` and
NUMPY2_HUE in :mod:`.numpy2_hue`. This module holds what they share and
applies them in the order of :data:`FIXES`.

=============  ===========================================================
NAME           defect it handles
=============  ===========================================================
WARNINGS       two stack warnings no user can act on, printed by every
               command: setuptools' "pkg_resources is deprecated as an
               API" and mmcv-lite's "Fail to import
               ``MultiScaleDeformableAttention``". Exactly those messages
               are filtered (``MMDATP_SHOW_STACK_WARNINGS=1`` also turns
               this off).
DEPS           ``importlib_metadata`` (imported by mmaction2, not declared
               by it) or ``pkg_resources`` (``setuptools<81``, used by
               mmengine for ``mmaction::`` configs) missing: fail at once,
               naming the package. mmdatp declares both in ``setup.cfg``.
DRN            the PyPI wheel of ``mmaction2==1.2.0`` imports
               ``.drn.drn`` from ``mmaction/models/localizers/`` but lacks
               the files, so ``import mmaction.models`` fails: register an
               empty ``drn`` package whose ``DRN`` raises a clear error.
WEIGHTS_ONLY   torch>=2.6 loads with ``weights_only=True`` and refuses
               mmengine checkpoints (``HistoryBuffer``, numpy arrays and
               scalars in ``message_hub``): allow-list exactly those types
               with ``torch.serialization.add_safe_globals``;
               ``weights_only`` stays on.
MULTIMODAL     with ``transformers>=5`` installed, ``import mmaction.models``
               fails in its VindLU models (they import names transformers 5
               removed): switch mmaction's ``WITH_MULTIMODAL`` off, so that
               mmaction registers its own placeholders.
FLOWFLIP       mmaction's ``Flip`` inverts x *and* y of every other stacked
               (H, W, 2) Flow frame instead of negating x of every frame:
               replace ``Flip._flip_imgs``.
NUMPY2_NAMES   mmaction2 uses ``np.Inf``, ``np.trapz`` and ``np.in1d``, which
               NumPy 2 removed: the ``np`` of exactly the mmaction modules
               that use them gets the NumPy 2 names as aliases.
NUMPY2_HUE     ``ColorJitter`` adds a negative int to a uint8 hue, which
               NumPy 2 refuses (OverflowError): shift the hue in int16.
=============  ===========================================================
"""
import logging
import os
from typing import Callable, Dict, NamedTuple, Tuple

from . import drn, flow_flip, multimodal, numpy2_hue, numpy2_names
from .deps import check_dependencies, missing_dependencies
from .drn import drn_is_missing, fix_missing_drn
from .flow_flip import fix_flow_flip, flow_flip_defect
from .multimodal import (disable_incompatible_multimodal,
                         transformers_too_new, transformers_version)
from .numpy2_hue import color_jitter_hue_defect, fix_color_jitter_hue
from .numpy2_names import (NUMPY2_REMOVED, NUMPY2_USERS,
                           NumpyWithRemovedNames, fix_numpy2_names,
                           numpy2_names_defect, numpy2_removed_names)
from .stack_warnings import (UNACTIONABLE_WARNINGS,
                             filter_unactionable_warnings,
                             unactionable_warnings)
from .weights_only import (allow_mmengine_checkpoints,
                           checkpoint_safe_globals, history_buffer_getattr,
                           weights_only_refuses_mmengine)

logger = logging.getLogger(__name__)

#: What happened to each fix in this process: 'applied', 'not needed'
#: (its defect was not found) or 'disabled' (by its environment variable)
STATUS: Dict[str, str] = {}


class StackFix(NamedTuple):
    """One fix: a check for its defect and the change that fixes it."""
    name: str  #: ``MMDATP_NO_FIX_<name>=1`` turns it off
    detect: Callable[[], bool]  #: whether the defect is there
    apply: Callable[[], str]  #: fixes it; returns what it changed


# -- all fixes ----------------------------------------------------------

#: The fixes, in the order they are applied (WARNINGS first: the imports
#: of the others warn)
FIXES: Tuple[StackFix, ...] = (
    StackFix('WARNINGS', lambda: bool(unactionable_warnings()),
             filter_unactionable_warnings),
    StackFix('DEPS', lambda: bool(missing_dependencies()),
             check_dependencies),
    StackFix('DRN', drn._drn_defect, fix_missing_drn),
    StackFix('WEIGHTS_ONLY', weights_only_refuses_mmengine,
             allow_mmengine_checkpoints),
    StackFix('MULTIMODAL', multimodal._multimodal_defect,
             disable_incompatible_multimodal),
    StackFix('FLOWFLIP', flow_flip_defect, fix_flow_flip),
    StackFix('NUMPY2_NAMES', numpy2_names_defect, fix_numpy2_names),
    StackFix('NUMPY2_HUE', color_jitter_hue_defect, fix_color_jitter_hue),
)


def switch(name: str) -> str:
    """The environment variable that turns fix ``name`` off."""
    return f'MMDATP_NO_FIX_{name}'


def fix_disabled(name: str) -> bool:
    """Whether fix ``name`` is turned off by its environment variable."""
    if os.environ.get(switch(name), '') not in ('', '0'):
        return True
    # the variable the WARNINGS fix had before the others had switches
    return name == 'WARNINGS' and \
        os.environ.get('MMDATP_SHOW_STACK_WARNINGS', '') == '1'


def apply_fix(fix: StackFix) -> str:
    """Apply one fix unless it is turned off or its defect is absent.

    The first call decides and records it in :data:`STATUS`; later calls
    return that record and change nothing.

    Returns:
        str: 'applied', 'not needed' or 'disabled'.
    """
    if fix.name in STATUS:
        return STATUS[fix.name]
    if fix_disabled(fix.name):
        status = 'disabled'
    elif not fix.detect():
        status = 'not needed'
    else:
        changed = fix.apply()
        logger.info('mmdatp stack fix %s: %s (%s=1 turns it off)', fix.name,
                    changed, switch(fix.name))
        status = 'applied'
    STATUS[fix.name] = status
    return status


def apply_stack_fixes() -> Dict[str, str]:
    """Apply every fix of :data:`FIXES` that is needed; safe to repeat.

    Returns:
        dict[str, str]: :data:`STATUS`, what happened to each fix.
    """
    for fix in FIXES:
        apply_fix(fix)
    return dict(STATUS)


def status_table() -> str:
    """One line per fix: its name, what happened, its switch."""
    return '\n'.join(f'{fix.name:<13} {STATUS.get(fix.name, "not run"):<11}'
                     f' {switch(fix.name)}=1 turns it off' for fix in FIXES)



def apply_numpy2_fixes() -> Dict[str, bool]:
    """Apply fixes 7 and 8 (NUMPY2_NAMES, NUMPY2_HUE) where their defect is
    found, outside :data:`STATUS` and the switches.

    Returns:
        dict[str, bool]: Whether each fix was applied.
    """
    applied = {}
    for name, defect, fix in (
        ('numpy2_names', numpy2_names.numpy2_names_defect,
         numpy2_names.fix_numpy2_names),
        ('color_jitter_hue', numpy2_hue.color_jitter_hue_defect,
         numpy2_hue.fix_color_jitter_hue),
    ):
        applied[name] = defect()
        if applied[name]:
            fix()
    return applied


__all__ = [
    'STATUS', 'StackFix', 'FIXES', 'switch', 'fix_disabled', 'apply_fix',
    'apply_stack_fixes', 'status_table', 'UNACTIONABLE_WARNINGS',
    'unactionable_warnings', 'filter_unactionable_warnings',
    'missing_dependencies', 'check_dependencies', 'drn_is_missing',
    'fix_missing_drn', 'history_buffer_getattr', 'checkpoint_safe_globals',
    'weights_only_refuses_mmengine', 'allow_mmengine_checkpoints',
    'transformers_version', 'transformers_too_new',
    'disable_incompatible_multimodal', 'flow_flip_defect', 'fix_flow_flip',
    'NUMPY2_REMOVED', 'NUMPY2_USERS', 'NumpyWithRemovedNames',
    'numpy2_removed_names', 'numpy2_names_defect', 'fix_numpy2_names',
    'color_jitter_hue_defect', 'fix_color_jitter_hue', 'apply_numpy2_fixes'
]
