"""Stack fix WARNINGS: two stack warnings no user can act on.

Every command prints setuptools' "pkg_resources is deprecated as an API"
(mmengine imports ``pkg_resources``, and ``setuptools<81`` is pinned on
purpose, see :mod:`mmdatp.compat.deps`) and mmcv-lite's "Fail to import
``MultiScaleDeformableAttention``" (mmcv-lite has no compiled ops; DATP does
not use that one). Exactly the messages this stack prints are filtered
(``MMDATP_SHOW_STACK_WARNINGS=1`` also turns this off).
"""
import importlib.util
import os.path as osp
import warnings
from typing import List, Tuple

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
