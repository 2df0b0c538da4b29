"""Result pickles: loading, accuracies and the paper's late fusion (Sec. 4.2).

The two streams below are hand-made so that every answer is known:
4 videos, 6 classes, labels [0, 1, 2, 2].

RGB:  v0, v1 right; v2's true class has the lowest score (rank 6, missed
      even by top-5); v3's true class is second.
      top-1 2/4, top-5 3/4, per class (1, 1, 0) -> mean 2/3.
Flow: v0 second, v1 right, v2 right, v3 second.
      top-1 2/4, top-5 4/4, per class (0, 1, 1/2) -> mean 1/2.
Fused 1 * RGB + 1.5 * flow gets all four right (flow fixes v2, RGB fixes v0
and v3); with weights 1 and 1, v2 stays wrong (0.55 + 0.05 > 0.02 + 0.50).
"""
import importlib.util
import os
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmdatp.evaluation import (accuracy_report, check_labels_match,
                               fuse_scores, load_results, per_class_accuracy,
                               save_results)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FUSE_TOOL = osp.join(REPO, 'tools', 'fuse_results.py')

LABELS = [0, 1, 2, 2]
RGB = [
    [.50, .10, .10, .10, .10, .10],
    [.10, .50, .10, .10, .10, .10],
    [.55, .20, .02, .08, .08, .07],
    [.40, .05, .35, .10, .05, .05],
]
FLOW = [
    [.30, .40, .10, .10, .05, .05],
    [.05, .60, .05, .10, .10, .10],
    [.05, .05, .50, .20, .10, .10],
    [.10, .05, .30, .45, .05, .05],
]


def write_results(path, scores, labels, as_numpy=False, s_sum=1.0):
    """Write a --dump style pickle (torch tensors, or numpy if asked).

    ``pooled_score`` (1 view) is S = ``s_sum * pred_score``: its entries sum
    to ``sum w / ||w||``, 1 for one-hot weights, sqrt(N) for uniform ones.
    """
    results = []
    for score, label in zip(scores, labels):
        score = torch.tensor(score, dtype=torch.float32)
        item = dict(
            pred_score=score,
            pred_label=score.argmax(keepdim=True),
            gt_label=torch.tensor([label]),
            pooled_score=(s_sum * score).unsqueeze(0),
            datp_weights=torch.rand(1, 3))
        if as_numpy:
            item = {k: v.numpy() for k, v in item.items()}
        results.append(item)
    with open(path, 'wb') as f:
        pickle.dump(results, f)
    return str(path)


