"""What to extract from every video and how: :class:`ExtractSpec`.

The settings of each modality (:meth:`ExtractSpec.settings`) are what the
completion marker of a video directory records (:mod:`.rawframe_dir`); they
hold ``flow_backend`` only when it is not OpenCV, so directories written
before it existed still count as OpenCV's.
"""
from dataclasses import dataclass
from typing import Optional, Tuple

from .flow import FLOW_BACKENDS, FLOW_BOUND, FLOW_TYPES
from .frames import ResizeSpec

#: values of ``ExtractSpec.task``
TASKS = ('rgb', 'flow', 'both')


@dataclass(frozen=True)
class ExtractSpec:
    """What to extract from every video and how.

    Args:
        task (str): 'rgb' (frames), 'flow' (optical flow) or 'both'
            (decoded once). Defaults to 'both'.
        flow_type (str): 'tvl1' or 'farneback'. Defaults to 'tvl1'.
        new_short (int): Resize the short side to this (keeping the aspect
            ratio) before writing frames and computing flow; 0 for a fixed
            size or none. Defaults to 256.
        new_width (int): Fixed width (with ``new_height``, ``new_short=0``).
            Defaults to 0.
        new_height (int): Fixed height. Defaults to 0.
        max_frames (int, optional): Use only the first ``max_frames``
            frames of each video (quick runs, tests, benchmarks). Defaults
            to None (all).
        bound (float): Flow clipping bound in pixels for quantisation.
            Defaults to 20.
        jpeg_quality (int): JPEG quality 1..100. Defaults to 95.
        flow_backend (str): 'opencv' or 'torch' (TV-L1 only). Defaults to
            'opencv'.
    """
    task: str = 'both'
    flow_type: str = 'tvl1'
    new_short: int = 256
    new_width: int = 0
    new_height: int = 0
    max_frames: Optional[int] = None
    bound: float = FLOW_BOUND
    jpeg_quality: int = 95
    flow_backend: str = 'opencv'

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f'task must be one of {TASKS}, got '
                             f'{self.task!r}')
        if self.flow_type not in FLOW_TYPES:
            raise ValueError(f'flow_type must be one of {FLOW_TYPES}, got '
                             f'{self.flow_type!r}')
        if self.flow_backend not in FLOW_BACKENDS:
            raise ValueError(f'flow_backend must be one of {FLOW_BACKENDS}, '
                             f'got {self.flow_backend!r}')
        if self.flow_backend == 'torch' and self.flow_type != 'tvl1':
            raise ValueError(f"flow_backend 'torch' computes flow_type "
                             f"'tvl1' only, got {self.flow_type!r}")
        ResizeSpec(self.new_short, self.new_width,
                   self.new_height)  # raises on bad sizes
        if self.max_frames is not None and (
                isinstance(self.max_frames, bool)
                or not isinstance(self.max_frames, int)
                or self.max_frames < 1):
            raise ValueError(f'max_frames must be None or an integer >= 1, '
                             f'got {self.max_frames!r}')
        if isinstance(self.bound, bool) or \
                not isinstance(self.bound, (int, float)) or \
                not self.bound > 0:
            raise ValueError(f'bound must be a number > 0, got '
                             f'{self.bound!r}')
        if isinstance(self.jpeg_quality, bool) or \
                not isinstance(self.jpeg_quality, int) or \
                not 1 <= self.jpeg_quality <= 100:
            raise ValueError(f'jpeg_quality must be an integer in 1..100, '
                             f'got {self.jpeg_quality!r}')

    @property
    def resize(self) -> ResizeSpec:
        """The frame resizing of this spec."""
        return ResizeSpec(self.new_short, self.new_width, self.new_height)

    @property
    def modalities(self) -> Tuple[str, ...]:
        """The modalities of ``task``: ('rgb',), ('flow',) or both."""
        return ('rgb', 'flow') if self.task == 'both' else (self.task, )

    def settings(self, modality: str) -> dict:
        """The settings that determine the output of ``modality``.

        Args:
            modality (str): 'rgb' or 'flow'.

        Returns:
            dict: JSON-serialisable settings, stored in the marker.
        """
        common = dict(
            new_short=self.new_short,
            new_width=self.new_width,
            new_height=self.new_height,
            max_frames=self.max_frames,
            jpeg_quality=self.jpeg_quality)
        if modality == 'rgb':
            return common
        if modality == 'flow':
            flow = dict(
                common, flow_type=self.flow_type, bound=float(self.bound))
            if self.flow_backend != 'opencv':  # old markers stay valid
                flow['flow_backend'] = self.flow_backend
            return flow
        raise ValueError(f"modality must be 'rgb' or 'flow', got "
                         f'{modality!r}')
