"""FeatureRecognizer + DATPHead on precomputed features.

Unit checks of the shapes and the registry, then a real mmengine Runner run
of ``configs/datp_features_synthetic.py`` on generated features in which
only a short window carries the label (the rest shows a weaker pattern of a
wrong class): DATP must learn well above chance, beat average pooling of
the same model trained on the same data, and put its attention on the
window.
"""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmdatp.datasets.synthetic_features import make_feature_dataset
from mmdatp.models import DATPFeatureAuxNet, FeatureRecognizer
from mmengine.config import Config
from mmengine.runner import Runner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
CONFIG = osp.join(REPO, 'configs', 'datp_features_synthetic.py')
NUM_CLASSES = 5


def head_cfg(aux_net, d=12, n=6, c=NUM_CLASSES, k=2):
    return dict(
        type='DATPHead',
        num_classes=c,
        in_channels=d,
        num_segments=n,
        spatial_type=None,
        aux_net=aux_net,
        weight_generator=dict(type='MoGWeightGenerator', num_gaussians=k),
        dropout_ratio=0.0)


def batch(b=3, n=6, d=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    inputs = [torch.randn(n, d, generator=g) for _ in range(b)]
    samples = []
    for i in range(b):
        s = ActionDataSample().set_gt_label(i % NUM_CLASSES)
        s.set_field(np.sort(np.random.RandomState(i).rand(n)).astype(
            np.float32), 'segment_times')
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


@pytest.mark.parametrize('aux', ['DATPFeatureAuxNet', 'DATPScoreAuxNet'])
def test_train_and_test_step_with_both_aux_nets(aux):
    model = MODELS.build(
        dict(type='FeatureRecognizer', cls_head=head_cfg(dict(type=aux))))
    model.init_weights()
    assert isinstance(model, FeatureRecognizer)
    assert model.cls_head.aux_net.input_type == (
        'conv' if aux == 'DATPFeatureAuxNet' else 'score')
    optim = torch.optim.SGD(model.parameters(), lr=0.1)
    from mmengine.optim import OptimWrapper
    losses = model.train_step(batch(), OptimWrapper(optim))
    assert torch.isfinite(losses['loss_cls'])
    # the aux net got gradients: its zero-initialised regressor moved
    assert model.cls_head.aux_net.regressor.weight.abs().sum() > 0
    model.eval()
    preds = model.test_step(batch())
    assert len(preds) == 3
    for p in preds:
        assert p.pred_score.shape == (NUM_CLASSES, )
        assert p.datp_attention.shape == (1, 6)
        torch.testing.assert_close(p.datp_attention.sum(), torch.tensor(1.))
    # the recorded segment_times reached the head
    torch.testing.assert_close(
        preds[1].datp_times[0],
        torch.as_tensor(batch()['data_samples'][1].segment_times))


def test_extract_feat_shapes_neck_and_errors():
    model = MODELS.build(
        dict(
            type='FeatureRecognizer',
            neck=dict(type=torch.nn.Linear, in_features=12, out_features=8),
            cls_head=head_cfg(dict(type='DATPFeatureAuxNet'), d=8)))
    x = torch.randn(2, 6, 12)
    raw, kwargs = model.extract_feat(x, stage='backbone')
    assert raw.shape == (12, 12) and kwargs == dict(num_segs=6)
    torch.testing.assert_close(raw[6:], x[1])  # video-major order
    feats, _ = model.extract_feat(x)
    assert feats.shape == (12, 8)
    scores, _ = model.extract_feat(x, stage='head')
    assert scores.shape == (2, NUM_CLASSES)
    with pytest.raises(ValueError, match=r'\(B, N, D\).*\(12, 12\)'):
        model.extract_feat(torch.randn(12, 12))
    with pytest.raises(ValueError, match='cls_head is required'):
        FeatureRecognizer(cls_head=None)


def test_feature_aux_net_shapes_and_errors():
    net = DATPFeatureAuxNet(in_channels=12, num_segments=6, out_channels=3)
    assert net(torch.randn(4, 6, 12)).shape == (4, 3)
    # a 1x1 map is accepted as well
    assert net(torch.randn(4, 6, 12, 1, 1)).shape == (4, 3)
    with pytest.raises(ValueError, match=r'\(B, N, 12\)'):
        net(torch.randn(4, 6, 10))
    with pytest.raises(ValueError, match='num_segments=6'):
        net(torch.randn(4, 5, 12))
    with pytest.raises(ValueError, match='channels must hold 3'):
        DATPFeatureAuxNet(in_channels=12, channels=(8, 8))


# ---------------------------------------------------------------- learning
def feature_cfg(root, work_dir, pooling, seed):
    cfg = Config.fromfile(CONFIG)
    for loader in (cfg.train_dataloader, cfg.val_dataloader,
                   cfg.test_dataloader):
        split = 'train' if loader.sampler.shuffle else 'val'
        loader.dataset.ann_file = osp.join(root, f'{split}_list.txt')
        loader.dataset.data_prefix = dict(feature=root)
    cfg.model.cls_head.pooling = pooling
    if pooling == 'avg':
        # the aux net is unused with average pooling
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel', find_unused_parameters=True)
    cfg.train_cfg.val_interval = 1000  # only the final test below
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1000)
    cfg.default_hooks.logger.interval = 1000
    cfg.log_level = 'WARNING'
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=seed)
    return cfg


