"""The key-action benchmark script runs end to end and resumes (smoke run)."""
import json
import os.path as osp
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(REPO, 'tools', 'benchmark', 'key_action_benchmark.py')


def run(out):
    proc = subprocess.run(
        [sys.executable, SCRIPT, '--quick', '--out', out],
        capture_output=True,
        text=True,
        timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_quick_benchmark_prints_the_table_and_resumes(tmp_path):
    out = str(tmp_path / 'bench')
    first = run(out)
    rows = [line for line in first.splitlines() if line.startswith('| ')]
    labels = [r.split('|')[1].strip() for r in rows[1:]]
    assert labels[:5] == [
        'P3: TSN-trained, average pooling',
        'TSN-trained, its own consensus (mean logits, N=10)',
        'mean-probability-trained, average pooling',
        'P2: DATP-trained, average pooling',
        'P1: DATP-trained, random 2 Gaussians'
    ]
    assert len(labels) == 10
    assert 'DATP (conv, K=2) / P3 top-1 ratio:' in first
    with open(osp.join(out, 'results.json')) as f:
        saved = json.load(f)
    assert len(saved['top1']) == 10
    assert all(0 <= v <= 1 for v in saved['top1'].values())
    # a second run reuses the finished checkpoints and measurements
    second = run(out)
    assert second.count('trained already') == 7
    assert 'trained in' not in second
