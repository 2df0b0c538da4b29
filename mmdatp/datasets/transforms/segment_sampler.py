"""TSN-style segment sampling for Deep Adaptive Temporal Pooling.

DATP (Song et al., ACM MM 2018) splits every video into ``N`` segments, both
in training and in testing, and takes one clip (one RGB frame, or a stack of
``clip_len`` flow frames) from each. Besides the frame indices the sampler
records each segment's normalised time ``t_i`` in ``[0, 1]``, which the head
can use (``results['segment_times']``).

Sampling, with ``F = total_frames``, ``span = (clip_len - 1) * frame_interval
+ 1`` and ``valid = F - span + 1`` legal clip starts::

    valid >= N      boundaries b_i = floor(i * valid / N), i = 0..N
                    train: start_i = b_i + randint(b_{i+1} - b_i)
                    test:  start_i = b_i + (b_{i+1} - b_i) // 2
    1 <= valid < N  start_i = floor(i * valid / N)     (train and test)
    valid < 1       start_i = 0, out-of-bound frames by ``out_of_bound_opt``
"""
from numbers import Integral
from typing import Dict, Tuple

import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

from ...utils import did_you_mean

_OUT_OF_BOUND_OPTS = ('loop', 'repeat_last')


def _check_positive_int(name: str, value: object) -> int:
    """Return ``value`` as an int, or raise if it is not an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, Integral) \
            or value < 1:
        raise ValueError(f'{name} must be an integer >= 1, '
                         f'but got {value!r}.')
    return int(value)


@TRANSFORMS.register_module()
class DATPSampleFrames(BaseTransform):
    """Sample one clip from each of ``num_segments`` equal video segments.

    Required Keys:

    - total_frames
    - start_index (optional, defaults to 0; 1 for rawframes)
    - filename or frame_dir (optional, only used in error messages)

    Added Keys:

    - frame_inds: ``np.int32`` array of ``num_segments * clip_len``
      indices, segment-major (all frames of segment 0, then segment 1, ...),
      offset by ``start_index``.
    - clip_len
    - frame_interval
    - num_clips: equals ``num_segments``, so that MMAction2's decoders and
      ``FormatShape`` work unchanged.
    - segment_times: ``np.float32`` array of shape ``(num_segments,)``;
      the centre frame of each clip divided by ``max(total_frames - 1, 1)``.

    Randomness comes from ``np.random``, so mmengine's seeding applies.

    Args:
        num_segments (int): Number of segments ``N`` per video.
            Defaults to 10.
        clip_len (int): Frames per clip; 1 for RGB, 5 for stacked optical
            flow. Defaults to 1.
        frame_interval (int): Temporal stride between the frames of a clip.
            Defaults to 1.
        test_mode (bool): If True, take the centre of every segment instead
            of a random position. Defaults to False.
        out_of_bound_opt (str): How to fill frames past the end of a video
            shorter than one clip: ``'loop'`` (index modulo
            ``total_frames``) or ``'repeat_last'`` (repeat the last frame).
            Defaults to ``'repeat_last'``.
        **unknown: Any other name (a typo such as ``num_segment``) raises a
            ``ValueError`` naming the closest valid argument.
    """

    def __init__(self,
                 num_segments: int = 10,
                 clip_len: int = 1,
                 frame_interval: int = 1,
                 test_mode: bool = False,
                 out_of_bound_opt: str = 'repeat_last',
                 **unknown) -> None:
        if unknown:  # a typo: the "did you mean" of the DATP modules
            valid = ['num_segments', 'clip_len', 'frame_interval',
                     'test_mode', 'out_of_bound_opt']
            name = sorted(unknown)[0]
            raise ValueError(
                f'DATPSampleFrames: unknown argument {name!r}'
                f'{did_you_mean(name, valid)}; '
                f'valid arguments are {valid}')
        self.num_segments = _check_positive_int('num_segments', num_segments)
        self.clip_len = _check_positive_int('clip_len', clip_len)
        self.frame_interval = _check_positive_int('frame_interval',
                                                  frame_interval)
        if not isinstance(test_mode, (bool, np.bool_)):
            raise ValueError('test_mode must be a bool (True or False), '
                             f'but got {test_mode!r}.')
        self.test_mode = bool(test_mode)
        if out_of_bound_opt not in _OUT_OF_BOUND_OPTS:
            raise ValueError(f'out_of_bound_opt must be one of '
                             f'{_OUT_OF_BOUND_OPTS}, but got '
                             f'{out_of_bound_opt!r}.')
        self.out_of_bound_opt = out_of_bound_opt

    @property
    def span(self) -> int:
        """Frames covered by one clip, from its first to its last frame."""
        return (self.clip_len - 1) * self.frame_interval + 1

    def _get_starts(self, total_frames: int) -> np.ndarray:
        """Compute the first frame (0-based) of the clip of every segment.

        Args:
            total_frames (int): Number of frames ``F`` of the video (>= 1).

        Returns:
            np.ndarray: ``int64`` array of shape ``(num_segments,)``.
        """
        num_segs = self.num_segments
        valid = total_frames - self.span + 1
        if valid < 1:
            # Shorter than one clip: every segment starts at frame 0.
            return np.zeros(num_segs, dtype=np.int64)
        # floor(i * valid / N) for i = 0..N, in exact integer arithmetic.
        bounds = np.arange(num_segs + 1, dtype=np.int64) * valid // num_segs
        if valid < num_segs:
            # Short video: deterministic, some frames repeat.
            return bounds[:-1]
        lengths = bounds[1:] - bounds[:-1]  # N, each >= 1
        if self.test_mode:
            offsets = lengths // 2
        else:
            offsets = np.random.randint(0, lengths)
        return bounds[:-1] + offsets

    def _handle_out_of_bound(self, inds: np.ndarray,
                             total_frames: int) -> np.ndarray:
        """Map 0-based indices past ``total_frames - 1`` back into range."""
        if self.out_of_bound_opt == 'loop':
            return np.mod(inds, total_frames)
        return np.minimum(inds, total_frames - 1)

    def _sample(self, total_frames: int) -> Tuple[np.ndarray, np.ndarray]:
        """Sample 0-based frame indices and segment times.

        Args:
            total_frames (int): Number of frames ``F`` of the video (>= 1).

        Returns:
            tuple[np.ndarray, np.ndarray]: Frame indices of shape
            ``(num_segments * clip_len,)`` and segment times of shape
            ``(num_segments,)``.
        """
        starts = self._get_starts(total_frames)  # N
        steps = np.arange(self.clip_len) * self.frame_interval  # clip_len
        inds = (starts[:, None] + steps[None, :]).reshape(-1)  # N * clip_len
        inds = self._handle_out_of_bound(inds, total_frames)

        centres = starts + (self.span - 1) / 2.0
        centres = np.clip(centres, 0, total_frames - 1)
        times = centres / max(total_frames - 1, 1)
        return inds, times.astype(np.float32)

    def transform(self, results: Dict) -> Dict:
        """Sample the frame indices of every segment.

        Args:
            results (dict): The result dict; needs ``total_frames``.

        Returns:
            dict: ``results`` with ``frame_inds``, ``clip_len``,
            ``frame_interval``, ``num_clips`` and ``segment_times`` added.
        """
        total_frames = results['total_frames']
        if isinstance(total_frames, bool) or \
                not isinstance(total_frames, Integral) or total_frames < 1:
            name = results.get('filename', results.get('frame_dir',
                                                       '<unknown>'))
            raise ValueError(f'DATPSampleFrames: total_frames must be an '
                             f'integer >= 1, but got {total_frames!r} for '
                             f'video {name}.')
        total_frames = int(total_frames)
        start_index = int(results.get('start_index', 0))

        inds, times = self._sample(total_frames)
        results['frame_inds'] = (inds + start_index).astype(np.int32)
        results['clip_len'] = self.clip_len
        results['frame_interval'] = self.frame_interval
        results['num_clips'] = self.num_segments
        results['segment_times'] = times
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}('
                f'num_segments={self.num_segments}, '
                f'clip_len={self.clip_len}, '
                f'frame_interval={self.frame_interval}, '
                f'test_mode={self.test_mode}, '
                f'out_of_bound_opt={self.out_of_bound_opt!r})')
