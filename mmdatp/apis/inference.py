"""What ``tools/demo.py`` reports of one prediction: top-k classes, key
segments (where the DATP temporal weights peak) in seconds."""
from typing import Dict, List, Optional, Sequence

import numpy as np


def top_k_classes(scores: np.ndarray,
                  k: int = 5,
                  class_names: Optional[Sequence[str]] = None
                  ) -> List[Dict]:
    """The ``k`` best classes of a score vector, best first.

    Args:
        scores (np.ndarray): (C,) class scores (e.g. probabilities).
        k (int): How many classes; clipped to C. Defaults to 5.
        class_names (Sequence[str], optional): Names by class index.
            Defaults to None.

    Returns:
        list[dict]: ``label`` (int), ``score`` (float) and ``name`` (str or
        None) of each class.
    """
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    if k < 1:
        raise ValueError(f'k must be >= 1, but got {k}')
    if class_names is not None and len(class_names) != scores.size:
        raise ValueError(f'{len(class_names)} class names given for a model '
                         f'with {scores.size} classes')
    # stable sort so that ties keep the lower class index first
    order = np.argsort(-scores, kind='stable')[:k]
    return [
        dict(
            label=int(c),
            score=float(scores[c]),
            name=None if class_names is None else str(class_names[c]))
        for c in order
    ]


def key_segments(weights: np.ndarray,
                 frame_inds: np.ndarray,
                 fps: Optional[float],
                 num: int = 3,
                 flat_tol: float = 1e-4) -> List[Dict]:
    """The segments where the temporal weights peak, strongest first.

    A segment is a peak if its weight is a local maximum over the segment
    axis (``>=`` its right neighbour and ``>`` its left one, so that a
    plateau counts once, at its start). Uniform weights (average pooling,
    or a DATP model whose weights have not moved) have no peak: if
    ``max(w) <= (1 + flat_tol) * min(w)`` the result is empty.

    Args:
        weights (np.ndarray): (N,) temporal weights ``w_i`` (>= 0).
        frame_inds (np.ndarray): (N,) frame index shown for each segment
            (0-based, in the video's frames).
        fps (float, optional): Frame rate; None leaves ``time_s`` None.
        num (int): At most this many peaks. Defaults to 3.
        flat_tol (float): Relative spread below which the weights count
            as uniform. Defaults to 1e-4.

    Returns:
        list[dict]: ``segment`` (int, 0-based), ``frame`` (int),
        ``time_s`` (float | None, ``frame / fps``) and ``attention``
        (float, ``w_i / sum(w)``) of each peak.
    """
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    frames = np.asarray(frame_inds).reshape(-1)
    if w.size == 0 or w.size != frames.size:
        raise ValueError(f'weights ({w.size}) and frame_inds '
                         f'({frames.size}) must have the same, non-zero '
                         'length')
    if not np.all(np.isfinite(w)) or w.min() < 0:
        raise ValueError(f'temporal weights must be finite and >= 0, got '
                         f'{w.tolist()}')
    if fps is not None and not fps > 0:
        raise ValueError(f'fps must be > 0 or None, got {fps!r}')
    if num < 1:
        raise ValueError(f'num must be >= 1, but got {num}')
    if w.max() <= (1 + flat_tol) * w.min():
        return []
    left = np.concatenate([[-np.inf], w[:-1]])
    right = np.concatenate([w[1:], [-np.inf]])
    peaks = np.flatnonzero((w > left) & (w >= right))
    peaks = peaks[np.argsort(-w[peaks], kind='stable')][:num]
    total = w.sum()
    return [
        dict(
            segment=int(i),
            frame=int(frames[i]),
            time_s=None if fps is None else float(frames[i] / fps),
            attention=float(w[i] / total)) for i in peaks
    ]
