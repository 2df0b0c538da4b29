"""Table 5-style averages over splits: mmdatp.evaluation.splits and
tools/analysis/collect_splits.py on hand-made result pickles.

3 classes, 3 splits of 4, 4 and 5 videos, two streams. A stream's score of a
video is strong (0.9 on the predicted class, 0.05 on the other two) or weak
(0.5 on the predicted class, 0.45 on the label / label+1 alternative), and
right (predicts the label) or wrong (predicts label + 1). Fused with weights
1 (rgb) and 1.5 (flow) the label beats label + 1 by hand:

  R/R right   R/w right (1.575 vs 0.8)   w/R right (1.8 vs 0.575)
  W/W wrong   W/R right (1.4 vs 0.975)   r/W wrong (0.575 vs 1.8)
  R/W wrong (0.975 vs 1.4)

split 1: R/R R/w w/R W/W        rgb 2/4  flow 2/4  fused 3/4
split 2: R/R R/R r/W W/R        rgb 3/4  flow 3/4  fused 3/4
split 3: R/R W/R W/W W/R R/W    rgb 2/5  flow 3/5  fused 3/5
means over splits: rgb 0.55, flow 0.61667, fused 0.7 (each split counts
once: the pooled rgb accuracy would be 7/13).
"""
import importlib.util
import os.path as osp

import numpy as np
import pytest
from mmdatp.evaluation import (FUSED, collect_split_accuracies,
                               format_split_table, mean_over_splits,
                               save_results)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'analysis', 'collect_splits.py')
C = 3
SPLITS = [
    [(0, 'R', 'R'), (1, 'R', 'w'), (2, 'w', 'R'), (0, 'W', 'W')],
    [(1, 'R', 'R'), (2, 'R', 'R'), (0, 'r', 'W'), (1, 'W', 'R')],
    [(2, 'R', 'R'), (0, 'W', 'R'), (1, 'W', 'W'), (2, 'W', 'R'),
     (0, 'R', 'W')],
]
TOP1 = {
    'rgb': [0.5, 0.75, 0.4],
    'flow': [0.5, 0.75, 0.6],
    FUSED: [0.75, 0.75, 0.6]
}
MEANS = {'rgb': 0.55, 'flow': 1.85 / 3, FUSED: 0.7}


def _score(label, kind):
    right = kind in 'Rr'
    pred, alt = (label, label + 1) if right else (label + 1, label)
    strong = kind.isupper()
    score = np.full(C, 0.05)
    score[pred % C] = 0.9 if strong else 0.5
    score[alt % C] = 0.05 if strong else 0.45
    return score


@pytest.fixture
def pickles(tmp_path):
    paths = {'rgb': [], 'flow': []}
    for i, videos in enumerate(SPLITS, start=1):
        labels = np.array([v[0] for v in videos])
        for col, name in ((1, 'rgb'), (2, 'flow')):
            scores = np.stack([_score(v[0], v[col]) for v in videos])
            path = str(tmp_path / f'{name}_split{i}.pkl')
            save_results(path, scores, labels, pooled_scores=scores)
            paths[name].append(path)
    return paths


def test_per_split_and_mean_accuracies(pickles):
    table = collect_split_accuracies(pickles, weights=[1, 1.5])
    assert list(table) == ['rgb', 'flow', FUSED]
    for name, top1 in TOP1.items():
        assert [r['top1'] for r in table[name]] == pytest.approx(top1)
        assert all(r['top5'] == 1.0 for r in table[name])  # 3 classes
        mean = mean_over_splits(table[name])
        assert mean['top1'] == pytest.approx(MEANS[name])
    # the mean over splits, not the pooled accuracy (7/13)
    assert mean_over_splits(table['rgb'])['top1'] != pytest.approx(7 / 13)
    # without weights there is no fused row
    assert list(collect_split_accuracies(pickles)) == ['rgb', 'flow']


def test_table_format(pickles):
    text = format_split_table(collect_split_accuracies(pickles, [1, 1.5]))
    lines = text.splitlines()
    assert lines[0].split() == [
        'top1', '(%)', 'split', '1', 'split', '2', 'split', '3', 'mean'
    ]
    assert set(lines[1]) == {'-'}
    assert lines[2].split() == ['rgb', '50.0', '75.0', '40.0', '55.0']
    assert lines[3].split() == ['flow', '50.0', '75.0', '60.0', '61.7']
    assert lines[4].split() == [FUSED, '75.0', '75.0', '60.0', '70.0']


def test_errors(pickles, tmp_path):
    with pytest.raises(ValueError, match='same number'):
        collect_split_accuracies({
            'rgb': pickles['rgb'],
            'flow': pickles['flow'][:2]
        })
    with pytest.raises(ValueError, match='one per stream'):
        collect_split_accuracies(pickles, weights=[1])
    with pytest.raises(ValueError, match='named'):
        collect_split_accuracies({FUSED: pickles['rgb']}, weights=[1])
    # split 2 of flow lists other videos than split 2 of rgb
    swapped = dict(pickles, flow=[pickles['flow'][0], pickles['flow'][2],
                                  pickles['flow'][1]])
    with pytest.raises(ValueError, match='videos'):
        collect_split_accuracies(swapped, weights=[1, 1.5])
    with pytest.raises(FileNotFoundError):
        collect_split_accuracies({'rgb': [str(tmp_path / 'none.pkl')]})


def _tool():
    spec = importlib.util.spec_from_file_location('collect_splits', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tool(pickles, capsys):
    tool = _tool()
    tool.main(['--stream', 'rgb', *pickles['rgb'], '--stream', 'flow',
               *pickles['flow'], '--fuse'])
    out = capsys.readouterr().out
    assert '3 splits, 2 streams; fused = 1 * rgb + 1.5 * flow' in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()
            if line.split() and line.split()[0] in TOP1}
    assert rows['rgb'] == ['50.0', '75.0', '40.0', '55.0']
    assert rows[FUSED] == ['75.0', '75.0', '60.0', '70.0']
    assert 'fused: top1 70.00, top5 100.00' in out

    tool.main(['--stream', 'rgb', *pickles['rgb'], '--metric', 'top5'])
    out = capsys.readouterr().out.splitlines()
    assert out[1].split()[:2] == ['top5', '(%)']
    assert out[3].split() == ['rgb'] + ['100.0'] * 4
    with pytest.raises(SystemExit):  # three streams need explicit weights
        tool.main(['--stream', 'a', pickles['rgb'][0], '--stream', 'b',
                   pickles['flow'][0], '--stream', 'c', pickles['rgb'][1],
                   '--fuse'])
    with pytest.raises(SystemExit) as exc:  # a missing pickle: an error
        tool.main(['--stream', 'rgb', 'missing.pkl'])
    assert 'missing.pkl' in str(exc.value.code)
