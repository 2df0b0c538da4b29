"""Data side of mmdatp: the DATP segment sampler and the synthetic dataset."""
from .transforms import DATPSampleFrames

__all__ = ['DATPSampleFrames']
