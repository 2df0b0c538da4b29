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
               replace ``Flip._flip_imgs`` (:mod:`mmdatp.compat_flow_flip`).
NUMPY2_NAMES   mmaction2 uses ``np.Inf``, ``np.trapz`` and ``np.in1d``, which
               NumPy 2 removed: the ``np`` of exactly the mmaction modules
               that use them gets the NumPy 2 names as aliases
               (:mod:`mmdatp.compat_numpy`).
NUMPY2_HUE     ``ColorJitter`` adds a negative int to a uint8 hue, which
               NumPy 2 refuses (OverflowError): shift the hue in int16.
=============  ===========================================================
"""
import importlib.util
import io
import logging
import os
import os.path as osp
import sys
import types
import warnings
from typing import Callable, Dict, List, NamedTuple, Tuple

logger = logging.getLogger(__name__)

#: What happened to each fix in this process: 'applied', 'not needed'
#: (its defect was not found) or 'disabled' (by its environment variable)
STATUS: Dict[str, str] = {}


class StackFix(NamedTuple):
    """One fix: a check for its defect and the change that fixes it."""
    name: str  #: ``MMDATP_NO_FIX_<name>=1`` turns it off
    detect: Callable[[], bool]  #: whether the defect is there
    apply: Callable[[], str]  #: fixes it; returns what it changed


def _mmaction_dir() -> str:
    spec = importlib.util.find_spec('mmaction')
    if spec is None or not spec.submodule_search_locations:
        raise ImportError('mmdatp needs mmaction2==1.2.0; `mmaction` is not '
                          'installed (pip install mmaction2==1.2.0).')
    return list(spec.submodule_search_locations)[0]


# -- WARNINGS -----------------------------------------------------------

#: (message regex, category, whether the installed stack prints it)
UNACTIONABLE_WARNINGS = (
    (r'pkg_resources is deprecated as an API', UserWarning),
    (r'Fail to import ``MultiScaleDeformableAttention`` from '
     r'``mmcv\.ops', UserWarning),
)


def _setuptools_warns() -> bool:
    """Whether this ``pkg_resources`` warns that it is deprecated."""
    spec = importlib.util.find_spec('pkg_resources')
    if spec is None or not spec.origin or not osp.isfile(spec.origin):
        return False
    with open(spec.origin, encoding='utf-8', errors='replace') as f:
        return 'pkg_resources is deprecated as an API' in f.read()


def _mmcv_lite_warns() -> bool:
    """Whether mmcv lacks its compiled ops (mmcv-lite), so that
    ``mmcv.cnn.bricks.transformer`` warns on import."""
    return importlib.util.find_spec('mmcv') is not None and \
        importlib.util.find_spec('mmcv._ext') is None


def unactionable_warnings() -> List[Tuple[str, type]]:
    """The warnings of :data:`UNACTIONABLE_WARNINGS` this stack prints."""
    found = (_setuptools_warns(), _mmcv_lite_warns())
    return [w for w, there in zip(UNACTIONABLE_WARNINGS, found) if there]


def filter_unactionable_warnings() -> str:
    """Filter exactly the stack warnings found by
    :func:`unactionable_warnings`."""
    found = unactionable_warnings()
    for message, category in found:
        warnings.filterwarnings('ignore', message=message, category=category)
    names = ', '.join(repr(m.split(' from ')[0].replace('\\', ''))
                      for m, _ in found)
    return f'filtered {len(found)} stack warning(s) no user can act on: ' \
        f'{names}'


# -- DEPS ---------------------------------------------------------------


def missing_dependencies() -> List[str]:
    """Packages mmaction2/mmengine import but this environment lacks."""
    missing: List[str] = []
    if importlib.util.find_spec('importlib_metadata') is None:
        missing.append('importlib_metadata')
    if importlib.util.find_spec('pkg_resources') is None:
        missing.append('setuptools<81 (provides pkg_resources)')
    return missing


def check_dependencies() -> str:
    """Fail early, naming the missing packages."""
    missing = missing_dependencies()
    if missing:
        raise ImportError(
            'mmdatp: missing dependencies needed by mmaction2/mmengine: ' +
            ', '.join(missing) + '. Run `pip install ' +
            ' '.join(f'"{m.split(" ")[0]}"' for m in missing) + '`.')
    return 'all dependencies found'


# -- DRN ----------------------------------------------------------------

_DRN = 'mmaction.models.localizers.drn'


def drn_is_missing() -> bool:
    """Whether the installed mmaction2 lacks ``models/localizers/drn``."""
    return not osp.isfile(
        osp.join(_mmaction_dir(), 'models', 'localizers', 'drn', 'drn.py'))


def _drn_defect() -> bool:
    return _DRN not in sys.modules and drn_is_missing()


class _MissingDRN:
    """Placeholder for ``mmaction.models.localizers.drn.drn.DRN``."""

    def __init__(self, *args, **kwargs) -> None:
        raise ImportError(
            'DRN is not part of the PyPI wheel of mmaction2==1.2.0 '
            '(mmaction/models/localizers/drn is missing); install mmaction2 '
            'from source to use it. mmdatp only registered a placeholder so '
            'that `import mmaction.models` works.')


def fix_missing_drn() -> str:
    """Register a placeholder ``mmaction.models.localizers.drn``."""
    package = types.ModuleType(_DRN)
    package.__path__ = []  # mark as a package
    package.__doc__ = 'Placeholder installed by mmdatp.compat (DRN).'
    module = types.ModuleType(_DRN + '.drn')
    module.DRN = _MissingDRN
    package.drn = module
    sys.modules[_DRN] = package
    sys.modules[_DRN + '.drn'] = module
    return (f'registered a placeholder {_DRN} (missing from the '
            'mmaction2 1.2.0 wheel); building DRN raises ImportError')


# -- WEIGHTS_ONLY -------------------------------------------------------

_HISTORY_BUFFER_STATS = ('min', 'max', 'current', 'mean')


def history_buffer_getattr(obj, name: str):
    """Stand-in for ``getattr`` inside ``torch.load(weights_only=True)``.

    ``HistoryBuffer.__getstate__`` stores its statistics methods
    (``HistoryBuffer.min`` ...), which pickle protocol 2 (torch.save's
    default) writes as ``getattr(HistoryBuffer, 'min')``. Allow-listing the
    real ``getattr`` would let a checkpoint fetch any attribute of any
    allowed object; this stand-in resolves exactly those four methods and
    refuses everything else.
    """
    from mmengine.logging import HistoryBuffer
    if obj is HistoryBuffer and name in _HISTORY_BUFFER_STATS:
        return getattr(HistoryBuffer, name)
    import pickle
    raise pickle.UnpicklingError(
        f'mmdatp: weights-only load refused getattr({obj!r}, {name!r}); '
        'only HistoryBuffer statistics methods are allowed')


def checkpoint_safe_globals() -> list:
    """The exact non-tensor types found in mmengine checkpoints.

    ``message_hub`` holds :class:`mmengine.logging.HistoryBuffer` objects
    whose state holds numpy arrays and the buffer's statistics methods
    (see :func:`history_buffer_getattr`); runtime info holds numpy scalars.
    """
    import codecs

    import numpy as np
    from mmengine.logging import HistoryBuffer

    try:  # numpy >= 2
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct, scalar
    safe = [
        HistoryBuffer, np.ndarray, np.dtype, _reconstruct, scalar,
        # numpy pickles array bytes through codecs.encode under protocol 2
        codecs.encode, (history_buffer_getattr, 'builtins.getattr')
    ]
    # numpy >= 1.25 pickles dtypes through their classes (Float64DType, ...)
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        safe += [
            getattr(dtypes, name) for name in dir(dtypes)
            if name.endswith('DType')
            and isinstance(getattr(dtypes, name), type)
        ]
    return safe


def weights_only_refuses_mmengine() -> bool:
    """Whether ``torch.load`` with its defaults refuses what mmengine
    checkpoints hold (a ``HistoryBuffer``, numpy arrays and scalars).

    Saves and loads a small such object in memory; torch<2.6 (no
    ``weights_only`` by default) loads it, torch>=2.6 refuses it.
    """
    import numpy as np
    import torch
    from mmengine.logging import HistoryBuffer

    buf = HistoryBuffer()
    buf.update(np.float64(1.0))
    data = io.BytesIO()
    torch.save(dict(hub=buf, seed=np.int64(0)), data)
    data.seek(0)
    try:
        torch.load(data)
    except Exception:  # noqa: BLE001  torch's UnpicklingError and kin
        return True
    return False


def allow_mmengine_checkpoints() -> str:
    """Allow-list the types of mmengine checkpoints for weights-only
    loading (needs torch>=2.4's ``add_safe_globals``)."""
    import torch
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is None:
        raise ImportError(
            f'mmdatp: torch {torch.__version__} refuses mmengine checkpoints '
            'but has no torch.serialization.add_safe_globals; install the '
            'verified torch (requirements/runtime.txt)')
    safe = checkpoint_safe_globals()
    add(safe)
    return (f'allow-listed {len(safe)} mmengine checkpoint types '
            '(HistoryBuffer, numpy) for torch.load(weights_only=True)')


# -- MULTIMODAL ---------------------------------------------------------


def transformers_version() -> str:
    """The installed transformers version ('' if none)."""
    import importlib_metadata
    try:
        return importlib_metadata.version('transformers')
    except importlib_metadata.PackageNotFoundError:
        return ''


def transformers_too_new() -> bool:
    """Whether the installed transformers is 5 or newer (VindLU needs 4.x)."""
    major = transformers_version().split('.')[0]
    return major.isdigit() and int(major) >= 5


def _multimodal_defect() -> bool:
    return 'mmaction.models.multimodal' not in sys.modules and \
        transformers_too_new()


def disable_incompatible_multimodal() -> str:
    """Skip mmaction's VindLU import under transformers>=5."""
    from mmaction.utils import dependency
    dependency.WITH_MULTIMODAL = False
    return (f'transformers {transformers_version()} is too new for '
            "mmaction's VindLU models: switched mmaction's WITH_MULTIMODAL "
            'off (building a VindLU model raises ImportError)')


# -- FLOWFLIP -----------------------------------------------------------


def _flow_flip():
    from . import compat_flow_flip
    return compat_flow_flip


# -- NUMPY2_NAMES, NUMPY2_HUE ------------------------------------------


def _numpy2():
    from . import compat_numpy
    return compat_numpy


# -- all fixes ----------------------------------------------------------

#: The fixes, in the order they are applied (WARNINGS first: the imports
#: of the others warn)
FIXES: Tuple[StackFix, ...] = (
    StackFix('WARNINGS', lambda: bool(unactionable_warnings()),
             filter_unactionable_warnings),
    StackFix('DEPS', lambda: bool(missing_dependencies()),
             check_dependencies),
    StackFix('DRN', _drn_defect, fix_missing_drn),
    StackFix('WEIGHTS_ONLY', weights_only_refuses_mmengine,
             allow_mmengine_checkpoints),
    StackFix('MULTIMODAL', _multimodal_defect,
             disable_incompatible_multimodal),
    StackFix('FLOWFLIP', lambda: _flow_flip().flow_flip_defect(),
             lambda: _flow_flip().fix_flow_flip()),
    StackFix('NUMPY2_NAMES', lambda: _numpy2().numpy2_names_defect(),
             lambda: _numpy2().fix_numpy2_names()),
    StackFix('NUMPY2_HUE', lambda: _numpy2().color_jitter_hue_defect(),
             lambda: _numpy2().fix_color_jitter_hue()),
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

