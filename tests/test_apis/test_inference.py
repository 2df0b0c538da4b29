"""top_k_classes and key_segments: what tools/demo.py prints."""
import numpy as np
import pytest
from mmdatp.apis import key_segments, top_k_classes


def test_top_k_classes_order_and_names():
    scores = np.array([0.1, 0.4, 0.05, 0.3, 0.15])
    top = top_k_classes(scores, 3, ['a', 'b', 'c', 'd', 'e'])
    assert [c['label'] for c in top] == [1, 3, 4]
    assert [c['name'] for c in top] == ['b', 'd', 'e']
    assert top[0]['score'] == pytest.approx(0.4)
    # k beyond C is clipped; no names gives None
    assert len(top_k_classes(scores, 10)) == 5
    assert top_k_classes(scores, 1)[0]['name'] is None


def test_top_k_classes_bad_input():
    with pytest.raises(ValueError, match='2 class names'):
        top_k_classes(np.ones(3), 1, ['a', 'b'])
    with pytest.raises(ValueError, match='k must be'):
        top_k_classes(np.ones(3), 0)


def test_key_segments_peaks_in_seconds():
    w = np.array([0.1, 0.5, 0.2, 0.2, 0.9, 0.3])
    frames = np.array([5, 15, 25, 35, 45, 55])
    peaks = key_segments(w, frames, fps=10.0, num=3)
    # local maxima at 1 and 4; 4 is stronger
    assert [p['segment'] for p in peaks] == [4, 1]
    assert peaks[0]['frame'] == 45
    assert peaks[0]['time_s'] == pytest.approx(4.5)
    assert peaks[0]['attention'] == pytest.approx(0.9 / w.sum())
    assert len(key_segments(w, frames, 10.0, num=1)) == 1
    assert key_segments(w, frames, None)[0]['time_s'] is None


def test_key_segments_plateau_and_uniform():
    frames = np.arange(5)
    # a plateau counts once, at its start
    peaks = key_segments(np.array([0., 1., 1., 0.5, 0.]), frames, 1.0)
    assert [p['segment'] for p in peaks] == [1]
    # uniform weights (average pooling) have no key segment
    assert key_segments(np.full(5, 0.2), frames, 1.0) == []


def test_key_segments_bad_input():
    with pytest.raises(ValueError, match='same'):
        key_segments(np.ones(3), np.arange(4), 1.0)
    with pytest.raises(ValueError, match='finite'):
        key_segments(np.array([1., np.nan]), np.arange(2), 1.0)
    with pytest.raises(ValueError, match='fps'):
        key_segments(np.array([1., 2.]), np.arange(2), 0.0)
