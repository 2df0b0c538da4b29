"""Shared test set-up and fixtures.

mmdatp must be imported before mmaction.models: it applies the stack fixes.
"""
import os.path as osp

import mmdatp  # noqa: F401  applies the stack fixes and registers modules
import pytest
from mmdatp.apis import setup_train_cfg, use_synthetic_data
from mmdatp.datasets.synthetic import SyntheticSpec, make_synthetic_dataset
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
# real short clips and rawframes (Apache-2.0, from MMAction2's test data)
TEST_DATA = osp.join(REPO, 'tests', 'data')
# the config the tests train on tiny synthetic datasets
SYNTHETIC_CONFIG = osp.join(REPO, 'configs', 'datp_tsn_r34_synthetic.py')
# the tiny synthetic tasks: 32x32 videos of 3 classes unless a test says
SIZE = 32
NUM_CLASSES = 3


def synthetic_data(root: str, **spec) -> dict:
    """Write a tiny synthetic dataset into ``root`` (quietly).

    Args:
        root (str): Its directory.
        **spec: ``SyntheticSpec`` fields; ``num_classes`` defaults to
            NUM_CLASSES and ``size`` to SIZE.

    Returns:
        dict: Its meta (``make_synthetic_dataset``).
    """
    spec = dict(dict(num_classes=NUM_CLASSES, size=SIZE), **spec)
    return make_synthetic_dataset(
        str(root), SyntheticSpec(**spec), verbose=False)


def synthetic_cfg(root: str,
                  batch_size: int,
                  max_epochs: int = 1,
                  num_classes: int = NUM_CLASSES) -> Config:
    """The synthetic config on the dataset in ``root``, for a short run on
    the CPU: no data workers, ``max_epochs`` epochs, no validation during
    training (val_interval 100) and a constant learning rate.

    Args:
        root (str): A dataset written by :func:`synthetic_data`.
        batch_size (int): Videos per batch.
        max_epochs (int): Training epochs. Defaults to 1.
        num_classes (int): Its classes. Defaults to NUM_CLASSES.

    Returns:
        Config: Ready for the test's own changes and ``setup_train_cfg``.
    """
    cfg = use_synthetic_data(
        Config.fromfile(SYNTHETIC_CONFIG),
        str(root),
        num_classes=num_classes,
        size=SIZE,
        num_workers=0,
        batch_size=batch_size)
    cfg.train_cfg.max_epochs = max_epochs
    cfg.train_cfg.val_interval = 100
    cfg.param_scheduler = [dict(type='ConstantLR', factor=1.0)]
    return cfg


@pytest.fixture(scope='session')
def make_synthetic_data():
    """:func:`synthetic_data`, for fixtures of any scope."""
    return synthetic_data


@pytest.fixture(scope='session')
def make_synthetic_cfg():
    """:func:`synthetic_cfg`, for fixtures of any scope."""
    return synthetic_cfg


@pytest.fixture(autouse=True)
def _mmaction_scope():
    init_default_scope('mmaction')
    yield


@pytest.fixture(scope='session')
def trained(tmp_path_factory):
    """A 1-epoch DATP checkpoint on a tiny 32x32 synthetic dataset (3
    classes), with its config, a test video and the dataset's meta."""
    root = str(tmp_path_factory.mktemp('vis_synthetic'))
    meta = synthetic_data(
        root,
        train_per_class=4,
        val_per_class=1,
        test_per_class=1,
        num_frames=20,
        key_len=6,
        seed=2)
    cfg = synthetic_cfg(root, batch_size=4)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    work_dir = str(tmp_path_factory.mktemp('vis_work'))
    setup_train_cfg(cfg, work_dir=work_dir, seed=0)
    runner = Runner.from_cfg(cfg)
    runner.train()
    cfg_path = osp.join(work_dir, 'cfg.py')
    runner.cfg.dump(cfg_path)
    video = meta['splits']['test']['videos'][0]
    return dict(
        cfg=runner.cfg,
        cfg_path=cfg_path,
        ckpt=osp.join(work_dir, 'epoch_1.pth'),
        video=osp.join(root, video['path']),
        label=video['label'],
        meta=osp.join(root, 'meta.json'),
        classes=meta['classes'],
        size=SIZE,
        num_classes=NUM_CLASSES)


@pytest.fixture(scope='session')
def pred(trained):
    """``predict_video`` of ``trained`` on its test video."""
    from mmdatp.apis import predict_video
    return predict_video(trained['cfg_path'], trained['ckpt'],
                         trained['video'])
