"""Weights generators of DATP (registered into ``mmaction.registry.MODELS``)."""
from .base import BaseWeightGenerator
from .discrete import DiscreteWeightGenerator
from .mog import MoGWeightGenerator, mog_log_weights, mog_weights

__all__ = [
    'BaseWeightGenerator', 'DiscreteWeightGenerator', 'MoGWeightGenerator',
    'mog_log_weights', 'mog_weights'
]
