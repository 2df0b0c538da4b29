"""Frame and flow extraction of real clips: layout, counts, sizes, failures,
interruption and resumption."""
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import textwrap

import cv2
import pytest
from mmdatp.datasets.preparation import (MARKER, ExtractSpec, ResizeSpec,
                                         extract_videos, find_videos,
                                         read_marker)
from mmdatp.datasets.preparation import decode_write
from prep_utils import HMDB51, make_hmdb51

SMALL = dict(new_short=64, max_frames=6)


def listing(video_dir):
    return sorted(os.listdir(video_dir))


@pytest.fixture
def hmdb51(tmp_path):
    return make_hmdb51(str(tmp_path / 'hmdb51'))


def test_resize_spec():
    assert ResizeSpec(256).output_size(320, 240) == (341, 256)
    assert ResizeSpec(256).output_size(240, 320) == (256, 341)
    assert ResizeSpec(0, 340, 256).output_size(320, 240) == (340, 256)
    assert ResizeSpec(0).output_size(320, 240) == (320, 240)
    with pytest.raises(ValueError, match='either new_short or new_width'):
        ResizeSpec(256, 340, 256)
    with pytest.raises(ValueError, match='must be given together'):
        ResizeSpec(0, 340, 0)
    with pytest.raises(ValueError, match='new_short must be an integer >= 0'
                       ', got -1'):
        ResizeSpec(-1)


def test_spec_validation():
    with pytest.raises(ValueError, match=r"task must be one of \('rgb', "
                       r"'flow', 'both'\), got 'depth'"):
        ExtractSpec(task='depth')
    with pytest.raises(ValueError, match='flow_type must be one of'):
        ExtractSpec(flow_type='brox')
    with pytest.raises(ValueError, match='max_frames must be None or an '
                       'integer >= 1, got 0'):
        ExtractSpec(max_frames=0)
    with pytest.raises(ValueError, match='jpeg_quality'):
        ExtractSpec(jpeg_quality=101)
    with pytest.raises(ValueError, match='num_workers must be an integer'):
        extract_videos([], '/nonexistent', ExtractSpec(), num_workers=-1)


def test_find_videos(hmdb51, tmp_path):
    jobs = find_videos(osp.join(hmdb51, 'videos'))
    assert [j.rel for j in jobs] == sorted(
        f'{c}/{n}' for c, names in HMDB51.items() for n in names)
    assert all(j.src.endswith('.avi') for j in jobs)
    dup = tmp_path / 'dup'
    dup.mkdir()
    (dup / 'a.avi').write_bytes(b'')
    (dup / 'a.mp4').write_bytes(b'')
    with pytest.raises(ValueError, match="share the output directory 'a'"):
        find_videos(str(dup), level=1)
    with pytest.raises(FileNotFoundError, match='does not exist'):
        find_videos(str(tmp_path / 'nope'))


def test_extract_both_in_parallel_and_rerun_does_nothing(hmdb51):
    jobs = find_videos(osp.join(hmdb51, 'videos'))
    out = osp.join(hmdb51, 'rawframes')
    spec = ExtractSpec(task='both', flow_type='farneback', **SMALL)
    summary = extract_videos(jobs, out, spec, num_workers=2, verbose=False)
    assert summary.ok, summary.failed
    assert sorted(summary.processed) == [j.rel for j in jobs]
    assert summary.rgb_frames == 6 * 6 and summary.flow_pairs == 6 * 5
    for job in jobs:
        video_dir = osp.join(out, job.rel)
        assert listing(video_dir) == [MARKER] + [
            f'img_{i:05d}.jpg' for i in range(1, 7)
        ] + [f'{c}_{i:05d}.jpg' for c in 'xy' for i in range(1, 6)]
        img = cv2.imread(osp.join(video_dir, 'img_00001.jpg'))
        flow = cv2.imread(osp.join(video_dir, 'x_00001.jpg'),
                          cv2.IMREAD_UNCHANGED)
        # 320x240 and 340x256 clips, short side to 64
        assert img.shape[0] == 64 and img.shape[1] == 85
        assert flow.shape == (64, 85)  # one grey channel
        marker = read_marker(video_dir)
        assert marker['rgb']['count'] == 6 and marker['flow']['count'] == 5
        assert os.stat(osp.join(video_dir, MARKER)).st_mode & 0o777 == 0o644
        assert marker['flow']['settings']['flow_type'] == 'farneback'
    # nothing hidden left behind
    for cls in HMDB51:
        assert not [n for n in os.listdir(osp.join(out, cls))
                    if n.startswith('.')]
    again = extract_videos(jobs, out, spec, num_workers=2, verbose=False)
    assert again.processed == [] and len(again.skipped) == 6
    assert again.rgb_frames == 0 and again.flow_pairs == 0


