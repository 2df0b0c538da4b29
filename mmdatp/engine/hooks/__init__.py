"""Runner hooks of mmdatp."""
from .init_from_tsn_hook import InitFromTSNHook
from .replica_check_hook import ReplicaCheckHook

__all__ = ['InitFromTSNHook', 'ReplicaCheckHook']
