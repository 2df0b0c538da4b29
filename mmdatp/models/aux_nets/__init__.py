"""Auxiliary ConvNets of DATP (registered into ``mmaction.registry.MODELS``)."""
from .base import BaseAuxNet
from .conv_aux_net import DATPConvAuxNet
from .feature_aux_net import DATPFeatureAuxNet
from .score_aux_net import DATPScoreAuxNet

__all__ = [
    'BaseAuxNet', 'DATPConvAuxNet', 'DATPFeatureAuxNet', 'DATPScoreAuxNet'
]
