"""Runner hooks of mmdatp."""
from .aux_warmup_hook import AuxWarmupHook
from .generator_trace_hook import GeneratorTraceHook
from .init_from_tsn_hook import InitFromTSNHook
from .replica_check_hook import ReplicaCheckHook
from .rng_state_hook import RNGStateHook

__all__ = [
    'AuxWarmupHook', 'GeneratorTraceHook', 'InitFromTSNHook',
    'ReplicaCheckHook', 'RNGStateHook'
]
