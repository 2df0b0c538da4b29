"""Command-line flags -> config changes of tools/train.py and tools/test.py."""
import os.path as osp

import pytest
from mmaction.registry import MODELS
import torch
from mmdatp.apis import (set_pooling, set_test_segments, setup_test_cfg,
                         setup_train_cfg, use_synthetic_data)
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DATP = osp.join(REPO, 'configs', 'datp_tsn_r34_hmdb51.py')
FEATURES = osp.join(REPO, 'configs', 'datp_features_synthetic.py')


def test_setup_train_cfg_flags(tmp_path):
    cfg = setup_train_cfg(
        Config.fromfile(DATP),
        config_path=DATP,
        amp=True,
        resume='auto',
        auto_scale_lr=True,
        no_validate=True,
        seed=3,
        deterministic=True)
    assert cfg.work_dir == osp.join('./work_dirs', 'datp_tsn_r34_hmdb51')
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.resume is True and cfg.load_from is None
    assert cfg.auto_scale_lr.enable is True
    assert cfg.val_cfg is None and cfg.val_dataloader is None
    assert cfg.randomness == dict(seed=3, deterministic=True)
    cfg = setup_train_cfg(
        Config.fromfile(DATP), work_dir=str(tmp_path), resume='x.pth')
    assert cfg.work_dir == str(tmp_path)
    assert cfg.resume is True and cfg.load_from == 'x.pth'


@pytest.mark.parametrize('pooling', ['datp', 'avg', 'random'])
def test_set_pooling_on_datp(pooling):
    cfg = set_pooling(
        Config.fromfile(DATP),
        pooling,
        num_segments=25 if pooling == 'avg' else None,
        random_seed=5)
    head = cfg.model.cls_head
    assert head.pooling == pooling and head.random_seed == 5
    sampler = [
        s for s in cfg.test_dataloader.dataset.pipeline
        if s.type == 'DATPSampleFrames'
    ][0]
    assert sampler.num_segments == (25 if pooling == 'avg' else 10)
    assert MODELS.build(cfg.model.cls_head).pooling == pooling


def test_set_pooling_avg_on_a_plain_tsn_config():
    cfg = Config.fromfile(DATP)
    cfg.model.cls_head = dict(
        type='TSNHead',
        num_classes=51,
        in_channels=512,
        consensus=dict(type='AvgConsensus', dim=1))
    set_pooling(cfg, 'avg', num_segments=25)
    assert cfg.model.cls_head.type == 'DATPHead'
    assert cfg.model.cls_head.pooling == 'avg'
    assert cfg.model.cls_head.num_classes == 51
    with pytest.raises(ValueError, match='needs a DATP model'):
        cfg.model.cls_head = dict(
            type='TSNHead', num_classes=51, in_channels=512)
        set_pooling(cfg, 'datp')


def test_tsn_weights_load_into_the_swapped_head_without_missing_keys():
    """The avg head of a TSN config has exactly the TSN head's keys (no
    aux net the checkpoint lacks) and the same class scores."""
    tsn = MODELS.build(dict(type='TSNHead', num_classes=5, in_channels=8,
                            consensus=dict(type='AvgConsensus', dim=1)))
    cfg = Config(dict(model=dict(cls_head=dict(
        type='TSNHead', num_classes=5, in_channels=8))))
    set_pooling(cfg, 'avg')
    assert cfg.model.cls_head.aux_net is None
    head = MODELS.build(cfg.model.cls_head)
    assert head.aux_net is None
    assert set(head.state_dict()) == set(tsn.state_dict())
    head.load_state_dict(tsn.state_dict(), strict=True)
    head.eval(), tsn.eval()
    x = torch.randn(2 * 10, 8, 3, 3)
    probs = head(x, num_segs=10).exp()  # log of the mean probability
    per_segment = tsn.fc_cls(x.mean((2, 3))).softmax(-1).view(2, 10, 5)
    torch.testing.assert_close(probs, per_segment.mean(1))  # P3
    with pytest.raises(ValueError, match="pooling='datp' needs an aux_net"):
        MODELS.build(dict(cfg.model.cls_head, pooling='datp'))


