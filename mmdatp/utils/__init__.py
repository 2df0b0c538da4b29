"""Small utilities shared across mmdatp (standard library only)."""
from .fileio import atomic_open
from .names import did_you_mean

__all__ = ['atomic_open', 'did_you_mean']
