"""Fixes for mmaction2 1.2.0 under NumPy 2 (stack fixes 7 and 8).

mmaction2 1.2.0 was written for NumPy 1, and the pinned stack installs
NumPy 2 (torch, opencv and decord wheels are built against it):

7. It uses names NumPy 2 removed: ``np.Inf`` (``PoseCompact``,
   ``MMCompact``, ``mmaction.utils.frame_extract``), ``np.trapz``
   (``average_recall_at_avg_proposals``, the proposal AR@AN metric) and
   ``np.in1d`` (the multimodal retrieval recall), which raise
   ``AttributeError``. Where the installed numpy lacks one of them, the
   ``np`` of exactly those mmaction modules is replaced by a view of numpy
   that also has it, mapped to its NumPy 2 name (``inf``, ``trapezoid``,
   ``isin``); numpy itself is not changed.
8. ``ColorJitter.adjust_hue`` adds a negative Python int to a uint8 array;
   NumPy 2 (NEP 50) raises "OverflowError: Python integer -25 out of
   bounds for uint8" for every hue shift below zero, so ``ColorJitter``
   fails about every other call. Where that addition raises, the hue is
   shifted in int16 (as NumPy 1 did for negative shifts; positive shifts
   above 76 no longer wrap around 255 either).

Each fix has a check for its defect (``*_defect``) and is applied only
where it is found.
"""
import importlib
import types
from typing import Dict, List

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


def _shift_hue(hsv_hue: np.ndarray, offset: int) -> np.ndarray:
    """``(hue + offset) % 180`` computed in int16."""
    return ((hsv_hue.astype(np.int16) + offset) % 180).astype(np.uint8)


def color_jitter_hue_defect() -> bool:
    """Stack fix 8's check: uint8 + a negative Python int raises."""
    try:
        np.zeros(1, np.uint8) + (-1)
    except OverflowError:
        return True
    return False


def fix_color_jitter_hue() -> str:
    """Stack fix 8: ``ColorJitter.adjust_hue`` shifts the hue in int16.

    Returns:
        str: What was changed.
    """
    import cv2
    from mmaction.datasets.transforms.processing import ColorJitter

    def adjust_hue(img: np.ndarray, factor: float) -> np.ndarray:
        img = np.clip(img, 0, 255).astype(np.uint8)
        hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
        hsv[..., 0] = _shift_hue(hsv[..., 0], int(factor * 255))
        img = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
        return img.astype(np.float32)

    ColorJitter.adjust_hue = staticmethod(adjust_hue)
    return 'ColorJitter.adjust_hue shifts the hue in int16'


def apply_numpy2_fixes() -> Dict[str, bool]:
    """Apply fixes 7 and 8 where their defect is found.

    Returns:
        dict[str, bool]: Whether each fix was applied.
    """
    applied = {}
    for name, defect, fix in (
        ('numpy2_names', numpy2_names_defect, fix_numpy2_names),
        ('color_jitter_hue', color_jitter_hue_defect, fix_color_jitter_hue),
    ):
        applied[name] = defect()
        if applied[name]:
            fix()
    return applied
