"""Stack fix NUMPY2_HUE (fix 8): ``ColorJitter``'s hue shift under NumPy 2.

``ColorJitter.adjust_hue`` of mmaction2 1.2.0 adds a negative Python int to
a uint8 array; NumPy 2 (NEP 50) raises "OverflowError: Python integer -25
out of bounds for uint8" for every hue shift below zero, so ``ColorJitter``
fails about every other call. Where that addition raises, the hue is shifted
in int16 (as NumPy 1 did for negative shifts; positive shifts above 76 no
longer wrap around 255 either).
"""
import numpy as np


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
