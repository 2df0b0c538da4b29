"""Stack fix DRN: the mmaction2 1.2.0 wheel lacks ``localizers/drn``.

The PyPI wheel of ``mmaction2==1.2.0`` imports ``.drn.drn`` from
``mmaction/models/localizers/`` but lacks the files, so ``import
mmaction.models`` fails: register an empty ``drn`` package whose ``DRN``
raises a clear error.
"""
import importlib.util
import os.path as osp
import sys
import types

_DRN = 'mmaction.models.localizers.drn'


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
