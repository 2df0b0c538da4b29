"""Transforms registered into ``mmaction.registry.TRANSFORMS``."""
from .encoded_frames import LoadEncodedFrames, PackEncodedInputs
from .feature_sampler import SampleFeatureSegments
from .pack_features import PackFeatureInputs
from .segment_sampler import DATPSampleFrames

__all__ = [
    'DATPSampleFrames', 'LoadEncodedFrames', 'PackEncodedInputs',
    'PackFeatureInputs', 'SampleFeatureSegments'
]
