"""Runner hooks of mmdatp."""
from .hooks import InitFromTSNHook, ReplicaCheckHook

__all__ = ['InitFromTSNHook', 'ReplicaCheckHook']
