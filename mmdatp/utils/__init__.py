"""Small utilities shared across mmdatp (standard library only)."""
from .fileio import atomic_open

__all__ = ['atomic_open']
