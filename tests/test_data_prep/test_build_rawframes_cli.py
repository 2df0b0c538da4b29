"""tools/data/build_rawframes.py as users run it: progress, failures by
name, exit status, resumption; the torch TV-L1 backend."""
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest
from mmdatp.datasets.preparation import MARKER, read_marker
from prep_utils import REPO, link_clip, load_tool, make_hmdb51

SCRIPT = osp.join(REPO, 'tools', 'data', 'build_rawframes.py')
build_rawframes = load_tool('tools/data/build_rawframes.py')


def run(*args):
    return subprocess.run(
        [sys.executable, SCRIPT, *args],
        capture_output=True,
        text=True,
        timeout=300)


def test_exit_status_failures_and_rerun(tmp_path, capsys):
    root = make_hmdb51(str(tmp_path / 'hmdb51'))
    videos, out = osp.join(root, 'videos'), osp.join(root, 'rawframes')
    corrupt = osp.join(videos, 'cartwheel', 'corrupt_cartwheel_0.avi')
    with open(corrupt, 'wb') as f:
        f.write(os.urandom(30000))
    args = (videos, out, '--task', 'both', '--flow-type', 'farneback',
            '--new-short', '64', '--max-frames', '5', '--num-workers', '2')
    first = run(*args)
    assert first.returncode == 1, first.stderr[-2000:]
    assert '7 videos to extract (both, farneback), 0 already done' in \
        first.stdout
    assert 'ETA' in first.stdout
    assert '6 videos extracted, 0 already done (skipped), 1 failed' in \
        first.stdout
    assert 'FAILED videos' in first.stdout
    assert 'cartwheel/corrupt_cartwheel_0: VideoReadError' in first.stdout
    assert 'corrupt_cartwheel_0.avi' in first.stdout
    assert sorted(os.listdir(osp.join(out, 'cartwheel'))) == sorted(
        n[:-4] for n in os.listdir(osp.join(videos, 'cartwheel'))
        if 'corrupt' not in n)

    # the rerun, in this process (it has nothing to fork)
    os.remove(corrupt)
    assert build_rawframes.main(list(args)) == 0
    assert '0 videos extracted, 6 already done (skipped), 0 failed' in \
        capsys.readouterr().out


def two_clips(root):
    """A level-1 video directory with two real clips."""
    videos = osp.join(root, 'videos')
    for clip, name in (('demo.mp4', 'demo.mp4'), ('test.avi', 'test.avi')):
        link_clip(clip, osp.join(videos, name))
    return videos


def test_torch_backend_layout_resume_and_agreement(tmp_path, capsys):
    """--flow-backend torch writes what the OpenCV path writes (names,
    counts, sizes; flow JPEGs within a few grey levels), resumes, and a
    change of backend redoes the flow only."""
    videos = two_clips(str(tmp_path))
    common = ['--level', '1', '--task', 'both', '--new-short', '48',
              '--max-frames', '4', '--quiet']
    ocv_out, torch_out = str(tmp_path / 'ocv'), str(tmp_path / 'torch')
    assert build_rawframes.main(
        [videos, ocv_out, '--num-workers', '0', *common]) == 0
    # an interrupted torch run left a temporary directory behind
    os.makedirs(osp.join(torch_out, '.demo.tmp'))
    torch_args = [videos, torch_out, *common, '--flow-backend', 'torch',
                  '--batch-size', '2', '--num-workers', '1']
    assert build_rawframes.main(torch_args) == 0
    out = capsys.readouterr().out
    assert '2 videos extracted, 0 already done (skipped), 0 failed; 8 ' \
        'RGB frames and 6 flow pairs' in out
    assert 'with 1 workers (torch TV-L1 on cpu)' in out
    assert 'cleaned 1 stale temporary directories' in out
    diffs = []
    for video in ('demo', 'test'):
        names = sorted(os.listdir(osp.join(ocv_out, video)))
        assert sorted(os.listdir(osp.join(torch_out, video))) == names
        assert len(names) == 1 + 4 + 2 * 3  # marker, 4 RGB, 3 flow pairs
        ref = read_marker(osp.join(ocv_out, video))
        marker = read_marker(osp.join(torch_out, video))
        assert marker['rgb'] == ref['rgb']
        assert marker['flow']['count'] == ref['flow']['count'] == 3
        assert marker['flow']['settings'] == dict(
            ref['flow']['settings'], flow_backend='torch')
        for name in names:
            if not name.endswith('.jpg'):
                continue
            a = cv2.imread(osp.join(ocv_out, video, name),
                           cv2.IMREAD_GRAYSCALE).astype(np.float32)
            b = cv2.imread(osp.join(torch_out, video, name),
                           cv2.IMREAD_GRAYSCALE).astype(np.float32)
            assert a.shape == b.shape == (48, 64)
            if name.startswith('img_'):
                assert np.array_equal(a, b)  # the same frames
            else:
                diffs.append(np.abs(a - b).mean())
    # mean |difference| per flow JPEG, measured 0.07-0.52 grey levels
    # (JPEG included; 1 level = 0.157 px)
    assert len(diffs) == 12 and max(diffs) < 1.5
    # the rerun skips both; the OpenCV command on the torch output
    # recomputes the flow only (its settings differ), keeping RGB
    assert build_rawframes.main(torch_args) == 0
    assert '0 videos extracted, 2 already done' in capsys.readouterr().out
    rgb = osp.join(torch_out, 'demo', 'img_00001.jpg')
    inode = os.stat(rgb).st_ino
    assert build_rawframes.main(
        [videos, torch_out, '--num-workers', '0', *common]) == 0
    assert '2 videos extracted, 0 already done' in capsys.readouterr().out
    assert os.stat(rgb).st_ino == inode  # hard-linked, not rewritten
    assert 'flow_backend' not in read_marker(
        osp.join(torch_out, 'demo'))['flow']['settings']


