"""Backbones registered into ``mmaction.registry.MODELS``."""
from .cross_modality_resnet import CrossModalityResNet

__all__ = ['CrossModalityResNet']
