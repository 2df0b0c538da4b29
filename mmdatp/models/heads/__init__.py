"""Heads registered into ``mmaction.registry.MODELS``."""
from .datp_head import DATPHead

__all__ = ['DATPHead']
