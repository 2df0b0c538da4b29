"""Runner hooks of mmdatp, and the checkpoint checks they use.

``engine`` sits below ``apis``: it imports ``models`` and ``utils``, never
``apis`` (tested in ``tests/test_engine/test_layering.py``).
"""
from .checkpoint import (DATP_NEW_PREFIXES, check_checkpoint,
                         load_tsn_checkpoint, read_state_dict)
from .hooks import (AuxWarmupHook, GeneratorTraceHook, InitFromTSNHook,
                    ReplicaCheckHook, RNGStateHook)

__all__ = [
    'AuxWarmupHook', 'DATP_NEW_PREFIXES', 'GeneratorTraceHook',
    'InitFromTSNHook', 'ReplicaCheckHook', 'RNGStateHook', 'check_checkpoint',
    'load_tsn_checkpoint', 'read_state_dict'
]
