"""The overhead benchmark script runs and prints its table (smoke run)."""
import os
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(REPO, 'tools', 'benchmark', 'overhead_benchmark.py')


def test_quick_overhead_benchmark_prints_three_models_with_ratios():
    proc = subprocess.run(
        [sys.executable, SCRIPT, '--quick', '--threads', '1'],
        capture_output=True,
        text=True,
        timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert 'train batch 1 videos x 10 segments x 32x32' in out
    rows = [line for line in out.splitlines() if line.startswith('| ')]
    assert rows[0].startswith('| model | train iter (ms) | ratio')
    body = [[c.strip() for c in r.strip('|').split('|')] for r in rows[1:]]
    assert [r[0] for r in body] == [
        'TSN-R34, average consensus', 'DATP conv features, K=2',
        'DATP softmax scores, K=2'
    ]
    for r in body:
        values = [float(c) for c in r[1:]]
        assert len(values) == 6 and all(v > 0 for v in values)
    # ratios are relative to TSN, which is 1 in every column
    assert [float(c) for c in body[0][2::2]] == [1.0, 1.0, 1.0]
    for name in ('DATP conv features, K=2', 'DATP softmax scores, K=2'):
        assert f'{name} / TSN train-iteration ratio: ' in out

    # FLOP counts: the aux net adds work, but little next to the backbone
    assert '1 video x 10 segments x 32x32 (device-independent)' in out
    flops = dict(
        re.findall(r'^  (\S.*?)\s+([\d.]+) GFLOP', out, flags=re.M))
    assert set(flops) == {
        'TSN-R34, average consensus', 'DATP conv features, K=2',
        'DATP softmax scores, K=2'
    }
    tsn = float(flops['TSN-R34, average consensus'])
    for name in ('DATP conv features, K=2', 'DATP softmax scores, K=2'):
        assert tsn < float(flops[name]) < 1.1 * tsn


def test_bad_arguments_are_rejected():
    proc = subprocess.run(
        [sys.executable, SCRIPT, '--input-size', '16'],
        capture_output=True,
        text=True,
        timeout=120)
    assert proc.returncode == 2
    assert '--input-size must be >= 32' in proc.stderr


def test_host_topk_control_row_and_profile():
    proc = subprocess.run([
        sys.executable, SCRIPT, '--quick', '--threads', '1', '--flops-size',
        '0', '--host-topk-control', '--profile'
    ],
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    rows = [line for line in out.splitlines() if line.startswith('| ')]
    assert [r.split('|')[1].strip() for r in rows[1:]] == [
        'TSN-R34, average consensus', 'DATP conv features, K=2',
        'DATP softmax scores, K=2', 'DATP conv, mmaction top-k'
    ]
    assert 'DATP conv, mmaction top-k / TSN train-iteration ratio: ' in out
    assert 'GFLOP' not in out  # --flops-size 0
    # one profiler table per model, listing aten ops
    assert out.count('--- profile of one training iteration: ') == 4
    assert 'aten::' in out


def test_gpu_script_without_cuda_records_the_error(tmp_path):
    """tools/benchmark/gpu_overhead.sh: four runs, one file each, and a
    clear failure (exit 1) where there is no GPU."""
    if torch.cuda.is_available():
        pytest.skip('this checks the no-GPU path')
    script = osp.join(REPO, 'tools', 'benchmark', 'gpu_overhead.sh')
    out = tmp_path / 'gpu'
    proc = subprocess.run(['bash', script, str(out)],
                          capture_output=True,
                          text=True,
                          timeout=300,
                          env=dict(os.environ, PYTHON=sys.executable))
    assert proc.returncode == 1
    names = sorted(p.name for p in out.iterdir())
    assert names == ['amp.txt', 'compile.txt', 'fp32.txt', 'paper_test.txt']
    for name in names:
        text = (out / name).read_text()
        assert 'no CUDA device is available' in text, text[-500:]
        assert 'failed with status 2' in text


def test_fused_rows_and_ratios():
    proc = subprocess.run([
        sys.executable, SCRIPT, '--quick', '--threads', '1', '--flops-size',
        '0', '--host-topk-control', '--fused'
    ],
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    rows = [line for line in out.splitlines() if line.startswith('| ')]
    assert [r.split('|')[1].strip() for r in rows[1:]] == [
        'TSN-R34, average consensus', 'DATP conv features, K=2',
        'DATP softmax scores, K=2', 'DATP conv, mmaction top-k',
        'DATP conv, fused', 'DATP conv, mmaction top-k, fused'
    ]
    ratios = re.findall(
        r'^fused / unfused \((.*)\): train ([\d.]+), test ([\d.]+), '
        r'head ([\d.]+)$', out, flags=re.M)
    assert [r[0] for r in ratios] == [
        'DATP conv features, K=2', 'DATP conv, mmaction top-k'
    ]
    assert all(float(v) > 0 for r in ratios for v in r[1:])


def test_gpu_script_only_runs_the_named_settings(tmp_path):
    if torch.cuda.is_available():
        pytest.skip('this checks the no-GPU path')
    script = osp.join(REPO, 'tools', 'benchmark', 'gpu_overhead.sh')
    out = tmp_path / 'gpu'
    proc = subprocess.run(['bash', script, str(out)],
                          capture_output=True,
                          text=True,
                          timeout=120,
                          env=dict(os.environ, PYTHON=sys.executable,
                                   ONLY='amp'))
    assert proc.returncode == 1
    assert sorted(p.name for p in out.iterdir()) == ['amp.txt']
    assert '--fused' in proc.stdout  # the amp run compares fused/unfused
