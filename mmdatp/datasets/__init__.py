"""Data side of mmdatp: the DATP segment sampler and the synthetic dataset."""
from .checked_datasets import (CheckedRawframeDataset, CheckedVideoDataset,
                               check_labels)
from .feature_dataset import SegmentFeatureDataset
from .transforms import (DATPSampleFrames, LoadEncodedFrames,
                         PackEncodedInputs, PackFeatureInputs,
                         SampleFeatureSegments)

__all__ = [
    'CheckedRawframeDataset', 'CheckedVideoDataset',
    'DATPSampleFrames', 'LoadEncodedFrames', 'PackEncodedInputs',
    'PackFeatureInputs', 'SampleFeatureSegments',
    'SegmentFeatureDataset', 'check_labels'
]
