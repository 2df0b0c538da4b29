"""tools/data/build_rawframes.py as users run it: progress, failures by
name, exit status, resumption."""
import os
import os.path as osp
import subprocess
import sys

from prep_utils import REPO, load_tool, make_hmdb51

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
