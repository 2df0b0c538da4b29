"""Transforms registered into ``mmaction.registry.TRANSFORMS``."""
from .segment_sampler import DATPSampleFrames

__all__ = ['DATPSampleFrames']
