"""Two-process data-parallel runs on CPU (gloo), through the real scripts.

``tools/dist_train.sh CONFIG 2`` trains with torchrun + mmengine's pytorch
launcher; ``ReplicaCheckHook`` gathers both replicas' parameters and each
rank dumps its own, which must be bit-identical and differ from the start.
``tools/test.py --launcher slurm`` then runs as two fake slurm tasks and
must give the single-process accuracy.
"""
import os
import os.path as osp
import re
import socket
import subprocess
import sys
import time

import pytest
import torch
from mmdatp.apis.dist import (BACKEND_ENV, close_distributed, dist_backend,
                              init_distributed)
from mmengine.config import Config
from mmengine.registry import MODELS
from mmengine.runner import Runner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _env(**extra):
    env = dict(
        os.environ, OMP_NUM_THREADS='1', PYTHON=sys.executable, **extra)
    env.pop(BACKEND_ENV, None)
    return env


@pytest.fixture(scope='module')
def setup(tmp_path_factory, make_synthetic_data, make_synthetic_cfg):
    root = str(tmp_path_factory.mktemp('dist_data'))
    make_synthetic_data(
        root,
        train_per_class=4,
        val_per_class=1,
        test_per_class=3,
        num_frames=16,
        key_len=16,
        seed=3)
    work = tmp_path_factory.mktemp('dist_work')
    # one epoch: 12 videos, 2 ranks x 2 = 3 iterations
    cfg = make_synthetic_cfg(root, batch_size=2)
    cfg.default_hooks.logger.interval = 1
    cfg.custom_hooks = [
        dict(type='ReplicaCheckHook', interval=1, dump_dir='replicas')
    ]
    # the common starting point, so that "training changed the weights" is
    # checked against the exact initial parameters
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    init_ckpt = str(work / 'init.pth')
    torch.save(dict(state_dict=model.state_dict()), init_ckpt)
    cfg.load_from = init_ckpt
    cfg_path = str(work / 'cfg.py')
    cfg.dump(cfg_path)
    return dict(cfg_path=cfg_path, init=init_ckpt, work=work)


@pytest.fixture(scope='module')
def trained(setup):
    work_dir = str(setup['work'] / 'train')
    proc = subprocess.run([
        'bash',
        osp.join(REPO, 'tools', 'dist_train.sh'), setup['cfg_path'], '2',
        '--work-dir', work_dir, '--seed', '0'
    ],
                          capture_output=True,
                          text=True,
                          cwd=REPO,
                          env=_env(PORT=str(_free_port())),
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return dict(work_dir=work_dir, log=proc.stdout + proc.stderr)


def test_dist_train_two_cpu_processes_stay_identical(setup, trained):
    log = trained['log']
    assert 'Distributed training: True' in log
    # the hook compared the replicas after every iteration and at the end
    assert len(re.findall(r'2 replicas hold identical parameters',
                          log)) >= 3
    ranks = [
        torch.load(
            osp.join(trained['work_dir'], 'replicas',
                     f'params_rank{r}.pth')) for r in (0, 1)
    ]
    init = torch.load(setup['init'])['state_dict']
    assert ranks[0].keys() == ranks[1].keys()
    assert all(torch.equal(ranks[0][k], ranks[1][k]) for k in ranks[0])
    changed = [k for k in ranks[0] if not torch.equal(ranks[0][k], init[k])]
    assert 'cls_head.fc_cls.weight' in changed
    assert any(k.startswith('backbone.') for k in changed)
    # the checkpoint rank 0 saved holds these parameters
    ckpt = torch.load(osp.join(trained['work_dir'], 'epoch_1.pth'))
    assert torch.equal(ckpt['state_dict']['cls_head.fc_cls.weight'],
                       ranks[0]['cls_head.fc_cls.weight'])


def _test_acc(log: str) -> float:
    return float(re.search(r'acc/top1: ([\d.]+)', log).group(1))


def test_dist_test_fake_slurm_matches_single_process(setup, trained):
    ckpt = osp.join(trained['work_dir'], 'epoch_1.pth')
    test = [
        sys.executable,
        osp.join(REPO, 'tools', 'test.py'), setup['cfg_path'], ckpt
    ]
    single = subprocess.run(
        test + ['--work-dir', str(setup['work'] / 'test1')],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=_env(),
        timeout=300)
    assert single.returncode == 0, single.stderr[-3000:]

    port = str(_free_port())
    procs = [
        subprocess.Popen(
            test + ['--work-dir',
                    str(setup['work'] / 'test2'), '--launcher', 'slurm'],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=REPO,
            env=_env(
                SLURM_PROCID=str(rank),
                SLURM_NTASKS='2',
                SLURM_LOCALID=str(rank),
                MASTER_ADDR='127.0.0.1',
                MASTER_PORT=port)) for rank in (0, 1)
    ]
    outs = [p.communicate(timeout=300)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outs[0][-3000:]
    assert 'Distributed launcher: slurm' in outs[0]
    # 9 test videos over 2 ranks (one padded); mmengine collects them back
    assert _test_acc(outs[0]) == _test_acc(single.stdout + single.stderr)


def test_dist_backend_choice(monkeypatch):
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    monkeypatch.delenv(BACKEND_ENV, raising=False)
    expected = 'nccl' if torch.cuda.is_available() else 'gloo'
    assert dist_backend(cfg) == expected
    monkeypatch.setenv(BACKEND_ENV, 'gloo')
    assert dist_backend(cfg) == 'gloo'
    monkeypatch.setenv(BACKEND_ENV, 'tcp')
    with pytest.raises(ValueError, match='tcp'):
        dist_backend(cfg)


def test_init_distributed_none_and_bad_launcher():
    cfg = Config(dict())
    assert init_distributed(cfg, 'none') == 'none'
    assert 'model_wrapper_cfg' not in cfg
    with pytest.raises(ValueError, match='launcher'):
        init_distributed(cfg, 'ssh')


def test_close_distributed_is_a_noop_outside_a_group():
    assert not torch.distributed.is_initialized()
    close_distributed()
    assert not torch.distributed.is_initialized()


def _close_worker(rank: int, init_file: str, times_file: str) -> None:
    torch.distributed.init_process_group(
        'gloo', init_method=f'file://{init_file}', rank=rank, world_size=2)
    if rank == 1:  # the slow rank: still busy when rank 0 is done
        time.sleep(1.5)
    start = time.time()
    close_distributed()
    assert not torch.distributed.is_initialized()
    with open(f'{times_file}.{rank}', 'w') as f:
        f.write(f'{time.time() - start}')


def test_close_distributed_waits_for_the_slowest_rank(tmp_path):
    # rank 0 must not leave (and close its sockets) before rank 1 arrives
    times = str(tmp_path / 'waited')
    torch.multiprocessing.spawn(
        _close_worker, args=(str(tmp_path / 'init'), times), nprocs=2)
    waited = [float(open(f'{times}.{r}').read()) for r in (0, 1)]
    assert waited[0] > 1.0, waited
    assert waited[1] < 1.0, waited
