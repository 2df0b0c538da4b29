"""Data side of mmdatp: the DATP segment sampler and the synthetic dataset."""
from .feature_dataset import SegmentFeatureDataset
from .transforms import (DATPSampleFrames, PackFeatureInputs,
                         SampleFeatureSegments)

__all__ = [
    'DATPSampleFrames', 'PackFeatureInputs', 'SampleFeatureSegments',
    'SegmentFeatureDataset'
]
