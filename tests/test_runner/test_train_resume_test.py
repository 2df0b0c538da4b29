"""The synthetic config through mmengine's Runner: train, save, resume, test.

Also exercises stack fix 4 for real: resuming and testing load mmengine
checkpoints with torch's default ``weights_only=True``.
"""
import contextlib
import io
import os.path as osp
import pickle
import runpy
import shutil
import subprocess
import sys
from unittest import mock

import numpy as np
import pytest
import torch
from mmdatp.apis import setup_test_cfg, setup_train_cfg
from mmdatp.engine import RNGStateHook
from mmdatp.models import RandomMoG
from mmengine.config import Config
from mmengine.runner import Runner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'datp_tsn_r34_synthetic.py')


@pytest.fixture(scope='module')
def data_root(tmp_path_factory, make_synthetic_data):
    root = str(tmp_path_factory.mktemp('synthetic'))
    # 3 easy classes: the key action fills the whole clip
    make_synthetic_data(
        root,
        train_per_class=8,
        val_per_class=2,
        test_per_class=4,
        num_frames=20,
        key_len=20,
        seed=1)
    return root


@pytest.fixture(scope='module')
def synthetic_cfg(data_root, make_synthetic_cfg):
    """``synthetic_cfg(work_dir, max_epochs)``: the config of the runs
    below on ``data_root``, validated only through test, saving every
    epoch."""

    def make(work_dir, max_epochs):
        cfg = make_synthetic_cfg(
            data_root, batch_size=4, max_epochs=max_epochs)
        cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
        cfg.default_hooks.logger.interval = 1
        setup_train_cfg(cfg, work_dir=work_dir, seed=0)
        return cfg

    return make


def test_train_save_resume_and_test(synthetic_cfg, tmp_path):
    work_dir = str(tmp_path / 'work')
    runner = Runner.from_cfg(synthetic_cfg(work_dir, 2))
    runner.train()
    ckpt = osp.join(work_dir, 'epoch_2.pth')
    assert osp.isfile(ckpt)
    # the checkpoint holds HistoryBuffers and numpy objects, loads with the
    # default weights_only=True thanks to mmdatp.compat
    state = torch.load(ckpt, map_location='cpu')
    assert state['meta']['epoch'] == 2
    assert 'cls_head.aux_net.regressor.weight' in state['state_dict']

    # resume: continues at epoch 2 and trains one more
    cfg = synthetic_cfg(work_dir, 3)
    setup_train_cfg(cfg, work_dir=work_dir, resume=ckpt)
    resumed = Runner.from_cfg(cfg)
    resumed.train()
    assert resumed.epoch == 3 and resumed.iter == 3 * 6
    assert osp.isfile(osp.join(work_dir, 'epoch_3.pth'))

    # test from the checkpoint, dumping predictions with temporal weights
    dump = str(tmp_path / 'results.pkl')
    cfg = synthetic_cfg(work_dir, 3)
    setup_test_cfg(cfg, osp.join(work_dir, 'epoch_3.pth'), dump=dump)
    metrics = Runner.from_cfg(cfg).test()
    assert 0.0 <= metrics['acc/top1'] <= 1.0
    with open(dump, 'rb') as f:
        results = pickle.load(f)
    assert len(results) == 12
    assert results[0]['datp_weights'].shape == (1, 10)
    assert results[0]['datp_mu'].shape == (1, 2)


def test_training_learns(synthetic_cfg, tmp_path):
    work_dir = str(tmp_path / 'learn')
    cfg = synthetic_cfg(work_dir, 15)
    cfg.optim_wrapper.optimizer.lr = 0.01
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    # 3 balanced classes: chance is 1/3
    assert metrics['acc/top1'] >= 0.75, metrics


@pytest.fixture(scope='module')
def cli_model(synthetic_cfg, tmp_path_factory):
    """A config file and a 1-epoch checkpoint for tools/test.py."""
    tmp_path = tmp_path_factory.mktemp('cli')
    work_dir = str(tmp_path / 'work')
    runner = Runner.from_cfg(synthetic_cfg(work_dir, 1))
    runner.train()
    cfg_path = str(tmp_path / 'cfg.py')
    runner.cfg.dump(cfg_path)
    return cfg_path, osp.join(work_dir, 'epoch_1.pth'), work_dir


