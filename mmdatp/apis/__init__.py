"""Config helpers behind ``tools/train.py`` and ``tools/test.py``, and
inference on one video (:func:`predict_video`)."""
import sys

from ..engine import checkpoint
from .config_utils import (POOLING_SCHEMES, find_transforms, set_pooling,
                           set_test_segments, setup_test_cfg,
                           setup_train_cfg, use_synthetic_data)
from .dist import init_distributed
from .inference import key_segments, predict_video, top_k_classes

# the checkpoint checks moved to mmdatp.engine.checkpoint (the hooks use
# them, and engine/ does not import apis/); the old module path still works
sys.modules[__name__ + '.checkpoint'] = checkpoint

__all__ = [
    'POOLING_SCHEMES', 'find_transforms', 'set_pooling', 'set_test_segments',
    'setup_test_cfg', 'setup_train_cfg', 'use_synthetic_data',
    'key_segments', 'predict_video', 'top_k_classes', 'init_distributed'
]
