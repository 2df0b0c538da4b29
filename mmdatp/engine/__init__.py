"""Runner hooks of mmdatp."""
from .hooks import GeneratorTraceHook, InitFromTSNHook, ReplicaCheckHook

__all__ = ['GeneratorTraceHook', 'InitFromTSNHook', 'ReplicaCheckHook']
