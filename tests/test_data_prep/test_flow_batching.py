"""Flow batches across videos: routing, equality with per-video batches
on the real clips, and the extractor's resume / atomic guarantees when the
process dies in the middle of a shared batch."""
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import textwrap
import threading

import cv2
import numpy as np
import pytest
import torch
from mmdatp.datasets.preparation import (MARKER, ExtractSpec, extract_videos,
                                         find_videos)
from mmdatp.datasets.preparation.flow_batching import CrossVideoFlow
from prep_utils import make_hmdb51

# 6 videos (3 real clips, 320x240 and 340x256: two frame sizes), 3 pairs
SPEC = ExtractSpec(
    task='flow', flow_backend='torch', new_short=32, max_frames=4)


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


class FakeFlow:
    """``quantized`` of the frames themselves (x = prev, y = next), and
    the shapes of its batches."""

    def __init__(self):
        self.shapes = []

    def quantized(self, prevs, nxts, bound):
        self.shapes.append(prevs.shape)
        return prevs + 1, nxts + 2


def test_chunks_of_threads_meet_in_batches_of_one_size():
    fake = FakeFlow()
    shared = CrossVideoFlow(fake, batch_size=6)
    out = {}

    def video(k, size):
        frames = np.full((7, ) + size, k, np.uint8)
        got = []
        for i in range(0, 6, 2):  # chunks of 2 pairs
            qx, qy = shared.quantized(frames[i:i + 2], frames[i + 1:i + 3])
            got.append((qx, qy))
        shared.remove_client()
        out[k] = got

    sizes = [(4, 5), (4, 5), (4, 5), (3, 5), (3, 5)]
    threads = [
        threading.Thread(target=video, args=(k, s))
        for k, s in enumerate(sizes)
    ]
    for _ in threads:
        shared.add_client()
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    # every chunk got its own pairs back
    for k, size in enumerate(sizes):
        assert len(out[k]) == 3
        for qx, qy in out[k]:
            assert qx.shape == (2, ) + size
            assert (qx == k + 1).all() and (qy == k + 2).all()
    # batches: one frame size each, at most batch_size, all pairs run once
    assert all(s[0] <= 6 for s in fake.shapes)
    assert sum(s[0] for s in fake.shapes) == 2 * 3 * 5
    assert shared.batches == [s[0] for s in fake.shapes]
    # chunks of different videos did meet (3 of (4, 5) at once)
    assert max(shared.batches) == 6


def test_a_failing_batch_fails_its_videos_only():

    class Broken:

        def quantized(self, prevs, nxts, bound):
            raise RuntimeError('device fell over')

    shared = CrossVideoFlow(Broken(), batch_size=4)
    shared.add_client()
    with pytest.raises(RuntimeError, match='device fell over'):
        shared.quantized(np.zeros((2, 3, 3), np.uint8),
                         np.zeros((2, 3, 3), np.uint8))
    with pytest.raises(ValueError, match='batch_size must be an integer'):
        CrossVideoFlow(Broken(), batch_size=0)


def flow_images(root):
    """{'class/video/x_00001.jpg': decoded image} of a rawframes root."""
    out = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            if name.endswith('.jpg'):
                path = osp.join(dirpath, name)
                out[osp.relpath(path, root)] = cv2.imread(
                    path, cv2.IMREAD_GRAYSCALE)
    return out


