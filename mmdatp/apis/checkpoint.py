"""Moved to :mod:`mmdatp.engine.checkpoint` (the hooks use it, and
``engine/`` does not import ``apis/``); this old path re-exports it."""
from ..engine.checkpoint import (CLASSIFIER_PREFIX, DATP_NEW_PREFIXES,
                                 check_checkpoint, check_checkpoint_file,
                                 compare_state_dicts, load_tsn_checkpoint,
                                 read_state_dict)

__all__ = [
    'CLASSIFIER_PREFIX', 'DATP_NEW_PREFIXES', 'check_checkpoint',
    'check_checkpoint_file', 'compare_state_dicts', 'load_tsn_checkpoint',
    'read_state_dict'
]