def train_and_test(root, work_dir, pooling, seed):
    """Train with the Runner, return (top-1, per-video test predictions)."""
    runner = Runner.from_cfg(feature_cfg(root, work_dir, pooling, seed))
    runner.train()
    top1 = float(runner.test()['acc/top1'])
    runner.model.eval()
    preds = []
    with torch.no_grad():
        for data in runner.test_dataloader:
            preds.extend(runner.model.test_step(data))
    return top1, preds


def window_attention_ratio(preds, meta):
    """Mean over videos of attention inside the key window / its share."""
    records = {r['file']: r for r in meta['videos']['val']}
    length = meta['settings']['length']
    ratios = []
    for p in preds:
        rec = records[osp.relpath(p.filename, osp.dirname(osp.dirname(
            p.filename)))]
        rows = p.datp_times[0].numpy() * (length - 1)
        inside = (rows >= rec['window'][0]) & (rows < rec['window'][1])
        if inside.any():
            att = p.datp_attention[0].numpy()
            ratios.append(att[inside].sum() / inside.mean())
    return float(np.mean(ratios)), len(ratios)


def run_comparison(tmp_dir, seed):
    root = osp.join(tmp_dir, 'features')
    paths = make_feature_dataset(
        root, num_classes=NUM_CLASSES, videos_per_class=60,
        val_per_class=20, seed=seed)
    with open(paths['meta']) as f:
        meta = json.load(f)
    datp_top1, preds = train_and_test(root, osp.join(tmp_dir, 'datp'),
                                      'datp', seed)
    avg_top1, _ = train_and_test(root, osp.join(tmp_dir, 'avg'), 'avg',
                                 seed)
    ratio, covered = window_attention_ratio(preds, meta)
    return dict(
        datp=datp_top1, avg=avg_top1, window_ratio=ratio, covered=covered)


@pytest.fixture
def one_thread():
    # tiny models: one intra-op thread is faster than fighting over cores
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_datp_on_features_learns_the_window_and_beats_average(
        tmp_path, one_thread):
    res = run_comparison(str(tmp_path), seed=0)
    # measured with data/run seeds 0-5: DATP 0.73-0.90 top-1 (window
    # attention 2.6-3.6x its share), average pooling 0.29-0.32 (its
    # segments mostly show a decoy of a wrong class)
    assert res['datp'] >= 0.6, res
    assert res['datp'] >= res['avg'] + 0.25, res
    # every test video has a segment centre in its window (window 12 rows
    # >= chunk 6 rows); uniform attention puts exactly its share there
    assert res['covered'] == NUM_CLASSES * 20
    assert res['window_ratio'] >= 2.0, res
    # and average pooling is fooled by the decoys (0.29-0.32 measured):
    # the gap above comes from DATP, not from an average that failed
    assert res['avg'] <= 0.45, res
