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
    # the default set: the TSN, and DATP fine-tuned from it (paper Sec. 4.2)
    assert labels == [
        'P3: TSN-trained, average pooling',
        'TSN-trained, its own consensus (mean logits, N=10)',
        'P3: TSN trained as long again, average pooling',
        'TSN trained as long again, its own consensus',
        'P2: DATP-fine-tuned, average pooling',
        'P1: DATP-fine-tuned, random 2 Gaussians',
        'DATP fine-tuned, conv features, K=1',
        'DATP fine-tuned, conv features, K=2',
        'DATP fine-tuned, softmax scores, K=2',
        'DATP fine-tuned, conv features, discrete',
    ]
    assert 'DATP (fine-tuned, conv, K=2) / P3 (TSN as long) top-1 ratio:' \
        in first
    with open(osp.join(out, 'results.json')) as f:
        saved = json.load(f)
    assert len(saved['top1']) == 10
    assert all(0 <= v <= 1 for v in saved['top1'].values())
    # the DATP models really started from the TSN: InitFromTSNHook's report
    with open(osp.join(out, 'ft_conv_k2', 'init_from_tsn.json')) as f:
        report = json.load(f)
    assert report['checkpoint'] == osp.join(out, 'tsn', 'epoch_1.pth')
    assert 'cls_head.fc_cls.weight' in report['loaded']
    assert report['new'] and all(
        k.startswith('cls_head.aux_net.') for k in report['new'])
    # a second run reuses the finished checkpoints and measurements
    second = run(out)
    assert second.count('trained already') == 6
    assert 'trained in' not in second
