"""Stack fix DEPS: two packages the stack imports but does not declare.

``importlib_metadata`` (imported by mmaction2, not declared by it) or
``pkg_resources`` (``setuptools<81``, used by mmengine for ``mmaction::``
configs) missing: fail at once, naming the package. mmdatp declares both in
``setup.cfg``.
"""
import importlib.util
from typing import List


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