def test_cross_video_batches_equal_per_video_batches(tmp_path):
    root = make_hmdb51(str(tmp_path / 'hmdb51'))
    jobs = find_videos(osp.join(root, 'videos'))
    per_video = extract_videos(
        jobs, str(tmp_path / 'one'), SPEC, num_workers=0, verbose=False,
        batch_size=3, videos_in_flight=1)
    crossed = extract_videos(
        jobs, str(tmp_path / 'cross'), SPEC, num_workers=2, verbose=False,
        batch_size=9, videos_in_flight=3)
    assert per_video.ok and crossed.ok
    assert per_video.flow_pairs == crossed.flow_pairs == 6 * 3
    # chunks of ceil(9 / 3) = 3 pairs; batches of one frame size mixed
    # the pairs of several videos
    assert sum(crossed.flow_batches) == 18
    assert max(crossed.flow_batches) > 3
    one = flow_images(str(tmp_path / 'one'))
    cross = flow_images(str(tmp_path / 'cross'))
    assert sorted(one) == sorted(cross) and len(one) == 6 * 3 * 2
    for name in one:  # measured: identical
        assert np.array_equal(one[name], cross[name]), name
    again = extract_videos(
        jobs, str(tmp_path / 'cross'), SPEC, num_workers=2, verbose=False,
        batch_size=9, videos_in_flight=3)
    assert again.processed == [] and len(again.skipped) == 6


KILL_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    from mmdatp.datasets.preparation import (ExtractSpec, extract_videos,
                                             find_videos)
    from mmdatp.datasets.preparation import flow as flow_mod
    real = flow_mod.TorchFlow.quantized
    calls = []
    def killing(self, prevs, nxts, bound=20.0):
        calls.append(len(prevs))
        if len(calls) == int(sys.argv[3]):  # die inside this batch
            os.kill(os.getpid(), signal.SIGKILL)
        return real(self, prevs, nxts, bound)
    flow_mod.TorchFlow.quantized = killing
    spec = ExtractSpec(task='flow', flow_backend='torch', new_short=32,
                       max_frames=6)
    extract_videos(find_videos(sys.argv[1]), sys.argv[2], spec,
                   num_workers=2, verbose=False, batch_size=6,
                   videos_in_flight=3)
""")


def test_killed_mid_batch_then_resumed(tmp_path):
    """SIGKILL in the 3rd shared batch (chunks of 2 pairs of 3 videos):
    videos that were in flight have written some flow JPEGs into their
    hidden ``.tmp`` directories; none is visible as a video, the rerun
    removes them and finishes every video, equal to an uninterrupted
    run."""
    root = make_hmdb51(str(tmp_path / 'hmdb51'))
    videos = osp.join(root, 'videos')
    out = str(tmp_path / 'killed')
    proc = subprocess.run(
        [sys.executable, '-c', KILL_SCRIPT, videos, out, '3'],
        capture_output=True,
        text=True,
        timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    visible, hidden = [], []
    for cls in os.listdir(out):
        for name in os.listdir(osp.join(out, cls)):
            (hidden if name.startswith('.') else visible).append(
                osp.join(out, cls, name))
    # in flight at the kill: hidden .tmp directories with partial output
    assert hidden and all(h.endswith('.tmp') for h in hidden)
    assert any(os.listdir(h) for h in hidden)
    # every visible video directory is complete (5 pairs, marker)
    for v in visible:
        with open(osp.join(v, MARKER)) as f:
            assert json.load(f)['flow']['count'] == 5
        assert len(os.listdir(v)) == 2 * 5 + 1
    jobs = find_videos(videos)
    spec = ExtractSpec(
        task='flow', flow_backend='torch', new_short=32, max_frames=6)
    kwargs = dict(num_workers=2, verbose=False, batch_size=6,
                  videos_in_flight=3)
    resumed = extract_videos(jobs, out, spec, **kwargs)
    assert resumed.ok and resumed.cleaned == len(hidden)
    assert len(resumed.skipped) == len(visible)
    assert len(resumed.processed) == 6 - len(visible)
    clean = extract_videos(jobs, str(tmp_path / 'clean'), spec, **kwargs)
    a, b = flow_images(out), flow_images(str(tmp_path / 'clean'))
    assert sorted(a) == sorted(b) and len(a) == 6 * 5 * 2
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert clean.ok


def test_bad_videos_in_flight(tmp_path):
    with pytest.raises(ValueError, match='videos_in_flight must be an '
                       'integer >= 1, got 0'):
        extract_videos([], str(tmp_path), SPEC, videos_in_flight=0)
