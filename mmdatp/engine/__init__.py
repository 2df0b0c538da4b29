"""Runner hooks of mmdatp."""
from .hooks import InitFromTSNHook, ReplicaCheckHook, RNGStateHook

__all__ = ['InitFromTSNHook', 'ReplicaCheckHook', 'RNGStateHook']
