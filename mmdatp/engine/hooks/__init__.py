"""Runner hooks of mmdatp."""
from .init_from_tsn_hook import InitFromTSNHook
from .replica_check_hook import ReplicaCheckHook
from .rng_state_hook import RNGStateHook

__all__ = ['InitFromTSNHook', 'ReplicaCheckHook', 'RNGStateHook']
