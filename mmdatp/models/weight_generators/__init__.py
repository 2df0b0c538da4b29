"""Weights generators of DATP (registered into ``mmaction.registry.MODELS``).

Learned (theta from the aux net): :class:`MoGWeightGenerator`,
:class:`DiscreteWeightGenerator`. Testing schemes (no aux net):
:class:`UniformWeights` (average pooling, P2/P3), :class:`RandomMoG` (P1).
"""
from .base import BaseWeightGenerator
from .discrete import DiscreteWeightGenerator
from .mog import MoGWeightGenerator, mog_log_weights, mog_weights
from .random_mog import RandomMoG
from .uniform import UniformWeights

__all__ = [
    'BaseWeightGenerator', 'DiscreteWeightGenerator', 'MoGWeightGenerator',
    'RandomMoG', 'UniformWeights', 'mog_log_weights', 'mog_weights'
]
