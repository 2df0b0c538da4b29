"""TSN-style segment sampling from a sequence of precomputed features."""
from typing import Dict, Optional

import numpy as np
from mmaction.registry import TRANSFORMS

from .segment_sampler import DATPSampleFrames, _check_positive_int


def load_feature_array(filename: str,
                       feature_dim: Optional[int] = None,
                       mmap: bool = True) -> np.ndarray:
    """Load a (T, D) ``.npy`` array, raising a clear error if it is not one.

    Args:
        filename (str): Path of the ``.npy`` file.
        feature_dim (int, optional): Expected D; None accepts any.
            Defaults to None.
        mmap (bool): Memory-map the file instead of reading it (reading only
            the header until rows are indexed). Defaults to True.

    Returns:
        np.ndarray: The array (memory-mapped if ``mmap``).
    """
    expected = f'(T, {feature_dim if feature_dim else "D"}) with T >= 1'
    try:
        arr = np.load(filename, mmap_mode='r' if mmap else None)
    except FileNotFoundError:
        raise FileNotFoundError(
            f'feature file {filename} does not exist (expected a .npy '
            f'array of shape {expected})') from None
    except ValueError as e:  # not a .npy file, or a pickled object
        raise ValueError(f'feature file {filename} is not a numeric .npy '
                         f'array of shape {expected}: {e}') from None
    if not isinstance(arr, np.ndarray) or arr.ndim != 2 or \
            arr.shape[0] < 1 or (feature_dim and arr.shape[1] != feature_dim):
        shape = getattr(arr, 'shape', None)
        raise ValueError(f'feature file {filename} holds an array of shape '
                         f'{shape}, expected {expected}')
    if not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f'feature file {filename} has dtype {arr.dtype}, '
                         f'expected a numeric array of shape {expected}')
    return arr


@TRANSFORMS.register_module()
class SampleFeatureSegments(DATPSampleFrames):
    """Sample one feature vector from each of ``num_segments`` equal chunks.

    The feature counterpart of :class:`DATPSampleFrames`, with exactly its
    sampling and time convention (a "frame" is a row of the (T, D) array):
    one row per equal chunk, random in training, the chunk centre in
    testing, and ``segment_times[i] = row_i / max(T - 1, 1)``.

    Required Keys:

    - filename: path of a (T, D) ``.npy`` array (features or scores)

    Added Keys:

    - feats: ``np.float32`` array of shape ``(num_segments, D)``
    - segment_inds: ``np.int64`` row indices of shape ``(num_segments,)``
    - segment_times: ``np.float32`` array of shape ``(num_segments,)``
    - total_frames: T
    - num_clips: ``num_segments``

    Args:
        num_segments (int): Number of segments N per video. Defaults to 10.
        test_mode (bool): Take chunk centres instead of random rows.
            Defaults to False.
        feature_dim (int, optional): Expected D; checked when given.
            Defaults to None.
    """

    def __init__(self,
                 num_segments: int = 10,
                 test_mode: bool = False,
                 feature_dim: Optional[int] = None) -> None:
        super().__init__(
            num_segments=num_segments,
            clip_len=1,
            frame_interval=1,
            test_mode=test_mode)
        if feature_dim is not None:
            feature_dim = _check_positive_int('feature_dim', feature_dim)
        self.feature_dim = feature_dim

    def transform(self, results: Dict) -> Dict:
        """Load the features of ``results['filename']`` and sample N rows.

        Args:
            results (dict): The result dict; needs ``filename``.

        Returns:
            dict: ``results`` with ``feats``, ``segment_inds``,
            ``segment_times``, ``total_frames`` and ``num_clips`` added.
        """
        arr = load_feature_array(results['filename'], self.feature_dim)
        total = arr.shape[0]
        inds, times = self._sample(total)
        results['feats'] = np.asarray(arr[inds], dtype=np.float32)
        results['segment_inds'] = inds.astype(np.int64)
        results['segment_times'] = times
        results['total_frames'] = total
        results['num_clips'] = self.num_segments
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}('
                f'num_segments={self.num_segments}, '
                f'test_mode={self.test_mode}, '
                f'feature_dim={self.feature_dim})')
