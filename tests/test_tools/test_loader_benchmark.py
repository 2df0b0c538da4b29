"""The loader benchmark script runs on generated data and prints its tables
(smoke runs; the numbers are meaningless)."""
import os.path as osp
import subprocess
import sys

from conftest import REPO

SCRIPT = osp.join(REPO, 'tools', 'benchmark', 'loader_benchmark.py')


def _run(*args):
    proc = subprocess.run([sys.executable, SCRIPT, '--quick', *args],
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def _rows(out, header):
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith('| '):
            break
        rows.append([c.strip() for c in line.strip('|').split('|')])
    return rows


def test_rates_table_video_and_gpu_decode_rows(tmp_path):
    out = _run('--pipelines', 'rgb_video', 'flow_frames_gpu', '--work-dir',
               str(tmp_path), '--gpu-rate', '300')
    assert 'batch 2, 32 px, W=1 workers' in out
    rows = _rows(out, '| pipeline | in process |')
    assert [r[0] for r in rows] == ['rgb_video', 'flow_frames_gpu']
    for row in rows:
        values = [float(c) for c in row[1:]]
        assert len(values) == 6 and all(v >= 0 for v in values)
        # workers for 300 videos/s = ceil(300 / per-worker rate); the
        # printed rate is rounded to 0.1
        need = 300 / values[3]
        assert abs(values[5] - need) <= 1 + need * 0.05 / values[3]
    assert float(rows[0][2]) == 1.0  # ratios are to rgb_video
    # --work-dir keeps the generated data: frames and lists
    assert (tmp_path / 'rawframes' / 'test_avi' / 'img_00001.jpg').exists()
    assert (tmp_path / 'rawframes' / 'test_avi' / 'x_00001.jpg').exists()
    assert (tmp_path / 'bench_flow.txt').read_text().startswith('test_avi ')


def test_e2e_row_with_gpu_decode_on_cpu():
    out = _run('--pipelines', 'flow_frames_gpu', '--e2e', '--no-rates')
    assert '| pipeline | in process |' not in out
    rows = _rows(out, '| pipeline | model-only it/s')
    assert [r[0] for r in rows] == ['flow_frames_gpu']
    before, after = (float(v) for v in rows[0][1].split(' / '))
    assert before > 0 and after > 0 and float(rows[0][2]) > 0
    assert 'flow: best flow_frames_gpu, ratio ' in out
