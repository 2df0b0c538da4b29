"""Attention of DATP's weights on known key windows (closed forms)."""
import numpy as np
import pytest
from mmdatp.evaluation import localisation_table, window_attention


def _preds():
    t = np.arange(0, 11, 2) / 10  # 6 segments at t = 0, 0.2, ..., 1
    return [
        # all attention on t=0.2, 0.4, inside [0.2, 0.4]
        dict(gt_label=0, datp_times=t, datp_attention=np.array(
            [0, .5, .5, 0, 0, 0]), datp_rho=np.array([1.]),
             datp_mu=np.array([.3]), datp_sigma=np.array([.1])),
        # uniform attention, 2 of 6 segments inside [0.6, 0.8]
        dict(gt_label=1, datp_times=t, datp_attention=np.full(6, 1 / 6),
             datp_rho=np.array([1.]), datp_mu=np.array([.7]),
             datp_sigma=np.array([.3]))
    ]


def test_window_attention_closed_forms():
    windows, labels = [(0.2, 0.4), (0.6, 0.8)], [0, 1]
    loc = window_attention(_preds(), windows, labels)
    assert loc['key_attention'] == pytest.approx((1 + 2 / 6) / 2)
    assert loc['uniform_share'] == pytest.approx(2 / 6)
    assert loc['key_ratio'] == pytest.approx(((1 + 2 / 6) / 2) / (2 / 6))
    assert loc['mu_corr'] == pytest.approx(1.0)
    assert loc['sigma'] == pytest.approx(0.2)
    # uniform attention everywhere is exactly the uniform share (ratio 1)
    flat = [dict(p, datp_attention=np.full(6, 1 / 6)) for p in _preds()]
    assert window_attention(flat, windows, labels)['key_ratio'] == \
        pytest.approx(1.0)


def test_multi_view_attention_is_averaged_over_views():
    t = np.tile(np.linspace(0, 1, 4), (2, 1))  # 2 views of 4 segments
    att = np.array([[1, 0, 0, 0], [0, 0, 0, 1.]])
    loc = window_attention([dict(gt_label=0, datp_times=t,
                                 datp_attention=att)], [(0, 0.1)], [0])
    assert loc['key_attention'] == pytest.approx(0.5)
    assert 'mu_corr' not in loc  # discrete weights: no Gaussians


def test_refuses_mismatched_input():
    preds = _preds()
    with pytest.raises(ValueError, match='order'):
        window_attention(preds, [(0.2, 0.4), (0.6, 0.8)], [1, 1])
    with pytest.raises(ValueError, match='one of each'):
        window_attention(preds, [(0.2, 0.4)], [0, 1])
    del preds[0]['datp_attention']
    with pytest.raises(ValueError, match='datp_attention'):
        window_attention(preds, [(0.2, 0.4), (0.6, 0.8)], [0, 1])


def test_localisation_table_averages_seeds():
    runs = [{'K=2': dict(key_attention=0.8, uniform_share=0.2,
                         key_ratio=4.0, mu_corr=float('nan'), sigma=0.1)},
            {'K=2': dict(key_attention=0.6, uniform_share=0.2,
                         key_ratio=3.0, mu_corr=float('nan'), sigma=0.3),
             'discrete': dict(key_attention=1.0, uniform_share=0.2,
                              key_ratio=5.0)}]
    lines = localisation_table(runs).splitlines()
    assert lines[2] == '| K=2 | 0.70 | 0.20 | 3.50 | - | 0.20 |'
    assert lines[3] == '| discrete | 1.00 | 0.20 | 5.00 | - | - |'


def test_oracle_pools_only_the_key_segments():
    from mmdatp.evaluation import oracle_accuracy
    t = np.arange(0, 11, 2) / 10  # 6 segments at t = 0, 0.2, ..., 1
    # segments 1-2 say class 0, the other 4 class 1: the mean says 1, the
    # key window [0.2, 0.4] says 0
    scores = np.array([[.1, .9]] + [[.8, .2]] * 2 + [[.1, .9]] * 3)
    assert scores.mean(0).argmax() == 1
    pred = dict(gt_label=0, datp_times=t, segment_scores=scores)
    assert oracle_accuracy([pred], [(0.2, 0.4)], [0]) == 1.0
    assert oracle_accuracy([dict(pred, gt_label=1)], [(0.6, 1.0)], [1]) == 1.0
    # a window between two segments takes the one nearest its centre
    assert oracle_accuracy([pred], [(0.21, 0.25)], [0]) == 1.0
    assert oracle_accuracy([pred], [(0.05, 0.09)], [0]) == 0.0
    # views: segment scores (V, N, C) are pooled per view, then averaged
    two = dict(gt_label=0, datp_times=np.stack([t, t]),
               segment_scores=np.stack([scores, scores[::-1]]))
    assert oracle_accuracy([two], [(0.2, 0.4)], [0]) == 0.0
    with pytest.raises(ValueError, match='order'):
        oracle_accuracy([pred], [(0.2, 0.4)], [1])
    with pytest.raises(ValueError, match='segment_scores'):
        oracle_accuracy([dict(gt_label=0, datp_times=t)], [(0, 1)], [0])
