"""Small, targeted fixes for the verified stack (see README, "Stack and its fixes").

Each fix is applied once by :func:`apply_stack_fixes`, which ``import mmdatp``
calls before anything from ``mmaction.models`` is imported.

1. ``mmaction2==1.2.0`` on PyPI ships ``mmaction/models/localizers/__init__.py``
   importing ``.drn.drn`` but not the ``drn`` package itself, so
   ``import mmaction.models`` fails. When (and only when) the files are
   missing we register an empty ``drn`` package whose ``DRN`` raises a clear
   error if someone tries to build it.
2. ``importlib_metadata`` is imported by ``mmaction.utils.dependency`` but not
   declared by mmaction2; mmdatp declares it (``setup.cfg``) and
   :func:`check_dependencies` names it if it is still missing.
3. ``setuptools>=81`` dropped ``pkg_resources``, which mmengine uses to
   resolve ``mmaction::`` config inheritance; mmdatp pins ``setuptools<81``.
4. torch>=2.6 loads checkpoints with ``weights_only=True``. mmengine
   checkpoints carry ``HistoryBuffer`` objects and numpy arrays/scalars in
   their ``message_hub``. We allow-list exactly those types with
   ``torch.serialization.add_safe_globals``; ``weights_only`` stays on.
5. ``mmaction.models`` imports its VindLU models whenever ``transformers>=4.28``
   is installed, and they import names that transformers 5 removed
   (``apply_chunking_to_forward`` from ``modeling_utils``, ...), so with
   transformers 5 ``import mmaction.models`` fails. We then switch
   mmaction's ``WITH_MULTIMODAL`` off, which registers its own placeholders:
   building a VindLU model raises a clear ImportError, the rest imports.
6. Two warnings that every command printed and no user can act on are
   filtered (exact messages only): setuptools' "pkg_resources is deprecated
   as an API" (mmengine imports it; setuptools<81 is pinned on purpose, see
   3) and mmcv-lite's "Fail to import ``MultiScaleDeformableAttention``"
   (a compiled op of full mmcv that DATP does not use). Set
   ``MMDATP_SHOW_STACK_WARNINGS=1`` to see them again.
7-8. mmaction2 1.2.0 under NumPy 2 (``np.Inf``/``trapz``/``in1d``,
   ``ColorJitter``'s hue): see :mod:`mmdatp.compat_numpy`.
"""
import importlib.util
import os
import os.path as osp
import sys
import types
import warnings
from typing import List

_APPLIED = False


def _mmaction_dir() -> str:
    spec = importlib.util.find_spec('mmaction')
    if spec is None or not spec.submodule_search_locations:
        raise ImportError('mmdatp needs mmaction2==1.2.0; `mmaction` is not '
                          'installed (pip install mmaction2==1.2.0).')
    return list(spec.submodule_search_locations)[0]


def drn_is_missing() -> bool:
    """Whether the installed mmaction2 lacks ``models/localizers/drn``."""
    return not osp.isfile(
        osp.join(_mmaction_dir(), 'models', 'localizers', 'drn', 'drn.py'))


class _MissingDRN:
    """Placeholder for ``mmaction.models.localizers.drn.drn.DRN``."""

    def __init__(self, *args, **kwargs) -> None:
        raise ImportError(
            'DRN is not part of the PyPI wheel of mmaction2==1.2.0 '
            '(mmaction/models/localizers/drn is missing); install mmaction2 '
            'from source to use it. mmdatp only registered a placeholder so '
            'that `import mmaction.models` works.')


def fix_missing_drn() -> bool:
    """Stack fix 1: provide ``mmaction.models.localizers.drn`` if missing.

    Returns:
        bool: True if the placeholder was installed.
    """
    name = 'mmaction.models.localizers.drn'
    if name in sys.modules or not drn_is_missing():
        return False
    package = types.ModuleType(name)
    package.__path__ = []  # mark as a package
    package.__doc__ = 'Placeholder installed by mmdatp.compat (fix 1).'
    module = types.ModuleType(name + '.drn')
    module.DRN = _MissingDRN
    package.drn = module
    sys.modules[name] = package
    sys.modules[name + '.drn'] = module
    return True


def check_dependencies() -> None:
    """Stack fixes 2 and 3: fail early, naming the missing package."""
    missing: List[str] = []
    if importlib.util.find_spec('importlib_metadata') is None:
        missing.append('importlib_metadata')
    if importlib.util.find_spec('pkg_resources') is None:
        missing.append('setuptools<81 (provides pkg_resources)')
    if missing:
        raise ImportError(
            'mmdatp: missing dependencies needed by mmaction2/mmengine: ' +
            ', '.join(missing) + '. Run `pip install ' +
            ' '.join(f'"{m.split(" ")[0]}"' for m in missing) + '`.')


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


def allow_mmengine_checkpoints() -> bool:
    """Stack fix 4: allow-list the types of mmengine checkpoints.

    Returns:
        bool: True if this torch has ``add_safe_globals`` (torch>=2.4).
    """
    import torch
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is None:
        return False
    add(checkpoint_safe_globals())
    return True


def transformers_too_new() -> bool:
    """Whether the installed transformers is 5 or newer (VindLU needs 4.x)."""
    import importlib_metadata
    try:
        version = importlib_metadata.version('transformers')
    except importlib_metadata.PackageNotFoundError:
        return False
    major = version.split('.')[0]
    return major.isdigit() and int(major) >= 5


def disable_incompatible_multimodal() -> bool:
    """Stack fix 5: skip mmaction's VindLU import under transformers>=5.

    Returns:
        bool: True if ``WITH_MULTIMODAL`` was switched off.
    """
    if 'mmaction.models.multimodal' in sys.modules or \
            not transformers_too_new():
        return False
    from mmaction.utils import dependency
    dependency.WITH_MULTIMODAL = False
    return True


#: Stack fix 6: (message regex, category) of the warnings filtered
UNACTIONABLE_WARNINGS = (
    (r'pkg_resources is deprecated as an API', UserWarning),
    (r'Fail to import ``MultiScaleDeformableAttention`` from '
     r'``mmcv\.ops', UserWarning),
)


def filter_unactionable_warnings() -> bool:
    """Stack fix 6: hide the stack warnings no user can act on.

    Returns:
        bool: True if the filters were installed (False when
        ``MMDATP_SHOW_STACK_WARNINGS=1``).
    """
    if os.environ.get('MMDATP_SHOW_STACK_WARNINGS', '') == '1':
        return False
    for message, category in UNACTIONABLE_WARNINGS:
        warnings.filterwarnings('ignore', message=message, category=category)
    return True


def apply_stack_fixes() -> None:
    """Apply all fixes once; safe to call repeatedly."""
    global _APPLIED
    if _APPLIED:
        return
    filter_unactionable_warnings()  # first: the imports below warn
    check_dependencies()
    fix_missing_drn()
    allow_mmengine_checkpoints()
    disable_incompatible_multimodal()
    from .compat_numpy import apply_numpy2_fixes
    apply_numpy2_fixes()  # fixes 7 and 8, after 1 and 5 (imports mmaction)
    _APPLIED = True