def test_fixed_size_and_tvl1(tmp_path, hmdb51):
    jobs = find_videos(osp.join(hmdb51, 'videos'))[:2]
    out = str(tmp_path / 'fixed')
    spec = ExtractSpec(
        task='both',
        flow_type='tvl1',
        new_short=0,
        new_width=48,
        new_height=36,
        max_frames=3)
    summary = extract_videos(jobs, out, spec, num_workers=0, verbose=False)
    assert summary.ok and summary.flow_pairs == 4
    video_dir = osp.join(out, jobs[0].rel)
    assert cv2.imread(osp.join(video_dir, 'img_00003.jpg')).shape == (36, 48,
                                                                        3)
    assert cv2.imread(osp.join(video_dir, 'y_00002.jpg'),
                      cv2.IMREAD_UNCHANGED).shape == (36, 48)
    assert not osp.exists(osp.join(video_dir, 'x_00003.jpg'))


def test_corrupt_videos_are_reported_and_the_job_continues(hmdb51, capsys):
    videos = osp.join(hmdb51, 'videos')
    with open(osp.join(videos, 'chew', 'broken_chew_0.avi'), 'wb') as f:
        f.write(os.urandom(20000))
    open(osp.join(videos, 'chew', 'empty_chew_0.avi'), 'wb').close()
    jobs = find_videos(videos)
    out = osp.join(hmdb51, 'rawframes')
    spec = ExtractSpec(task='both', flow_type='farneback', **SMALL)
    summary = extract_videos(jobs, out, spec, num_workers=2, verbose=True)
    assert not summary.ok
    assert sorted(summary.failed) == ['chew/broken_chew_0',
                                      'chew/empty_chew_0']
    assert 'broken_chew_0.avi' in summary.failed['chew/broken_chew_0']
    assert len(summary.processed) == 6
    assert not osp.exists(osp.join(out, 'chew', 'broken_chew_0'))
    report = summary.format()
    assert 'FAILED videos' in report and 'chew/empty_chew_0: ' in report
    printed = capsys.readouterr().out
    assert 'failed: chew/broken_chew_0' in printed
    assert 'ETA' in printed  # the progress bar
    # a rerun retries only the failures
    again = extract_videos(jobs, out, spec, num_workers=2, verbose=False)
    assert sorted(again.failed) == sorted(summary.failed)
    assert again.processed == [] and len(again.skipped) == 6


def test_failure_midway_leaves_no_output(hmdb51, monkeypatch):
    """A video failing after some frames were written leaves nothing."""
    jobs = find_videos(osp.join(hmdb51, 'videos'))[:2]
    out = osp.join(hmdb51, 'rawframes')
    real_write = decode_write.write_jpeg
    calls = []

    def flaky_write(path, image, quality=95):
        calls.append(path)
        if jobs[0].rel.split('/')[1] in path and len(calls) == 4:
            raise OSError('disk full (simulated)')
        real_write(path, image, quality)

    monkeypatch.setattr(decode_write, 'write_jpeg', flaky_write)
    spec = ExtractSpec(task='both', flow_type='farneback', **SMALL)
    summary = extract_videos(jobs, out, spec, num_workers=0, verbose=False)
    assert list(summary.failed) == [jobs[0].rel]
    assert 'disk full (simulated)' in summary.failed[jobs[0].rel]
    assert jobs[0].src in summary.failed[jobs[0].rel]
    assert summary.processed == [jobs[1].rel]
    cls = osp.dirname(jobs[0].rel)
    assert os.listdir(osp.join(out, cls)) == [osp.basename(jobs[1].rel)]


