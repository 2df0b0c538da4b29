"""DATPLocalisationMetric: window_attention as a registered test metric."""
import numpy as np
import pytest
import torch
from mmaction.registry import METRICS
from mmaction.structures import ActionDataSample
from mmengine.evaluator import Evaluator

T = torch.linspace(0, 1, 6)  # 6 segments at t = 0, 0.2, ..., 1


def _sample(label: int, attention, window=None) -> ActionDataSample:
    sample = ActionDataSample().set_gt_label(label)
    sample.set_field(T[None], 'datp_times')  # 1 view
    sample.set_field(torch.as_tensor(attention)[None].float(),
                     'datp_attention')
    if window is not None:
        sample.set_metainfo(dict(key_window=window))
    return sample


def _samples(windows=(None, None)):
    return [
        # all attention on t = 0.2 and 0.4, inside [0.15, 0.45]
        _sample(0, [0, .5, .5, 0, 0, 0], windows[0]),
        # uniform attention: 2 of 6 segments inside [0.55, 0.85]
        _sample(1, torch.full((6, ), 1 / 6), windows[1]),
    ]


def test_registered_metric_reports_attention_on_the_window():
    evaluator = Evaluator(
        METRICS.build(
            dict(
                type='DATPLocalisationMetric',
                windows=[[0.15, 0.45], [0.55, 0.85]],
                labels=[0, 1])))
    evaluator.process(_samples())
    out = evaluator.evaluate(2)
    assert out['loc/key_attention'] == pytest.approx((1 + 2 / 6) / 2)
    assert out['loc/uniform_share'] == pytest.approx(2 / 6)
    assert out['loc/key_ratio'] == pytest.approx(2.0)


def test_windows_from_the_data_samples():
    metric = METRICS.build(dict(type='DATPLocalisationMetric'))
    metric.process({}, [s.to_dict() for s in
                        _samples(([0.15, 0.45], [0.0, 1.0]))])
    out = metric.evaluate(2)
    # the second window holds every segment: attention 1, share 1
    assert out['loc/key_attention'] == pytest.approx(1.0)
    assert out['loc/uniform_share'] == pytest.approx((2 / 6 + 1) / 2)


def test_bad_input():
    with pytest.raises(ValueError, match=r'windows\[0\]'):
        METRICS.build(dict(type='DATPLocalisationMetric', windows=[[1, 0]]))
    metric = METRICS.build(
        dict(type='DATPLocalisationMetric', windows=[[0, .2], [0, .2]],
             labels=[1, 1]))
    metric.process({}, [s.to_dict() for s in _samples()])
    with pytest.raises(ValueError, match='not in the order'):
        metric.evaluate(2)
    metric = METRICS.build(dict(type='DATPLocalisationMetric'))
    metric.process({}, [s.to_dict() for s in _samples()])
    with pytest.raises(ValueError, match='key_window'):
        metric.evaluate(2)
    with pytest.raises(ValueError, match='datp_attention'):
        metric.process({}, [dict(gt_label=np.array([0]))])
