"""Smoke test: the flow benchmark runs on a tiny real clip and prints the
side-by-side table (its numbers are not checked: they depend on load)."""
import os.path as osp
import re
import subprocess
import sys

from prep_utils import REPO, VIDEOS

SCRIPT = osp.join(REPO, 'tools', 'benchmark', 'flow_benchmark.py')


def test_quick_benchmark_prints_both_algorithms_and_scaling():
    proc = subprocess.run([
        sys.executable, SCRIPT, '--quick', '--workers', '2', '--video',
        osp.join(VIDEOS, 'test.avi')
    ],
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = re.findall(
        r'^\| (tvl1|farneback) \| (\d+) \| (\d+) \| (\d+) \| [\d.]+ \| '
        r'[\d.]+ \| ([\d.]+) \| ([\d.]+)x \|$', proc.stdout, re.M)
    assert [(r[0], r[1]) for r in rows] == [('tvl1', '1'), ('tvl1', '2'),
                                            ('farneback', '1'),
                                            ('farneback', '2')]
    for flow_type, workers, videos, pairs, rate, speedup in rows:
        assert (videos, pairs) == ('2', '6')  # 2 videos x 3 pairs
        assert float(rate) > 0
        if workers == '1':
            assert speedup == '1.00'
    assert 'farneback / tvl1 at 2 worker(s):' in proc.stdout
