"""Transforms registered into ``mmaction.registry.TRANSFORMS``."""
from .encoded_frames import LoadEncodedFrames, PackEncodedInputs
from .feature_sampler import SampleFeatureSegments
from .pack_features import PackFeatureInputs
from .segment_sampler import DATPSampleFrames
from .video_init import BadVideoError, PathDecordInit, check_video_file

__all__ = [
    'BadVideoError', 'DATPSampleFrames', 'LoadEncodedFrames',
    'PackEncodedInputs', 'PackFeatureInputs', 'PathDecordInit',
    'SampleFeatureSegments', 'check_video_file'
]
