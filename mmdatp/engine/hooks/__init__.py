"""Runner hooks of mmdatp."""
from .replica_check_hook import ReplicaCheckHook

__all__ = ['ReplicaCheckHook']