def _load_tool(path):
    spec = importlib.util.spec_from_file_location(
        'tool_' + osp.basename(path)[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('as_numpy', [False, True])
def test_load_results_torch_and_numpy(tmp_path, as_numpy):
    path = write_results(tmp_path / 'r.pkl', RGB, LABELS, as_numpy)
    scores, labels = load_results(path)
    assert scores.dtype == np.float64 and scores.shape == (4, 6)
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, LABELS)
    np.testing.assert_allclose(scores, RGB, rtol=1e-6)


def test_load_results_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.pkl'):
        load_results(str(tmp_path / 'missing.pkl'))

    garbage = tmp_path / 'garbage.pkl'
    garbage.write_bytes(b'not a pickle')
    with pytest.raises(ValueError, match='garbage.pkl.*unpickle'):
        load_results(str(garbage))

    as_dict = tmp_path / 'dict.pkl'
    as_dict.write_bytes(pickle.dumps({'pred_score': [1.0]}))
    with pytest.raises(ValueError, match='dict.pkl.*list of dicts.*dict'):
        load_results(str(as_dict))

    not_dicts = tmp_path / 'ints.pkl'
    not_dicts.write_bytes(pickle.dumps([1, 2]))
    with pytest.raises(ValueError, match='ints.pkl: entry 0 should be a dict'):
        load_results(str(not_dicts))

    path = write_results(tmp_path / 'nolabel.pkl', RGB, LABELS)
    with open(path, 'rb') as f:
        results = pickle.load(f)
    del results[2]['gt_label']
    with open(path, 'wb') as f:
        pickle.dump(results, f)
    with pytest.raises(ValueError,
                       match="nolabel.pkl: entry 2 has no 'gt_label'"):
        load_results(path)

    results[2]['gt_label'] = torch.tensor([1])
    del results[3]['pred_score']
    with open(path, 'wb') as f:
        pickle.dump(results, f)
    with pytest.raises(ValueError, match="entry 3 has no 'pred_score'"):
        load_results(path)

    ragged = write_results(tmp_path / 'ragged.pkl', [[.5, .5], [.2, .3, .5]],
                           [0, 1])
    with pytest.raises(ValueError, match=r'entry 1 .*\(3,\).*\(2,\)'):
        load_results(ragged)


def test_accuracy_report_by_hand():
    rgb = accuracy_report(np.array(RGB), np.array(LABELS))
    assert rgb == pytest.approx(
        dict(top1=2 / 4, top5=3 / 4, mean_class_acc=2 / 3))
    flow = accuracy_report(np.array(FLOW), np.array(LABELS), topk=(1, 2, 5))
    assert flow == pytest.approx(
        dict(top1=2 / 4, top2=4 / 4, top5=4 / 4, mean_class_acc=1 / 2))
    # Ties go to the lower class index, like argmax.
    tie = np.full((3, 2), .5)
    report = accuracy_report(tie, np.array([0, 1, 0]), topk=(1, ))
    assert report['top1'] == pytest.approx(2 / 3)


def test_per_class_accuracy_nan_for_absent_classes():
    acc = per_class_accuracy(np.array(RGB), np.array(LABELS), num_classes=8)
    np.testing.assert_array_equal(acc[:3], [1.0, 1.0, 0.0])
    assert acc.shape == (8, ) and np.isnan(acc[3:]).all()
    with pytest.raises(ValueError, match='labels must lie in'):
        per_class_accuracy(np.array(RGB), np.array([0, 1, 2, 6]))


def test_paper_fusion_fixes_each_streams_mistakes():
    labels = np.array(LABELS)
    fused = fuse_scores([np.array(RGB), np.array(FLOW)], [1, 1.5])
    # v3 by hand: class 2: .35 + 1.5 * .30 = .80 beats class 3: .10 + .675
    assert fused[3, 2] == pytest.approx(0.80)
    assert fused[3, 3] == pytest.approx(0.775)
    assert fused.argmax(1).tolist() == LABELS
    assert accuracy_report(fused, labels) == pytest.approx(
        dict(top1=1.0, top5=1.0, mean_class_acc=1.0))
    # Equal weights leave v2 wrong: the temporal weight 1.5 matters here.
    equal = fuse_scores([np.array(RGB), np.array(FLOW)], [1, 1])
    assert accuracy_report(equal, labels)['top1'] == 0.75


def test_fusion_and_label_mismatches():
    rgb, flow = np.array(RGB), np.array(FLOW)
    with pytest.raises(ValueError, match=r'\(4, 6\).*\(3, 6\)'):
        fuse_scores([rgb, flow[:3]], [1, 1.5])
    with pytest.raises(ValueError, match=r'\(4, 6\).*\(4, 5\)'):
        fuse_scores([rgb, flow[:, :5]], [1, 1.5])
    with pytest.raises(ValueError, match='2 score arrays but 3 weights'):
        fuse_scores([rgb, flow], [1, 1.5, 2])
    with pytest.raises(ValueError, match='non-negative'):
        fuse_scores([rgb, flow], [1, -1])

    check_labels_match([np.array(LABELS), np.array(LABELS)])
    with pytest.raises(ValueError, match='index 2: a.pkl has 2, b.pkl has 0'):
        check_labels_match(
            [np.array(LABELS), np.array([0, 1, 0, 1])],
            names=['a.pkl', 'b.pkl'])
    with pytest.raises(ValueError, match='b.pkl has 3 videos but a.pkl has 4'):
        check_labels_match(
            [np.array(LABELS), np.array(LABELS[:3])],
            names=['a.pkl', 'b.pkl'])


def test_save_results_round_trip(tmp_path):
    fused = fuse_scores([np.array(RGB), np.array(FLOW)], [1, 1.5])
    out = str(tmp_path / 'sub' / 'fused.pkl')
    save_results(out, fused, np.array(LABELS))
    assert os.listdir(tmp_path / 'sub') == ['fused.pkl']  # no temp left
    with open(out, 'rb') as f:
        raw = pickle.load(f)
    assert torch.is_tensor(raw[0]['pred_score'])
    assert raw[0]['gt_label'].shape == (1, )
    scores, labels = load_results(out)
    np.testing.assert_array_equal(scores, fused)
    np.testing.assert_array_equal(labels, LABELS)
    with pytest.raises(ValueError, match='.pkl or .pickle'):
        save_results(str(tmp_path / 'fused.txt'), fused, np.array(LABELS))


@pytest.mark.parametrize('fuse_on', ['pooled', 'normalised'])
def test_fuse_results_cli(tmp_path, fuse_on):
    """The paper fuses S (default); S / sum S is the option. RGB with
    uniform weights over N=10 (sum S = sqrt(10)) then outweighs flow with
    one-hot weights (sum S = 1) and video 2 flips to RGB's wrong class."""
    rgb = write_results(tmp_path / 'rgb.pkl', RGB, LABELS, s_sum=10**0.5)
    flow = write_results(tmp_path / 'flow.pkl', FLOW, LABELS, as_numpy=True)
    out = str(tmp_path / 'fused.pkl')
    extra = [] if fuse_on == 'pooled' else ['--fuse-on', fuse_on]
    proc = subprocess.run(
        [sys.executable, FUSE_TOOL, rgb, flow, '--names', 'rgb', 'flow',
         '--out', out] + extra,
        capture_output=True,
        text=True,
        timeout=120)
    assert proc.returncode == 0, proc.stderr
    rows = {
        line.split()[0]: line.split()[1:]
        for line in proc.stdout.splitlines() if line.strip()
    }
    # weight, top-1, top-5, mean class accuracy (%), all hand-computed
    assert rows['rgb'] == ['1', '50.00', '75.00', '66.67']
    assert rows['flow'] == ['1.5', '50.00', '100.00', '50.00']
    scores, labels = load_results(out)
    if fuse_on == 'pooled':
        # by hand: video 2, class 0: 3.162 * .55 + 1.5 * .05 = 1.81 beats
        # class 2: 3.162 * .02 + 1.5 * .5 = 0.81
        assert rows['fused'] == ['-', '75.00', '100.00', '83.33']
        expected = 10**0.5 * np.array(RGB) + 1.5 * np.array(FLOW)
    else:
        assert rows['fused'] == ['-', '100.00', '100.00', '100.00']
        expected = np.array(RGB) + 1.5 * np.array(FLOW)
    np.testing.assert_allclose(scores, expected, rtol=1e-6)
    np.testing.assert_array_equal(labels, LABELS)


def test_fuse_results_cli_errors(tmp_path, capsys):
    tool = _load_tool(FUSE_TOOL)
    rgb = write_results(tmp_path / 'rgb.pkl', RGB, LABELS)
    other = write_results(tmp_path / 'other.pkl', FLOW, [0, 1, 2, 3])
    with pytest.raises(SystemExit, match='index 3.*rgb.pkl has 2.*other.pkl '
                       'has 3'):
        tool.main([rgb, other])
    with pytest.raises(SystemExit):  # three files need --weights
        tool.main([rgb, rgb, rgb])
    assert '--weights is required for 3' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        tool.main([rgb, rgb, '--weights', '1'])
    assert 'got 1 --weights for 2' in capsys.readouterr().err
    # Weights given for three streams: 1 + 1 + 2 of the same scores.
    tool.main([rgb, rgb, rgb, '--weights', '1', '1', '2'])
    assert 'fused = 1 * 0:rgb + 1 * 1:rgb + 2 * 2:rgb' in \
        capsys.readouterr().out


def test_same_as_mmaction_functional_without_ties():
    from mmaction.evaluation.functional import (mean_class_accuracy,
                                                top_k_accuracy)
    rng = np.random.default_rng(0)
    scores = rng.random((300, 7))
    labels = np.arange(300) % 7
    ours = accuracy_report(scores, labels, topk=(1, 3, 5))
    theirs = top_k_accuracy(scores, labels, (1, 3, 5))
    assert [ours[f'top{k}'] for k in (1, 3, 5)] == pytest.approx(theirs)
    assert ours['mean_class_acc'] == pytest.approx(
        mean_class_accuracy(scores, labels))


def test_where_mmaction_functional_differs():
    from mmaction.evaluation.functional import (mean_class_accuracy,
                                                top_k_accuracy)
    # tied scores: argmax takes class 0 (2 of 4 right), MMAction2 class 2
    tied, labels = np.full((4, 3), 1 / 3), np.array([0, 0, 2, 1])
    assert accuracy_report(tied, labels, (1, ))['top1'] == 0.5
    assert top_k_accuracy(tied, labels, (1, )) == [0.25]
    # class 2 is predicted once but has no test video: MMAction2 averages
    # it in as 0, (1 + 2/3 + 0) / 3; we average classes 0 and 1 only
    scores, labels = np.eye(3)[[0, 1, 1, 2]], np.array([0, 1, 1, 1])
    assert accuracy_report(scores, labels, (1, ))['mean_class_acc'] == \
        pytest.approx((1 + 2 / 3) / 2)
    assert mean_class_accuracy(scores, labels) == pytest.approx(5 / 9)


def test_pooled_scores_average_the_views_and_are_required(tmp_path):
    path = str(tmp_path / 'views.pkl')
    # 1 video, 3 views
    pooled = np.array([[[1.0, 3.0], [3.0, 1.0], [2.0, 8.0]]])
    save_results(path, np.array([[0.4, 0.6]]), np.array([1]), pooled)
    scores, _ = load_results(path, 'pooled_score')
    np.testing.assert_allclose(scores, [[2.0, 4.0]])
    tsn = write_results(tmp_path / 'tsn.pkl', RGB, LABELS)
    with open(tsn, 'rb') as f:
        items = pickle.load(f)
    for item in items:
        del item['pooled_score']
    with open(tsn, 'wb') as f:
        pickle.dump(items, f)
    with pytest.raises(ValueError, match="no 'pooled_score'.*--fuse-on "
                       'normalised'):
        load_results(tsn, 'pooled_score')
