"""Models of mmdatp: DATP head, auxiliary ConvNets, weights generators."""
from .aux_nets import (BaseAuxNet, DATPConvAuxNet, DATPFeatureAuxNet,
                       DATPScoreAuxNet)
from .backbones import CrossModalityResNet
from .data_preprocessors import JPEGDecodeDataPreprocessor, decode_clips
from .fused_mog_pool import FusedMoGPool, fused_mog_pool
from .heads import DATPHead
from .pooling import WeightedL2Pool, weighted_l2_pool
from .recognizers import FeatureRecognizer
from .weight_generators import (BaseWeightGenerator, DiscreteWeightGenerator,
                                MoGWeightGenerator, RandomMoG, UniformWeights,
                                mog_log_weights, mog_weights)

__all__ = [
    'BaseAuxNet', 'CrossModalityResNet', 'DATPConvAuxNet', 'DATPScoreAuxNet',
    'DATPFeatureAuxNet', 'DATPHead', 'FeatureRecognizer', 'FusedMoGPool',
    'fused_mog_pool', 'JPEGDecodeDataPreprocessor', 'decode_clips',
    'WeightedL2Pool', 'weighted_l2_pool', 'BaseWeightGenerator',
    'DiscreteWeightGenerator', 'MoGWeightGenerator', 'RandomMoG',
    'UniformWeights', 'mog_log_weights', 'mog_weights'
]
