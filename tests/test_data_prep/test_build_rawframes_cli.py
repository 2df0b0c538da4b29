"""tools/data/build_rawframes.py as users run it: progress, failures by
name, exit status, resumption."""
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import time

from mmdatp.datasets.preparation import MARKER
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


def test_ctrl_c_prints_one_line_and_resumes(tmp_path):
    """SIGINT to the whole process group, as Ctrl-C in a terminal sends it,
    during extraction with 2 workers. Before: a KeyboardInterrupt traceback
    from the main process and each worker."""
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
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        stdout, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:  # it did not stop: leave nothing behind
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    assert proc.returncode == 130, stderr[-2000:]
    assert 'Traceback' not in stderr and 'KeyboardInterrupt' not in stderr
    msg = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(msg) == 1, stderr
    assert re.fullmatch(
        r'Interrupted: \d of 6 videos extracted by this run \(0 were done '
        r'before, 0 failed\) are kept; rerun the same command to resume '
        r'\(unfinished videos restart from scratch\)\.', msg[0]), msg[0]
    # nothing half-written is visible: every listed video dir is complete
    for cls in os.listdir(out):
        for name in os.listdir(osp.join(out, cls)):
            assert name.startswith('.') or osp.isfile(
                osp.join(out, cls, name, MARKER)), name
