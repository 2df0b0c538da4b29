"""Transforms registered into ``mmaction.registry.TRANSFORMS``."""
from .feature_sampler import SampleFeatureSegments
from .pack_features import PackFeatureInputs
from .segment_sampler import DATPSampleFrames
from .video_init import BadVideoError, PathDecordInit, check_video_file

__all__ = [
    'BadVideoError', 'DATPSampleFrames', 'PackFeatureInputs', 'PathDecordInit',
    'SampleFeatureSegments', 'check_video_file'
]
