"""Bad input through the tools, as a new user meets it: a truncated video
(a partial download), labels outside the model's classes, an empty list,
unreadable checkpoints. Every error must name the file.

Runs that crashed the process before the fix (decord's segfault) run in a
subprocess; the others run the tool's ``main`` in-process (``runpy``).
"""
import os.path as osp
import runpy
import shutil
import subprocess
import sys

import pytest
import torch
from conftest import TEST_DATA
from mmengine.config import Config
from mmengine.registry import MODELS

from mmdatp.apis import use_synthetic_data

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'datp_tsn_r34_synthetic.py')
NUM_CLASSES = 5


def _truncate(src, dst):
    with open(src, 'rb') as f:
        data = f.read()
    with open(dst, 'wb') as f:
        f.write(data[:len(data) // 2])


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    """Videos (two good, one truncated), a tiny 5-class checkpoint and the
    synthetic config pointed at them."""
    root = tmp_path_factory.mktemp('bad_input')
    shutil.copy(osp.join(TEST_DATA, 'videos', 'test.avi'), root / 'a.avi')
    shutil.copy(osp.join(TEST_DATA, 'videos', 'test.mp4'), root / 'b.mp4')
    _truncate(osp.join(TEST_DATA, 'videos', 'test.avi'), root / 'part.avi')
    cfg = Config.fromfile(CONFIG)
    use_synthetic_data(
        cfg, str(root), NUM_CLASSES, size=32, num_workers=0, batch_size=2)
    cfg.train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=10)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=100, save_last=False)
    cfg.model.backbone.depth = 18  # same 512 channels, half the weights
    cfg_path = str(root / 'cfg.py')
    cfg.dump(cfg_path)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    ckpt = str(root / 'tiny.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)
    return dict(root=root, cfg=cfg_path, ckpt=ckpt)


def write_list(setup, name, lines):
    path = setup['root'] / name
    path.write_text(''.join(line + '\n' for line in lines))
    return str(path)


def run_tool(tool, *args, workers=0, subprocess_=False):
    """Run tools/<tool>.py; returns (exit code, stdout + stderr) in a
    subprocess, else raises what ``main`` raises."""
    script = osp.join(REPO, 'tools', f'{tool}.py')
    if subprocess_:
        proc = subprocess.run([sys.executable, script, *args],
                              capture_output=True,
                              text=True,
                              cwd=REPO,
                              timeout=300)
        return proc.returncode, proc.stdout + proc.stderr
    argv = sys.argv
    sys.argv = [script, *args]
    try:
        runpy.run_path(script, run_name='__main__')
    finally:
        sys.argv = argv
    return 0, ''


def loader_options(split, ann, workers, **dataset):
    opts = [
        f'{split}_dataloader.dataset.ann_file={ann}',
        f'{split}_dataloader.num_workers={workers}',
        f'{split}_dataloader.persistent_workers={workers > 0}'
    ]
    opts += [f'{split}_dataloader.dataset.{k}={v}' for k, v in dataset.items()]
    return opts


# -- item 8: a truncated video ---------------------------------------------


def test_test_py_truncated_video_0_workers_names_file(setup, tmp_path):
    """Before: decord segfaulted on the BytesIO of the half file (exit 139)."""
    ann = write_list(setup, 'test_trunc.txt', ['a.avi 0', 'part.avi 1'])
    rc, out = run_tool(
        'test', setup['cfg'], setup['ckpt'], '--work-dir', str(tmp_path),
        '--cfg-options', *loader_options('test', ann, 0),
        subprocess_=True)
    assert rc == 1, out[-3000:]  # a Python error, not a signal
    assert 'cannot load video' in out and 'part.avi' in out
    assert 'test_trunc.txt' in out and 'is truncated' in out


def test_test_py_truncated_video_with_workers(setup, tmp_path):
    """Before: "DataLoader worker (pid ...) exited unexpectedly"."""
    ann = write_list(setup, 'test_trunc.txt', ['a.avi 0', 'part.avi 1'])
    with pytest.raises(RuntimeError) as e:
        run_tool('test', setup['cfg'], setup['ckpt'], '--work-dir',
                 str(tmp_path), '--cfg-options',
                 *loader_options('test', ann, 2))
    msg = str(e.value)
    assert 'part.avi' in msg and 'test_trunc.txt' in msg
    assert 'is truncated' in msg


def test_train_skips_truncated_video_with_workers(setup, tmp_path, capfd):
    """Before: the worker was killed despite on_bad_video='skip'."""
    ann = write_list(setup, 'train_trunc.txt',
                     ['a.avi 0', 'part.avi 1', 'b.mp4 2', 'a.avi 3'])
    run_tool('train', setup['cfg'], '--work-dir', str(tmp_path),
             '--cfg-options',
             *loader_options('train', ann, 2, on_bad_video='skip'))
    out = ''.join(capfd.readouterr())
    assert 'skipping unreadable video' in out and 'part.avi' in out
    assert 'is truncated' in out
    assert 'Checkpoints and logs are in' in out


def test_demo_truncated_video_names_file(setup):
    """Before: segfault. (Empty and unreadable files: the same
    ``DecordInit``, tested in test_video_init.py.)"""
    video = str(setup['root'] / 'part.avi')
    rc, out = run_tool(
        'demo', video, setup['cfg'], setup['ckpt'], subprocess_=True)
    assert rc == 1, out[-3000:]
    assert f'video {video} is truncated' in out


# -- item 9: labels the model cannot predict ---------------------------------


@pytest.mark.parametrize('tool', ['test', 'train'])
def test_label_outside_num_classes_names_list_and_line(setup, tmp_path,
                                                       tool):
    """Before: test.py printed an accuracy and exited 0; train.py failed with
    "IndexError: Target 99 is out of bounds"."""
    ann = write_list(setup, f'{tool}_labels.txt',
                     ['a.avi 0', 'b.mp4 4', 'a.avi 99'])
    args = [setup['cfg']] + ([setup['ckpt']] if tool == 'test' else [])
    with pytest.raises(ValueError) as e:
        run_tool(tool, *args, '--work-dir', str(tmp_path), '--cfg-options',
                 *loader_options(tool, ann, 0))
    msg = str(e.value)
    assert msg.startswith(f'{ann}: 1 of 3 entries have a label outside')
    assert "classes 0..4 (num_classes=5): line 3 (a.avi): label 99" in msg


# -- item 10: unreadable checkpoints ---------------------------------------


@pytest.mark.parametrize('tool', ['demo', 'test', 'train'])
def test_empty_or_truncated_checkpoint_names_file(setup, tmp_path, tool):
    """Before: a bare EOFError (0 bytes), "OSError: [Errno 22] Invalid
    argument" (half a .pth)."""
    with open(setup['ckpt'], 'rb') as f:
        data = f.read()
    for name, content, why in (('empty.pth', b'', 'is empty (0 bytes)'),
                               ('half.pth', data[:len(data) // 2],
                                'is truncated or damaged')):
        ckpt = tmp_path / name
        ckpt.write_bytes(content)
        args = {
            'demo': [osp.join(TEST_DATA, 'videos', 'test.avi'), setup['cfg'],
                     str(ckpt)],
            'test': [setup['cfg'], str(ckpt), '--work-dir', str(tmp_path)],
            'train': [setup['cfg'], '--resume', str(ckpt), '--work-dir',
                      str(tmp_path)],
        }[tool]
        with pytest.raises(ValueError) as e:
            run_tool(tool, *args)
        assert str(e.value).startswith(f'checkpoint {ckpt} {why}')
