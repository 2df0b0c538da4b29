"""Stack fix NUMPY2_NAMES (fix 7): names NumPy 2 removed.

mmaction2 1.2.0 was written for NumPy 1, and the pinned stack installs
NumPy 2 (torch, opencv and decord wheels are built against it). It uses
names NumPy 2 removed: ``np.Inf`` (``PoseCompact``, ``MMCompact``,
``mmaction.utils.frame_extract``), ``np.trapz``
(``average_recall_at_avg_proposals``, the proposal AR@AN metric) and
``np.in1d`` (the multimodal retrieval recall), which raise
``AttributeError``. Where the installed numpy lacks one of them, the ``np``
of exactly those mmaction modules is replaced by a view of numpy that also
has it, mapped to its NumPy 2 name (``inf``, ``trapezoid``, ``isin``); numpy
itself is not changed.
"""
import importlib
import types
from typing import List

import numpy as np

#: names NumPy 2 removed that mmaction2 1.2.0 uses -> their NumPy 2 names
NUMPY2_REMOVED = {'Inf': 'inf', 'trapz': 'trapezoid', 'in1d': 'isin'}
#: the mmaction modules that use them
NUMPY2_USERS = (
    'mmaction.datasets.transforms.pose_transforms',
    'mmaction.evaluation.functional.accuracy',
    'mmaction.evaluation.metrics.multimodal_metric',
    'mmaction.utils.misc',
)


class NumpyWithRemovedNames(types.ModuleType):
    """numpy, plus the :data:`NUMPY2_REMOVED` names it lacks (as aliases).

    Every attribute is looked up on numpy; only a missing one of
    :data:`NUMPY2_REMOVED` is answered by its NumPy 2 name.
    """

    def __init__(self) -> None:
        super().__init__('numpy', 'numpy with the names mmaction2 1.2.0 '
                         'uses and NumPy 2 removed (mmdatp stack fix 7)')

    def __getattr__(self, name: str):
        if not hasattr(np, name) and name in NUMPY2_REMOVED:
            return getattr(np, NUMPY2_REMOVED[name])
        return getattr(np, name)


def numpy2_removed_names() -> List[str]:
    """The names of :data:`NUMPY2_REMOVED` the installed numpy lacks."""
    return [name for name in NUMPY2_REMOVED if not hasattr(np, name)]


def numpy2_names_defect() -> bool:
    """Stack fix 7's check: numpy lacks a name mmaction2 uses."""
    return bool(numpy2_removed_names())


def fix_numpy2_names() -> str:
    """Stack fix 7: give mmaction's modules the names numpy removed.

    Returns:
        str: What was changed.
    """
    patched = []
    for name in NUMPY2_USERS:
        module = importlib.import_module(name)
        if getattr(module, 'np', None) is np:
            module.np = NumpyWithRemovedNames()
            patched.append(name)
    return (f'np.{"/".join(numpy2_removed_names())} for '
            f'{", ".join(patched)}')