def run_test_cli(cli_model, dump, *args, in_process=False):
    """Run tools/test.py (in this process: same code, no start-up cost)."""
    cfg_path, ckpt, work_dir = cli_model
    argv = [
        osp.join(REPO, 'tools', 'test.py'), cfg_path, ckpt, '--dump', dump,
        '--work-dir', work_dir, *args
    ]
    if in_process:
        out = io.StringIO()
        with mock.patch.object(sys, 'argv', argv), \
                contextlib.redirect_stdout(out):
            runpy.run_path(argv[0], run_name='__main__')
        stdout = out.getvalue()
    else:
        proc = subprocess.run([sys.executable] + argv,
                              capture_output=True,
                              text=True,
                              timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        stdout = proc.stdout
    assert 'Test results: acc/top1=' in stdout
    with open(dump, 'rb') as f:
        return pickle.load(f)


def eq1(times, rho, mu, sigma, normalize_components=False):
    """Eq. 1 written out: (N,) times, (K,) parameters; with
    ``normalize_components`` each Gaussian's densities are divided by
    their sum over the N segments first."""
    z = (times[:, None] - mu) / sigma
    density = torch.exp(-0.5 * z**2) / (sigma * (2 * torch.pi)**0.5)
    if normalize_components:
        density = density / density.sum(0, keepdim=True)
    return (rho * density).sum(1)


def test_cli_test_with_avg_pooling(cli_model, tmp_path):
    """tools/test.py --pooling avg --num-segments on a trained checkpoint."""
    results = run_test_cli(cli_model, str(tmp_path / 'avg.pkl'), '--pooling',
                           'avg', '--num-segments', '12')
    assert results[0]['datp_weights'].shape == (1, 12)  # avg: 12 segments
    torch.testing.assert_close(results[0]['datp_attention'],
                               torch.full((1, 12), 1 / 12))


def test_cli_test_with_datp_pooling(cli_model, tmp_path):
    """The adaptive weights are the config's mixture (Eq. 1, each Gaussian
    normalised over the segments) of the regressed parameters at the
    sampled segments' times, and the score is S / sum S."""
    generator = Config.fromfile(
        cli_model[0]).model.cls_head.weight_generator
    assert generator.normalize_components  # the configs' default
    results = run_test_cli(
        cli_model, str(tmp_path / 'datp.pkl'), '--pooling', 'datp',
        in_process=True)
    assert len(results) == 12
    mus = []
    for r in results:
        assert r['datp_weights'].shape == (1, 10)
        t = r['datp_times'][0]
        # the centre frames of 10 segments of 20 frames, over 19
        torch.testing.assert_close(t, ((torch.arange(10) * 2 + 1) / 19),
                                   atol=1e-6, rtol=0)
        w = eq1(t, r['datp_rho'][0], r['datp_mu'][0], r['datp_sigma'][0],
                normalize_components=True)
        torch.testing.assert_close(r['datp_weights'][0], w, rtol=1e-4,
                                   atol=1e-6)
        s = r['pooled_score'][0]
        torch.testing.assert_close(r['pred_score'], s / s.sum())
        mus.append(r['datp_mu'][0])
    # regressed from each video (a trained aux net), not one constant
    assert torch.stack(mus).std(0).max() > 0


def test_cli_test_with_random_pooling(cli_model, tmp_path):
    """P1: one seeded random mixture per video from RandomMoG's
    distribution, and its Eq. 1 weights."""
    results = run_test_cli(
        cli_model, str(tmp_path / 'random.pkl'), '--pooling', 'random',
        '--random-seed', '0', in_process=True)
    mus = torch.stack([r['datp_mu'][0] for r in results])
    sigmas = torch.stack([r['datp_sigma'][0] for r in results])
    assert ((mus >= 0) & (mus <= 1)).all() and mus.std() > 0.1
    assert ((sigmas >= 0.05) & (sigmas <= 0.25)).all()
    for r in results:
        torch.testing.assert_close(r['datp_rho'][0], torch.full((2, ), 0.5))
        w = eq1(r['datp_times'][0], r['datp_rho'][0], r['datp_mu'][0],
                r['datp_sigma'][0])
        torch.testing.assert_close(r['datp_weights'][0], w, rtol=1e-4,
                                   atol=1e-6)
    # the seed fixes the draws: those of RandomMoG(seed=0), in video order
    draws = RandomMoG(seed=0).sample_theta(len(results), torch.zeros(1, 10))
    torch.testing.assert_close(mus, draws.view(-1, 2, 3)[..., 1])


@pytest.mark.parametrize(
    'hook,val_interval,epochs,resume_from',
    [
        # the configs' own hook (save_best='auto', max_keep_ckpts=1) saving
        # every epoch, validation every epoch: a new best is saved from
        # inside validation
        (dict(interval=1), 1, 3, 1),
        # checkpoints every 2 epochs, only the last kept
        (dict(interval=2, max_keep_ckpts=1), 1, 4, 2),
        # validation every 2 epochs, checkpoints every epoch
        (dict(interval=1), 2, 3, 2),
    ])
def test_resume_is_exact_with_the_configs_checkpoint_hook(
        synthetic_cfg, tmp_path, hook, val_interval, epochs, resume_from):
    """A run resumed from a checkpoint (as after a kill) ends with the
    parameters of the uninterrupted run, with the default hooks of the
    configs (mmaction's default_runtime: ``CheckpointHook(save_best=
    'auto')``): RNGStateHook keeps the main process's random state
    (dropout, loader seeds) in the checkpoint, validation does not move
    it, and the persistent workers seed each sample's frame offsets from
    (seed, epoch, index). Without the hook: up to 0.097 apart; with it but
    storing the state reached inside validation (a new best is saved from
    ``after_val_epoch``): 0.162 apart, and the first and third cases
    fail."""
    def cfg_for(work_dir):
        cfg = synthetic_cfg(work_dir, epochs)
        default = Config.fromfile(CONFIG).default_hooks
        cfg.default_hooks = default  # all of them, as the configs have them
        cfg.default_hooks.checkpoint.update(hook)
        cfg.default_hooks.logger.interval = 1
        assert cfg.default_hooks.checkpoint.save_best == 'auto'
        cfg.train_cfg.val_interval = val_interval
        cfg.train_dataloader.dataset.indices = 8
        cfg.val_dataloader.dataset.indices = 2
        cfg.model.backbone.depth = 18
        cfg.train_dataloader.num_workers = 2
        cfg.train_dataloader.persistent_workers = True
        # validation draws random numbers (here: dropout left on), as a
        # random test-time sampler or augmentation would
        cfg.model.cls_head.dropout_ratio = 0.5
        return cfg

    whole = Runner.from_cfg(cfg_for(str(tmp_path / 'whole')))
    orig_val_step = whole.model.val_step

    def val_step_with_draws(data):
        torch.rand(1)
        np.random.rand()
        return orig_val_step(data)

    whole.model.val_step = val_step_with_draws
    # max_keep_ckpts deletes it later: keep what a kill would have left
    ckpt = str(tmp_path / f'epoch_{resume_from}.pth')
    orig_save = whole.save_checkpoint

    def save_and_keep(out_dir, filename, *args, **kwargs):
        orig_save(out_dir, filename, *args, **kwargs)
        if filename == osp.basename(ckpt):
            shutil.copy(osp.join(out_dir, filename), ckpt)

    whole.save_checkpoint = save_and_keep
    whole.train()
    assert any(isinstance(h, RNGStateHook) for h in whole.hooks)
    assert set(torch.load(ckpt)['rng_state']) >= {'torch', 'numpy', 'random'}
    cfg = cfg_for(str(tmp_path / 'resumed'))
    setup_train_cfg(cfg, resume=ckpt)
    resumed = Runner.from_cfg(cfg)
    orig_resumed_val = resumed.model.val_step

    def resumed_val_with_draws(data):
        torch.rand(1)
        np.random.rand()
        return orig_resumed_val(data)

    resumed.model.val_step = resumed_val_with_draws
    resumed.train()
    assert resumed.epoch == epochs
    a, b = whole.model.state_dict(), resumed.model.state_dict()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=0, msg=k)


def test_per_sample_seeding_and_refetch(monkeypatch):
    """In a worker, a sample's randomness depends on (seed, epoch, index);
    after a skipped sample (None) the refetch keeps the stream, so it does
    not draw the skipped index forever (mmengine gave up after 1000)."""
    import multiprocessing
    from mmdatp.engine.hooks.rng_state_hook import EpochSeededPrepare
    monkeypatch.setattr(torch.utils.data, 'get_worker_info', lambda: 1)

    def prepare(idx):  # index 1 is a bad video
        draw = np.random.rand()
        return None if idx == 1 else (idx, draw)

    epoch = multiprocessing.Value('q', 0)
    wrapped = EpochSeededPrepare(prepare, 0, epoch)
    first = wrapped(0)
    np.random.rand()  # whatever ran in between
    assert wrapped(0) == first  # same seed, epoch, index
    epoch.value = 1
    assert wrapped(0) != first
    assert wrapped(1) is None
    # refetches after a bad index are not reseeded: each draws anew (with
    # reseeding, mmengine's random refetch index was the same every time)
    draws = []
    for _ in range(3):
        wrapped(1)
        draws.append(np.random.rand())
    assert len(set(draws)) == 3