KILL_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    from mmdatp.datasets.preparation import (ExtractSpec, extract_videos,
                                             find_videos)
    from mmdatp.datasets.preparation import decode_write as m
    real, calls = m.write_jpeg, []
    def dying_write(path, image, quality=95):
        calls.append(path)
        if len(calls) == int(sys.argv[3]):
            os.kill(os.getpid(), signal.SIGKILL)  # no cleanup at all
        real(path, image, quality)
    m.write_jpeg = dying_write
    extract_videos(find_videos(sys.argv[1]), sys.argv[2],
                   ExtractSpec(task='both', flow_type='tvl1', new_short=64,
                               max_frames=4), num_workers=0, verbose=False)
""")


def test_killed_run_leaves_nothing_counted_as_done_and_resumes(hmdb51):
    videos = osp.join(hmdb51, 'videos')
    out = osp.join(hmdb51, 'rawframes')
    jobs = find_videos(videos)
    # each video writes 4 RGB + 2 * 3 flow frames: die inside the 2nd one
    proc = subprocess.run(
        [sys.executable, '-c', KILL_SCRIPT, videos, out, '15'],
        capture_output=True,
        text=True,
        timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    cls, first = jobs[0].rel.split('/')
    second = jobs[1].rel.split('/')[1]
    # the finished video is there, the killed one only as a hidden .tmp
    assert sorted(os.listdir(osp.join(out, cls))) == sorted(
        [first, f'.{second}.tmp'])
    assert len(os.listdir(osp.join(out, cls, f'.{second}.tmp'))) == 4
    spec = ExtractSpec(
        task='both', flow_type='tvl1', new_short=64, max_frames=4)
    resumed = extract_videos(jobs, out, spec, num_workers=2, verbose=False)
    assert resumed.ok and resumed.cleaned == 1
    assert resumed.skipped == [jobs[0].rel]
    assert len(resumed.processed) == 5
    assert sorted(os.listdir(osp.join(out, cls))) == [first, second]
    assert len(os.listdir(osp.join(out, jobs[1].rel))) == 4 + 6 + 1
    third = extract_videos(jobs, out, spec, num_workers=2, verbose=False)
    assert third.processed == [] and len(third.skipped) == 6


KILL_WORKER_SCRIPT = textwrap.dedent("""
    import json, os, signal, sys
    from mmdatp.datasets.preparation import (ExtractSpec, extract_videos,
                                             find_videos)
    from mmdatp.datasets.preparation import extract as m
    real = m.extract_video
    def killing_extract(src, video_dir, spec, modalities=None):
        if 'Chewing_Gum' in src:
            os.kill(os.getpid(), signal.SIGKILL)  # e.g. the OOM killer
        return real(src, video_dir, spec, modalities)
    m.extract_video = killing_extract
    # fork (safe here: nothing ran OpenCV yet) carries the patch over
    summary = extract_videos(find_videos(sys.argv[1]), sys.argv[2],
                             ExtractSpec(task='rgb', new_short=64,
                                         max_frames=6),
                             num_workers=2, verbose=False, mp_context='fork')
    print(json.dumps(dict(processed=summary.processed,
                          failed=summary.failed)))
