"""The key-action benchmark script runs end to end and resumes (smoke run)."""
import json
import os.path as osp
import subprocess
import sys

import pytest

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
    # the accuracy table: from its header to the first line after it that
    # is not a table row (the localisation table follows)
    lines = first.splitlines()
    start = lines.index('| testing scheme | top-1 (%) |')
    rows = [lines[start]]
    for line in lines[start + 2:]:
        if not line.startswith('| '):
            break
        rows.append(line)
    labels = [r.split('|')[1].strip() for r in rows[1:]]
    # the default set: the TSN, and DATP fine-tuned from it (paper Sec. 4.2)
    assert labels == [
        'P3: TSN-trained, average pooling',
        'TSN-trained, its own consensus (mean logits, N=10)',
        'P3: TSN trained as long again, average pooling',
        'TSN trained as long again, its own consensus',
        'mean-probability fine-tuned (uniform weights), average pooling',
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
    assert len(saved['top1']) == 11
    assert all(0 <= v <= 1 for v in saved['top1'].values())
    # where the four DATP rows look, from their dumped temporal weights
    datp_rows = [label for label in labels if label.startswith('DATP ')]
    assert sorted(saved['localisation']) == sorted(datp_rows)
    for label, loc in saved['localisation'].items():
        assert 0 <= loc['key_attention'] <= 1 and loc['key_ratio'] >= 0
        assert ('sigma' in loc) == ('discrete' not in label)
    assert 'Where the weights look' in first
    assert first.count('| DATP fine-tuned,') == 2 * len(datp_rows)
    # the DATP models really started from the TSN: InitFromTSNHook's report
    with open(osp.join(out, 'ft_conv_k2', 'init_from_tsn.json')) as f:
        report = json.load(f)
    assert report['checkpoint'] == osp.join(out, 'tsn', 'epoch_1.pth')
    assert 'cls_head.fc_cls.weight' in report['loaded']
    assert report['new'] and all(
        k.startswith('cls_head.aux_net.') for k in report['new'])
    # a second run reuses the finished checkpoints and measurements
    second = run(out)
    assert second.count('trained already') == 7
    assert 'trained in' not in second


def test_localisation_closed_forms(tmp_path):
    sys.path.insert(0, osp.dirname(SCRIPT))
    try:
        import key_action_benchmark as kb
    finally:
        sys.path.pop(0)
    import pickle

    import numpy as np
    # 2 videos of 11 frames (t = frame / 10), key windows [2, 5) and [6, 9)
    meta = dict(
        spec=dict(num_frames=11),
        splits=dict(test=dict(videos=[
            dict(label=0, key_start=2, key_end=5),
            dict(label=1, key_start=6, key_end=9)
        ])))
    with open(tmp_path / 'meta.json', 'w') as f:
        json.dump(meta, f)
    t = np.arange(0, 11, 2) / 10  # 6 segments at frames 0, 2, ..., 10
    # video 0: all attention on t=0.2, 0.4 (inside); video 1: uniform
    preds = [
        dict(gt_label=0, datp_times=t, datp_attention=np.array(
            [0, .5, .5, 0, 0, 0]), datp_rho=np.array([1.]),
             datp_mu=np.array([.3]), datp_sigma=np.array([.1])),
        dict(gt_label=1, datp_times=t, datp_attention=np.full(6, 1 / 6),
             datp_rho=np.array([1.]), datp_mu=np.array([.7]),
             datp_sigma=np.array([.3]))
    ]
    dump = str(tmp_path / 'dump.pkl')
    with open(dump, 'wb') as f:
        pickle.dump(preds, f)
    loc = kb.localisation(dump, str(tmp_path))
    # inside: video 0 has 2 of 6 segments, video 1 (t=0.6, 0.8) 2 of 6
    assert loc['key_attention'] == pytest.approx((1 + 2 / 6) / 2)
    assert loc['key_ratio'] == pytest.approx(((1 + 2 / 6) / 2) / (2 / 6))
    assert loc['mu_corr'] == pytest.approx(1.0)
    assert loc['sigma'] == pytest.approx(0.2)
    # predictions out of the test list's order are refused
    preds[0]['gt_label'] = 1
    with open(dump, 'wb') as f:
        pickle.dump(preds, f)
    with pytest.raises(ValueError, match='order'):
        kb.localisation(dump, str(tmp_path))
