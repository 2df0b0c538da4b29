"""dist_train.sh / dist_test.sh hand the right command line to torchrun.

A stand-in interpreter (``$PYTHON``) records what it was given, so that the
multi-node flags are checked without starting processes; real two-process
runs are in tests/test_runner/test_distributed.py.
"""
import os
import os.path as osp
import stat
import subprocess

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def run_with_fake_torchrun(tmp_path, script, *args, env=None):
    fake = tmp_path / 'fake_python'
    fake.write_text('#!/usr/bin/env bash\necho "$PWD" "$@"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    full_env = dict(os.environ, PYTHON=str(fake))
    full_env.update(env or {})
    proc = subprocess.run(['bash', osp.join(REPO, 'tools', script), *args],
                          capture_output=True,
                          text=True,
                          env=full_env,
                          cwd=str(tmp_path),
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_dist_train(tmp_path):
    argv = run_with_fake_torchrun(
        tmp_path,
        'dist_train.sh',
        'configs/datp_tsn_r34_hmdb51.py',
        '4',
        '--seed',
        '1',
        env=dict(PORT='29555'))
    assert argv[0] == REPO  # runs from the repository root
    assert argv[1:3] == ['-m', 'torch.distributed.run']
    assert '--nproc_per_node=4' in argv and '--master_port=29555' in argv
    i = argv.index('tools/train.py')
    assert argv[i + 1:] == [
        'configs/datp_tsn_r34_hmdb51.py', '--launcher', 'pytorch', '--seed',
        '1'
    ]


def test_dist_test(tmp_path):
    argv = run_with_fake_torchrun(tmp_path, 'dist_test.sh', 'cfg.py',
                                  'ckpt.pth', '2', '--pooling', 'avg')
    assert '--nproc_per_node=2' in argv and '--nnodes=1' in argv
    i = argv.index('tools/test.py')
    assert argv[i + 1:] == [
        'cfg.py', 'ckpt.pth', '--launcher', 'pytorch', '--pooling', 'avg'
    ]


def _fake_srun(tmp_path, script, *args, env=None):
    fake = tmp_path / 'srun'
    fake.write_text('#!/usr/bin/env bash\necho "$@"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    full_env = dict(os.environ, PATH=f'{tmp_path}:{os.environ["PATH"]}',
                    PYTHON='py')
    full_env.update(env or {})
    proc = subprocess.run(['bash', osp.join(REPO, 'tools', script), *args],
                          capture_output=True,
                          text=True,
                          env=full_env,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_slurm_scripts(tmp_path):
    argv = _fake_srun(tmp_path, 'slurm_train.sh', 'part', 'job', 'cfg.py',
                      '--amp', env=dict(GPUS='16'))
    assert argv[:2] == ['-p', 'part'] and '--gres=gpu:8' in argv
    assert '--ntasks=16' in argv and '--ntasks-per-node=8' in argv
    i = argv.index('tools/train.py')
    assert argv[i - 2:i] == ['py', '-u']
    assert argv[i + 1:] == ['cfg.py', '--launcher', 'slurm', '--amp']

    # a CPU partition: no gres, tasks per node given explicitly
    argv = _fake_srun(
        tmp_path, 'slurm_test.sh', 'cpu', 'job', 'cfg.py', 'ckpt.pth',
        env=dict(GPUS='4', GPUS_PER_NODE='0', TASKS_PER_NODE='2'))
    assert not any(a.startswith('--gres') for a in argv)
    assert '--ntasks=4' in argv and '--ntasks-per-node=2' in argv
    i = argv.index('tools/test.py')
    assert argv[i + 1:] == ['cfg.py', 'ckpt.pth', '--launcher', 'slurm']
