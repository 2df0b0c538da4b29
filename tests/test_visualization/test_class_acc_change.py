"""Figure 4: top / bottom per-class accuracy changes, computed and plotted.

Hand-made case: 6 classes, 2 test videos for each of classes 0..4 (class 5
has none). Correct videos per class, base -> new:
class 0: 2 -> 0 (-1), class 1: 1 -> 2 (+1/2), class 2: 0 -> 2 (+1),
class 3: 1 -> 1 (0), class 4: 2 -> 1 (-1/2), class 5: absent (not ranked).
With topk=2: top = [2 (+1), 1 (+1/2)], bottom = [0 (-1), 4 (-1/2)].
"""
import csv
import importlib.util
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from matplotlib.image import imread
from mmdatp.evaluation import class_accuracy_changes, load_class_names
from mmdatp.visualization import plot_class_acc_changes

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'analysis', 'class_acc_change.py')

NUM_CLASSES = 6
LABELS = np.array([0, 0, 1, 1, 2, 2, 3, 3, 4, 4])
BASE_RIGHT = [1, 1, 1, 0, 0, 0, 1, 0, 1, 1]
NEW_RIGHT = [0, 0, 1, 1, 1, 1, 0, 1, 1, 0]
NAMES = ['kick', 'push', 'shoot_gun', 'smile', 'talk', 'jump']


def _scores(right):
    """Scores whose argmax is the label where ``right``, else label + 1."""
    scores = np.full((len(LABELS), NUM_CLASSES), 0.02)
    for i, (label, ok) in enumerate(zip(LABELS, right)):
        scores[i, label if ok else (label + 1) % NUM_CLASSES] = 0.9
    return scores


def _write(path, scores):
    results = [
        dict(
            pred_score=torch.from_numpy(s).float(),
            gt_label=torch.tensor([int(label)]))
        for s, label in zip(scores, LABELS)
    ]
    with open(path, 'wb') as f:
        pickle.dump(results, f)
    return str(path)


def test_class_accuracy_changes_by_hand():
    top, bottom = class_accuracy_changes(
        _scores(BASE_RIGHT), _scores(NEW_RIGHT), LABELS, topk=2)
    assert top == [(2, 0.0, 1.0, 1.0), (1, 0.5, 1.0, 0.5)]
    assert bottom == [(0, 1.0, 0.0, -1.0), (4, 1.0, 0.5, -0.5)]
    # Five classes present: bottom takes what top left, never class 5.
    top, bottom = class_accuracy_changes(
        _scores(BASE_RIGHT), _scores(NEW_RIGHT), LABELS, topk=3)
    assert [e.cls for e in top] == [2, 1, 3]
    assert [e.cls for e in bottom] == [0, 4]
    with pytest.raises(ValueError, match='differ in shape'):
        class_accuracy_changes(
            _scores(BASE_RIGHT), _scores(NEW_RIGHT)[:, :5], LABELS)


def test_plot_orders_bars_by_change(tmp_path):
    top, bottom = class_accuracy_changes(
        _scores(BASE_RIGHT), _scores(NEW_RIGHT), LABELS, topk=2)
    fig = plot_class_acc_changes(top, bottom, NAMES)
    ax = fig.axes[0]
    ticks = sorted(zip(ax.get_yticks(), ax.get_yticklabels()),
                   key=lambda t: -t[0])  # from the top of the chart down
    assert [t[1].get_text() for t in ticks] == [
        'shoot_gun', 'push', 'talk', 'kick'
    ]
    widths = sorted((p.get_y(), p.get_width()) for p in ax.patches)
    assert [w for _, w in widths] == pytest.approx([-100, -50, 50, 100])
    with pytest.raises(ValueError, match='class index 4 has no name'):
        plot_class_acc_changes(top, bottom, NAMES[:3])


def test_load_class_names(tmp_path):
    txt = tmp_path / 'names.txt'
    txt.write_text('\n'.join(NAMES) + '\n\n')
    assert load_class_names(str(txt), 6) == NAMES
    meta = tmp_path / 'meta.json'
    meta.write_text('{"classes": ["a", "b"]}')
    assert load_class_names(str(meta), 2) == ['a', 'b']
    with pytest.raises(ValueError, match='meta.json: has 2 class names but '
                       'the results have 6'):
        load_class_names(str(meta), 6)


def test_class_acc_change_cli(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location('class_acc_change_tool',
                                                  TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    base = _write(tmp_path / 'base.pkl', _scores(BASE_RIGHT))
    new = _write(tmp_path / 'new.pkl', _scores(NEW_RIGHT))
    names = tmp_path / 'names.txt'
    names.write_text('\n'.join(NAMES) + '\n')
    out = tmp_path / 'figs' / 'fig4.png'
    tool.main([
        base, new, '--out',
        str(out), '--class-names',
        str(names), '--topk', '2', '--title', 'DATP vs avg'
    ])
    stdout = capsys.readouterr().out
    assert 'shoot_gun' in stdout and '+100.00' in stdout

    with open(out, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    image = imread(str(out))
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    assert image.std() > 0  # not a blank canvas

    with open(tmp_path / 'figs' / 'fig4.csv', newline='') as f:
        rows = list(csv.reader(f))
    assert rows[0] == [
        'group', 'class_index', 'class_name', 'base_acc', 'new_acc', 'change'
    ]
    got = [(r[0], int(r[1]), r[2], float(r[3]), float(r[4]), float(r[5]))
           for r in rows[1:]]
    assert got == [
        ('top', 2, 'shoot_gun', 0.0, 1.0, 1.0),
        ('top', 1, 'push', 0.5, 1.0, 0.5),
        ('bottom', 0, 'kick', 1.0, 0.0, -1.0),
        ('bottom', 4, 'talk', 1.0, 0.5, -0.5),
    ]

    # Results of other videos are refused, naming the first bad index.
    other = tmp_path / 'other.pkl'
    with open(base, 'rb') as f:
        results = pickle.load(f)
    results[3]['gt_label'] = torch.tensor([0])
    with open(other, 'wb') as f:
        pickle.dump(results, f)
    with pytest.raises(SystemExit, match='index 3'):
        tool.main([base, str(other), '--out', str(out)])
