"""Stack fixes 7 and 8: mmaction2 1.2.0's transforms and metrics run under
the installed NumPy (2.x), and the fixes apply only where their defect is.
"""
import cv2
import numpy as np
import pytest
from mmaction.datasets.transforms.processing import ColorJitter
from mmaction.evaluation.functional import average_recall_at_avg_proposals
from mmaction.evaluation.metrics.multimodal_metric import RetrievalRecall
from mmaction.registry import TRANSFORMS

from mmdatp import compat
from mmdatp.compat import numpy2_hue, numpy2_names

NUMPY2 = int(np.__version__.split('.')[0]) >= 2


def test_defects_are_detected_on_this_numpy():
    """The checks report what the installed numpy does, not a version."""
    assert numpy2_names.numpy2_names_defect() == (not hasattr(np, 'Inf'))
    assert numpy2_names.numpy2_names_defect() == NUMPY2
    assert numpy2_hue.color_jitter_hue_defect() == NUMPY2
    if NUMPY2:
        with pytest.raises(OverflowError):  # the defect itself
            np.zeros(1, np.uint8) + (-25)


def test_pose_compact_runs():
    """Before (NumPy 2): AttributeError: `np.Inf` was removed."""
    keypoint = np.zeros((1, 2, 3, 2), np.float32)  # M, T, V, C
    keypoint[0, 0] = [[10, 20], [30, 40], [0, 0]]  # (0, 0): missing joint
    keypoint[0, 1] = [[12, 22], [28, 38], [14, 24]]
    t = TRANSFORMS.build(
        dict(type='PoseCompact', padding=0, threshold=0, hw_ratio=None))
    results = t(dict(keypoint=keypoint.copy(), img_shape=(100, 100)))
    # the box of the non-zero joints: x 10..30, y 20..40
    assert results['img_shape'] == (20, 20)
    np.testing.assert_allclose(results['keypoint'][0, 0, 0], [0, 0])
    np.testing.assert_allclose(results['keypoint'][0, 0, 1], [20, 20])


def test_proposal_auc_and_retrieval_recall_run():
    """Before: AttributeError for np.trapz and np.in1d."""
    gt = {'v': np.array([[0., 10.]])}
    proposals = {'v': np.array([[0., 10., 0.9], [20., 30., 0.5]])}
    recall, avg_recall, per_video, auc = average_recall_at_avg_proposals(
        gt, proposals, 2, max_avg_proposals=2)
    assert np.all(recall[:, -1] == 1)  # all proposals: the GT is among them
    assert auc == pytest.approx(
        100 * np.trapezoid(avg_recall, per_video) / per_video[-1])
    pred = np.array([[0.1, 0.9, 0.0], [0.8, 0.1, 0.1]])
    target = np.array([[0, 1, 0], [0, 0, 1]])
    top1, top3 = RetrievalRecall.calculate(pred, target, topk=(1, 3))
    assert float(top1) == pytest.approx(50.0)  # 2nd sample missed at top-1
    assert float(top3) == pytest.approx(100.0)


@pytest.mark.parametrize('hue', [-0.1, 0.1])
def test_color_jitter_hue_shift(hue):
    """Before (NumPy 2): OverflowError for every negative hue shift."""
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (6, 6, 3), dtype=np.uint8)
    t = ColorJitter(brightness=0, contrast=0, saturation=0, hue=(hue, hue))
    out = t(dict(imgs=[img.copy()]))['imgs'][0]
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV).astype(np.int64)
    hsv[..., 0] = (hsv[..., 0] + int(hue * 255)) % 180
    expected = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)
    np.testing.assert_array_equal(out, expected)


def test_fixes_not_applied_without_their_defect(monkeypatch):
    """On a numpy without the defects (NumPy 1), nothing is touched."""
    adjust_hue = ColorJitter.__dict__['adjust_hue']
    import mmaction.utils.misc as misc
    before = misc.np
    monkeypatch.setattr(numpy2_names, 'numpy2_names_defect', lambda: False)
    monkeypatch.setattr(numpy2_hue, 'color_jitter_hue_defect', lambda: False)
    assert compat.apply_numpy2_fixes() == dict(
        numpy2_names=False, color_jitter_hue=False)
    assert ColorJitter.__dict__['adjust_hue'] is adjust_hue
    assert misc.np is before
    # the names the installed numpy has are numpy's own
    view = numpy2_names.NumpyWithRemovedNames()
    assert view.ndarray is np.ndarray and view.inf == np.inf
    if NUMPY2:
        assert view.Inf == np.inf and view.trapz is np.trapezoid