def test_set_test_segments_keeps_tsn_consensus():
    # stock TSN tested with its own consensus (mean logits) on 25 segments
    cfg = Config.fromfile(DATP)
    cfg.model.cls_head = dict(type='TSNHead', num_classes=51,
                              in_channels=512)
    set_test_segments(cfg, 25)
    assert cfg.model.cls_head.type == 'TSNHead'
    steps = [s for s in cfg.test_dataloader.dataset.pipeline
             if s.type == 'DATPSampleFrames']
    assert [s.num_segments for s in steps] == [25]
    train = [s for s in cfg.train_dataloader.dataset.pipeline
             if s.type == 'DATPSampleFrames']
    assert train[0].num_segments == 10  # training is left alone
    # the features config samples with SampleFeatureSegments
    feat = set_test_segments(Config.fromfile(FEATURES), 25)
    assert feat.test_dataloader.dataset.pipeline[0].num_segments == 25
    for bad in (0, 2.5, True):
        with pytest.raises(ValueError, match='int >= 1'):
            set_test_segments(Config.fromfile(DATP), bad)
    cfg.test_dataloader.dataset.pipeline = [dict(type='DecordInit')]
    with pytest.raises(ValueError, match='no DATPSampleFrames'):
        set_test_segments(cfg, 25)


def test_set_pooling_avg_on_a_feature_tsn_keeps_vector_inputs():
    cfg = Config.fromfile(FEATURES)
    cfg.model.cls_head = dict(type='TSNHead', num_classes=5, in_channels=32,
                              spatial_type=None)
    set_pooling(cfg, 'avg', num_segments=25)
    head = MODELS.build(cfg.model.cls_head).eval()  # no dropout
    assert head.spatial_type is None
    # (B*N, D) feature vectors, not maps: average of the 25 softmax scores
    x = torch.randn(2 * 25, 32)
    scores = head(x, num_segs=25)
    probs = head.fc_cls(x).softmax(-1).view(2, 25, 5).mean(1)
    torch.testing.assert_close(scores.exp(), probs, atol=1e-5, rtol=1e-5)


def test_set_pooling_errors():
    with pytest.raises(ValueError, match='--pooling must be one of'):
        set_pooling(Config.fromfile(DATP), 'max')
    with pytest.raises(ValueError, match='only possible with --pooling avg'):
        set_pooling(Config.fromfile(DATP), 'datp', num_segments=25)
    with pytest.raises(ValueError, match='>= 1'):
        set_pooling(Config.fromfile(DATP), 'avg', num_segments=0)


def test_setup_test_cfg(tmp_path):
    ckpt = tmp_path / 'c.pth'
    ckpt.write_bytes(b'')
    cfg = setup_test_cfg(
        Config.fromfile(DATP),
        str(ckpt),
        dump=str(tmp_path / 'r.pkl'),
        pooling='avg',
        num_segments=25)
    assert cfg.load_from == str(ckpt)
    assert cfg.test_evaluator[-1] == dict(
        type='DumpResults', out_file_path=str(tmp_path / 'r.pkl'))
    assert cfg.test_evaluator[0].type == 'AccMetric'
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        setup_test_cfg(Config.fromfile(DATP), str(tmp_path / 'nope.pth'))
    with pytest.raises(ValueError, match='.pkl'):
        setup_test_cfg(Config.fromfile(DATP), str(ckpt), dump='r.json')


def test_use_synthetic_data():
    cfg = Config.fromfile(osp.join(REPO, 'configs',
                                   'datp_tsn_r34_synthetic.py'))
    use_synthetic_data(cfg, '/d', num_classes=3, size=96, num_workers=0)
    assert cfg.model.cls_head.num_classes == 3
    assert cfg.model.cls_head.aux_net.spatial_size == 3
    assert cfg.test_dataloader.dataset.ann_file == '/d/test_list.txt'
    assert cfg.train_dataloader.num_workers == 0
    resize = [
        s for s in cfg.train_dataloader.dataset.pipeline if s.type == 'Resize'
    ]
    assert resize[0].scale == (96, 96)