""")


def test_killed_worker_fails_pending_videos_then_resumes(hmdb51):
    videos = osp.join(hmdb51, 'videos')
    out = osp.join(hmdb51, 'rawframes')
    proc = subprocess.run(
        [sys.executable, '-c', KILL_WORKER_SCRIPT, videos, out],
        capture_output=True,
        text=True,
        timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    victim = 'chew/Chewing_Gum_chew_h_nm_np1_fr_med_0'
    assert 'worker process died' in summary['failed'][victim]
    assert len(summary['processed']) + len(summary['failed']) == 6
    jobs = find_videos(videos)
    spec = ExtractSpec(task='rgb', **SMALL)
    resumed = extract_videos(jobs, out, spec, num_workers=2, verbose=False)
    assert resumed.ok
    assert sorted(resumed.processed) == sorted(summary['failed'])
    assert sorted(resumed.skipped) == sorted(summary['processed'])


def test_adding_flow_keeps_the_rgb_frames(hmdb51):
    jobs = find_videos(osp.join(hmdb51, 'videos'))[:1]
    out = osp.join(hmdb51, 'rawframes')
    video_dir = osp.join(out, jobs[0].rel)
    rgb = ExtractSpec(task='rgb', **SMALL)
    assert extract_videos(jobs, out, rgb, 0, verbose=False).processed
    assert listing(video_dir) == [MARKER] + [
        f'img_{i:05d}.jpg' for i in range(1, 7)
    ]
    inode = os.stat(osp.join(video_dir, 'img_00001.jpg')).st_ino

    flow = ExtractSpec(task='flow', flow_type='farneback', **SMALL)
    summary = extract_videos(jobs, out, flow, 0, verbose=False)
    assert summary.rgb_frames == 0 and summary.flow_pairs == 5
    assert len(listing(video_dir)) == 1 + 6 + 10
    assert os.stat(osp.join(video_dir, 'img_00001.jpg')).st_ino == inode
    marker = read_marker(video_dir)
    assert marker['rgb']['count'] == 6 and marker['flow']['count'] == 5

    both = ExtractSpec(task='both', flow_type='farneback', **SMALL)
    assert extract_videos(jobs, out, both, 0, verbose=False).skipped
    # other flow settings: only the flow is redone
    tvl1 = ExtractSpec(task='both', flow_type='tvl1', **SMALL)
    summary = extract_videos(jobs, out, tvl1, 0, verbose=False)
    assert summary.processed and summary.rgb_frames == 0
    assert summary.flow_pairs == 5
    assert read_marker(video_dir)['flow']['settings']['flow_type'] == 'tvl1'
    assert os.stat(osp.join(video_dir, 'img_00001.jpg')).st_ino == inode
    assert not [n for n in os.listdir(osp.dirname(video_dir))
                if n.startswith('.')]


def test_interrupted_swap_is_restored(hmdb51):
    """Killed between the two renames of a swap: the old directory is
    restored, nothing is lost."""
    jobs = find_videos(osp.join(hmdb51, 'videos'))[:1]
    out = osp.join(hmdb51, 'rawframes')
    spec = ExtractSpec(task='rgb', **SMALL)
    extract_videos(jobs, out, spec, 0, verbose=False)
    video_dir = osp.join(out, jobs[0].rel)
    parent, name = osp.split(video_dir)
    os.rename(video_dir, osp.join(parent, f'.{name}.old'))
    os.mkdir(osp.join(parent, f'.{name}.tmp'))
    summary = extract_videos(jobs, out, spec, 0, verbose=False)
    assert summary.cleaned == 2 and summary.skipped == [jobs[0].rel]
    assert os.listdir(parent) == [name]
    assert len(os.listdir(video_dir)) == 7


def test_sigint_held_until_the_block_ends():
    """A Ctrl-C inside the block (where the pool forks) is raised on leaving
    it, once; the previous handler is back afterwards."""
    from mmdatp.datasets.preparation.extract import _SigintHeld
    before = signal.getsignal(signal.SIGINT)
    reached_end = False
    with pytest.raises(KeyboardInterrupt):
        with _SigintHeld():
            signal.raise_signal(signal.SIGINT)
            reached_end = True
    assert reached_end
    assert signal.getsignal(signal.SIGINT) is before
    with _SigintHeld():  # no signal: nothing raised
        pass
