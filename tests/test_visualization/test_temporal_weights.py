"""Fig. 3 figure: predict_video on a trained checkpoint, the plot, the CLI."""
import copy
import os
import os.path as osp
import subprocess
import sys

import matplotlib.image as mpimg
import numpy as np
import pytest
from mmdatp.apis import setup_train_cfg, use_synthetic_data
from mmdatp.datasets.synthetic import SyntheticSpec, make_synthetic_dataset
from mmdatp.evaluation import load_class_names
from mmdatp.visualization import (plot_temporal_weights,
                                  predict_video)
from mmengine.config import Config
from mmengine.runner import Runner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'datp_tsn_r34_synthetic.py')
CLI = osp.join(REPO, 'tools', 'analysis', 'vis_temporal_weights.py')
SIZE = 32
NUM_CLASSES = 3


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A 1-epoch checkpoint on a tiny 32x32 synthetic dataset."""
    root = str(tmp_path_factory.mktemp('vis_synthetic'))
    meta = make_synthetic_dataset(
        root,
        SyntheticSpec(
            num_classes=NUM_CLASSES,
            train_per_class=4,
            val_per_class=1,
            test_per_class=1,
            num_frames=20,
            key_len=6,
            size=SIZE,
            seed=2),
        verbose=False)
    cfg = use_synthetic_data(
        Config.fromfile(CONFIG),
        root,
        num_classes=NUM_CLASSES,
        size=SIZE,
        num_workers=0,
        batch_size=4)
    cfg.train_cfg.max_epochs = 1
    cfg.train_cfg.val_interval = 100
    cfg.param_scheduler = [dict(type='ConstantLR', factor=1.0)]
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
        classes=meta['classes'])


@pytest.fixture(scope='module')
def pred(trained):
    return predict_video(trained['cfg_path'], trained['ckpt'],
                         trained['video'])


def test_predict_video(trained, pred):
    n = trained['cfg'].model.cls_head.num_segments
    assert pred['frames'].shape == (n, SIZE, SIZE, 3)
    assert pred['frames'].dtype == np.uint8
    assert pred['frames'].max() > 0
    assert len(pred['weights']) == n == len(pred['times'])
    assert pred['segment_scores'].shape == (n, NUM_CLASSES)
    np.testing.assert_allclose(pred['segment_scores'].sum(1), 1, atol=1e-5)
    times = pred['times']
    assert np.all(np.diff(times) > 0) and 0 <= times[0] and times[-1] <= 1
    # the test sampler takes the centre of 2-frame segments of 20 frames
    np.testing.assert_array_equal(pred['frame_inds'], np.arange(1, 20, 2))
    np.testing.assert_allclose(times, pred['frame_inds'] / 19, atol=1e-6)
    assert np.all(pred['weights'] > 0)
    np.testing.assert_allclose(pred['attention'].sum(), 1, atol=1e-5)
    assert 0 <= pred['pred_label'] < NUM_CLASSES
    assert pred['pred_label'] == int(np.argmax(pred['class_scores']))
    assert pred['pred_score'] == pytest.approx(pred['class_scores'].max())
    for key in ('rho', 'mu', 'sigma'):
        assert pred[key].shape == (2, )  # MoG with K=2
    assert pred['pooling'] == 'datp' and pred['num_views'] == 1


def test_predict_video_frames_are_the_decoded_frames(trained, pred):
    import decord
    reader = decord.VideoReader(trained['video'])
    expected = reader.get_batch(list(pred['frame_inds'])).asnumpy()
    np.testing.assert_array_equal(pred['frames'], expected)


def test_plot_from_prediction(trained, pred, tmp_path):
    out = str(tmp_path / 'sub' / 'fig3.png')
    summary = plot_temporal_weights(
        pred,
        out,
        true_label=(pred['pred_label'] + 1) % NUM_CLASSES,
        class_names=trained['classes'])
    image = mpimg.imread(out)
    assert image.ndim == 3 and image.shape[0] > 100
    n = len(pred['times'])
    assert summary['num_frames'] == n
    images = [ax for ax in summary['figure'].axes if ax.images]
    assert len(images) == n
    # pred, true, weights, 2 Gaussians, mixture
    assert summary['num_lines'] == 6
    assert 'max = 1' in summary['lines'][2]
    assert [f for f in os.listdir(tmp_path / 'sub')] == ['fig3.png']


def _hand_pred(n=5, c=4, mog=True):
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(n, c))
    scores = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    times = (np.arange(n) + 0.5) / n
    rho = np.array([0.7, 0.3])
    mu = np.array([0.7, 0.2])
    sigma = np.array([0.15, 0.2])
    # Eq. 1 at the segment times: w_i = sum_k rho_k N(t_i; mu_k, sigma_k^2)
    gauss = np.exp(-(times[:, None] - mu)**2 / (2 * sigma**2))
    weights = (rho / sigma * gauss).sum(1) / np.sqrt(2 * np.pi)
    pred = dict(
        frames=rng.integers(0, 255, (n, 16, 20, 3), dtype=np.uint8),
        times=times,
        segment_scores=scores,
        weights=weights,
        pred_label=2,
        pred_score=0.6,
        video='v.mp4')
    if mog:
        pred.update(rho=rho, mu=mu, sigma=sigma)
    return pred


def test_plot_hand_made_pred(tmp_path):
    out = str(tmp_path / 'hand.png')
    pred = _hand_pred()
    summary = plot_temporal_weights(pred, out, true_label=1)
    assert mpimg.imread(out).shape[-1] in (3, 4)
    assert summary['num_frames'] == 5
    assert len([ax for ax in summary['figure'].axes if ax.images]) == 5
    assert summary['num_lines'] == 6
    assert summary['lines'][0].startswith('softmax score, predicted class 2')
    assert summary['lines'][1].startswith('softmax score, true class 1')
    ax = [ax for ax in summary['figure'].axes if not ax.images][0]
    weights_line = ax.get_lines()[2]
    assert max(weights_line.get_ydata()) == pytest.approx(1.0)
    # the Gaussian curves span t in [0, 1]
    gauss = ax.get_lines()[3].get_xdata()
    assert gauss[0] == 0 and gauss[-1] == 1 and len(gauss) > 50
    # the mixture curve, scaled like the weights, passes through them
    mixture = ax.get_lines()[5]
    np.testing.assert_allclose(
        np.interp(pred['times'], mixture.get_xdata(), mixture.get_ydata()),
        weights_line.get_ydata(),
        atol=0.02)


def test_plot_without_gaussians_and_true_equal_pred(tmp_path):
    out = str(tmp_path / 'plain.png')
    summary = plot_temporal_weights(
        _hand_pred(mog=False),
        out,
        true_label=2,
        class_names=['a', 'b', 'c', 'd'],
        title='custom')
    assert summary['num_lines'] == 2  # pred (= true), weights
    assert summary['lines'][0].endswith('c (2) = true')
    assert summary['figure']._suptitle.get_text() == 'custom'
    assert osp.isfile(out)


def test_plot_rejects_bad_input(tmp_path):
    pred = _hand_pred()
    with pytest.raises(ValueError, match='true_label'):
        plot_temporal_weights(pred, str(tmp_path / 'x.png'), true_label=4)
    bad = dict(pred, weights=pred['weights'][:3])
    with pytest.raises(ValueError, match='same N'):
        plot_temporal_weights(bad, str(tmp_path / 'x.png'))
    with pytest.raises(ValueError, match='frames'):
        plot_temporal_weights(
            {k: v
             for k, v in pred.items() if k != 'frames'},
            str(tmp_path / 'x.png'))
    assert not osp.exists(tmp_path / 'x.png')


def test_predict_video_errors(trained, tmp_path):
    with pytest.raises(FileNotFoundError, match='video file not found'):
        predict_video(trained['cfg_path'], trained['ckpt'],
                      str(tmp_path / 'missing.mp4'))
    with pytest.raises(FileNotFoundError, match='checkpoint'):
        predict_video(trained['cfg_path'], str(tmp_path / 'missing.pth'),
                      trained['video'])
    tsn = copy.deepcopy(trained['cfg'])
    tsn.model.cls_head = dict(
        type='TSNHead', num_classes=NUM_CLASSES, in_channels=512)
    with pytest.raises(ValueError, match='needs a DATPHead.*TSNHead'):
        predict_video(tsn, trained['ckpt'], trained['video'])
    frames = copy.deepcopy(trained['cfg'])
    frames.test_dataloader.dataset.pipeline[0] = dict(type='RawFrameDecode')
    with pytest.raises(ValueError, match='reads video files'):
        predict_video(frames, trained['ckpt'], trained['video'])


def test_load_class_names(tmp_path, trained):
    assert load_class_names(trained['meta']) == trained['classes']
    txt = tmp_path / 'names.txt'
    txt.write_text('jump\n\nrun \n')
    assert load_class_names(str(txt)) == ['jump', 'run']
    with pytest.raises(FileNotFoundError):
        load_class_names(str(tmp_path / 'none.txt'))


def test_cli(trained, tmp_path):
    out = str(tmp_path / 'cli' / 'fig3.png')
    proc = subprocess.run([
        sys.executable, CLI, trained['cfg_path'], trained['ckpt'],
        trained['video'], '--out', out, '--label',
        str(trained['label']), '--class-names', trained['meta']
    ],
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert osp.isfile(out) and mpimg.imread(out).ndim == 3
    assert f'saved to {out}' in proc.stdout
    assert 'Predicted class: ' in proc.stdout
    assert any(name in proc.stdout for name in trained['classes'])
