"""Transforms registered into ``mmaction.registry.TRANSFORMS``."""
from .feature_sampler import SampleFeatureSegments
from .pack_features import PackFeatureInputs
from .segment_sampler import DATPSampleFrames

__all__ = ['DATPSampleFrames', 'PackFeatureInputs', 'SampleFeatureSegments']
