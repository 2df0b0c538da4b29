"""Smoke test: the flow benchmark runs on a tiny real clip and prints the
side-by-side table (its numbers are not checked: they depend on load)."""
import os.path as osp
import re
import subprocess
import sys

import numpy as np
from prep_utils import REPO, VIDEOS, load_tool

SCRIPT = osp.join(REPO, 'tools', 'benchmark', 'flow_benchmark.py')
flow_benchmark = load_tool('tools/benchmark/flow_benchmark.py')


def test_quick_benchmark_prints_all_rows_and_scaling():
    proc = subprocess.run([
        sys.executable, SCRIPT, '--quick', '--workers', '2', '--video',
        osp.join(VIDEOS, 'test.avi')
    ],
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = re.findall(
        r'^\| (tvl1|tvl1-torch|farneback) \| (\d+) \| (\d+) \| (\d+) \| '
        r'[\d.]+ \| [\d.]+ \| ([\d.]+) \| ([\d.]+)x \|$', proc.stdout, re.M)
    assert [(r[0], r[1]) for r in rows] == [('tvl1', '1'), ('tvl1', '2'),
                                            ('tvl1-torch', '1'),
                                            ('tvl1-torch', '2'),
                                            ('farneback', '1'),
                                            ('farneback', '2')]
    for flow_type, workers, videos, pairs, rate, speedup in rows:
        assert (videos, pairs) == ('2', '6')  # 2 videos x 3 pairs
        assert float(rate) > 0
        if workers == '1':
            assert speedup == '1.00'
    assert 'farneback / tvl1 at 2 worker(s):' in proc.stdout
    assert 'tvl1-torch / tvl1 at 1 worker(s):' in proc.stdout


def test_gpu_mode_parts_on_the_cpu(tmp_path):
    """The pieces of --device cuda, run on the CPU: frames played back and
    forth, the timing rows, the projection (closed form)."""
    frames = flow_benchmark.grey_frames(
        osp.join(VIDEOS, 'test.avi'), new_short=24, num=3)
    assert frames.shape == (3, 24, 32) and frames.dtype == np.uint8
    # a 3-frame clip played back and forth: 0 1 2 1 0 1 2 (no cut)
    clip = str(tmp_path / 'three.avi')
    flow_benchmark.write_synthetic_clip(clip, 3, width=40, height=32)
    seven = flow_benchmark.grey_frames(clip, new_short=0, num=7)
    assert seven.shape == (7, 32, 40)
    for k, j in ((3, 1), (4, 0), (5, 1), (6, 2)):
        assert np.array_equal(seven[k], seven[j])
    assert not np.array_equal(seven[0], seven[1])
    rows = flow_benchmark.time_torch_flow(frames, 'cpu', [2])
    assert [(r['flow'], r['batch'], r['pairs']) for r in rows] == [
        ('tvl1-torch', 2, 2)
    ]
    assert rows[0]['pairs_per_s'] == 2 / rows[0]['seconds'] > 0
    text = flow_benchmark.projection(100.0)
    # 600,000 / 100 / 3600 = 1.67 h; 13,320 x 185 / 100 / 3600 = 6.85 h
    assert text == ('HMDB51 (600,000 pairs) 1.7 h, UCF101 (2,464,200 '
                    'pairs) 6.8 h')


def test_gpu_mode_compiled_rows_on_the_cpu(monkeypatch):
    """The compiled rows and their difference to eager, torch.compile
    traced with aot_eager (inductor on this CPU takes about a minute); a
    mode that fails gives an error row and the others go on."""
    import torch
    compile_ = torch.compile
    monkeypatch.setattr(
        torch, 'compile', lambda fn, dynamic, mode: compile_(
            fn, dynamic=dynamic, backend='aot_eager', fullgraph=True))
    torch._dynamo.reset()
    frames = flow_benchmark.grey_frames(
        osp.join(VIDEOS, 'test.avi'), new_short=24, num=3)
    monkeypatch.setitem(flow_benchmark.TORCH_MODES, 'broken',
                        ('tvl1-torch broken', 'max-autotune'))
    rows = flow_benchmark.time_torch_flow(frames, 'cpu', [2],
                                          ['eager', 'cudagraphs', 'broken'])
    torch._dynamo.reset()
    assert [(r['flow'], r['batch']) for r in rows] == [
        ('tvl1-torch', 2), ('tvl1-torch compiled+graphs', 2),
        ('tvl1-torch broken', 0)
    ]
    # the same computation: no difference to eager
    assert (rows[1]['levels_mean'], rows[1]['levels_max'],
            rows[1]['over_2']) == (0.0, 0, 0.0)
    assert 'compile must be one of' in rows[2]['error']
    table = flow_benchmark.format_cuda_table(rows).splitlines()
    assert table[3].startswith('| tvl1-torch compiled+graphs | 2 | 2 | ')
    assert table[3].endswith(' | 0.000 / 0, 0.000% |')
    assert table[4].startswith('| tvl1-torch broken | 0 | failed: '
                               'ValueError("compile must be one of')
