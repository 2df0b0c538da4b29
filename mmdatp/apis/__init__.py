"""Config helpers behind ``tools/train.py`` and ``tools/test.py``, and
inference on one video (:func:`predict_video`; :func:`video_test_pipeline`
runs a rawframes config's test pipeline on a video file)."""
from . import checkpoint  # noqa: F401  (old path of engine.checkpoint)
from .config_utils import (POOLING_SCHEMES, find_transforms, set_pooling,
                           set_test_segments, setup_test_cfg,
                           setup_train_cfg, use_synthetic_data)
from .dist import init_distributed
from .inference import (key_segments, predict_video, top_k_classes,
                        video_test_pipeline)
from .runner import build_runner

__all__ = [
    'POOLING_SCHEMES', 'find_transforms', 'set_pooling', 'set_test_segments',
    'setup_test_cfg', 'setup_train_cfg', 'use_synthetic_data',
    'key_segments', 'predict_video', 'top_k_classes', 'video_test_pipeline',
    'init_distributed', 'build_runner'
]
