"""Runner hooks of mmdatp."""
from .hooks import ReplicaCheckHook

__all__ = ['ReplicaCheckHook']