def test_torch_backend_argument_errors(capsys):
    import torch

    def error(*args):
        with pytest.raises(SystemExit) as exit_info:
            build_rawframes.main(['videos', 'out', *args])
        assert exit_info.value.code == 2
        return capsys.readouterr().err

    if not torch.cuda.is_available():
        err = error('--flow-backend', 'torch', '--device', 'cuda')
        assert "--device cuda: device 'cuda' is not available" in err
        assert "available here: ['cpu']" in err
    assert "flow_backend 'torch' computes flow_type 'tvl1' only" in error(
        '--flow-backend', 'torch', '--flow-type', 'farneback')
    assert '--device cuda needs --flow-backend torch' in error(
        '--device', 'cuda')
    assert '--batch-size must be >= 1, got 0' in error(
        '--flow-backend', 'torch', '--batch-size', '0')


def _group_gone(pgid, timeout):
    """Whether process group ``pgid`` empties within ``timeout`` s (the
    workers SIGTERMed on Ctrl-C take a moment to be reaped)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize('delay', [0.0, 1.0])
def test_ctrl_c_prints_one_line_and_resumes(tmp_path, delay):
    """SIGINT to the whole process group, as Ctrl-C in a terminal sends it,
    during extraction with 2 workers. Before: a KeyboardInterrupt traceback
    from the main process and each worker. At delay 0 the signal lands while
    the pool forks its workers; before: the signal was lost there (logging's
    at-fork hook drops the KeyboardInterrupt, so extraction ran on), or it
    was raised between a fork and the pool's list of workers, and that
    worker outlived the main process holding its pipes (communicate hung)."""
    root = make_hmdb51(str(tmp_path / 'hmdb51'))
    videos, out = osp.join(root, 'videos'), osp.join(root, 'rawframes')
    args = [videos, out, '--task', 'both', '--flow-type', 'tvl1',
            '--new-short', '128', '--num-workers', '2']
    proc = subprocess.Popen([sys.executable, SCRIPT, *args],
                            stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE,
                            text=True,
                            start_new_session=True)
    line = proc.stdout.readline()  # printed before the first video starts
    assert '6 videos to extract' in line, line
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        stdout, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:  # it did not stop: leave nothing behind
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    assert _group_gone(proc.pid, 10.0), 'a worker outlived the main process'
    assert proc.returncode == 130, stderr[-2000:]
    assert 'Traceback' not in stderr and 'KeyboardInterrupt' not in stderr
    msg = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(msg) == 1, stderr
    assert re.fullmatch(
        r'Interrupted: \d of 6 videos extracted by this run \(0 were done '
        r'before, 0 failed\) are kept; rerun the same command to resume '
        r'\(unfinished videos restart from scratch\)\.', msg[0]), msg[0]
    # nothing half-written is visible: every listed video dir is complete
    # (at delay 0 the stop may come before the output dir is made)
    for cls in os.listdir(out) if osp.isdir(out) else []:
        for name in os.listdir(osp.join(out, cls)):
            assert name.startswith('.') or osp.isfile(
                osp.join(out, cls, name, MARKER)), name
