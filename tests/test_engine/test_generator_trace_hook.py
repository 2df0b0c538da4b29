"""GeneratorTraceHook: per-epoch sigma / mu of the Gaussians over training."""
import json
import logging
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmaction.registry import HOOKS, MODELS

from mmdatp.evaluation import mean_trace, trace_section, trace_table

N, D, C = 10, 8, 3


def _head(generator=None, pooling='datp'):
    return MODELS.build(
        dict(type='DATPHead', num_classes=C, in_channels=D, num_segments=N,
             spatial_type=None, pooling=pooling, dropout_ratio=0.0,
             aux_net=dict(type='DATPFeatureAuxNet', num_fcs=1,
                          fc_channels=16),
             weight_generator=generator or dict(
                 type='MoGWeightGenerator', num_gaussians=2)))


def _runner(head, work_dir, epoch=0, it=0, resume=False):
    return SimpleNamespace(
        model=SimpleNamespace(cls_head=head), work_dir=str(work_dir),
        logger=logging.getLogger('test_trace'), _resume=resume, iter=it,
        epoch=epoch, rank=0)


def _expected(head, feats):
    with torch.no_grad():
        p = head.weight_generator.decode(head.aux_net(feats.view(-1, N, D)))
    share = p['rho'] / p['rho'].sum(1, keepdim=True)
    return (float((share * p['sigma']).sum(1).mean()),
            float(p['mu'].std(dim=0).mean()))


def test_trace_records_the_decoded_parameters_per_epoch(tmp_path):
    torch.manual_seed(0)
    head = _head()
    hook = HOOKS.build(dict(type='GeneratorTraceHook'))
    runner = _runner(head, tmp_path)
    hook.before_train(runner)
    head.train()
    batches = [torch.randn(4 * N, D) for _ in range(2)]
    for batch in batches:
        head(batch)
    hook.after_train_iter(runner, 0)
    head.eval()
    head(torch.randn(4 * N, D) * 10)  # eval passes are not traced
    hook.after_train_epoch(runner)
    records = json.load(open(osp.join(tmp_path, 'generator_trace.json')))
    assert [r['epoch'] for r in records] == [0, 1]
    sigma0, spread0 = _expected(head, batches[0])
    assert records[0]['sigma_weighted'] == pytest.approx(sigma0, rel=1e-5)
    assert records[0]['mu_std'] == pytest.approx(spread0, rel=1e-5)
    sigma, spread = _expected(head, torch.cat(batches))
    assert records[1]['sigma_weighted'] == pytest.approx(sigma, rel=1e-5)
    assert records[1]['mu_std'] == pytest.approx(spread, rel=1e-5)
    assert records[1]['mu_std'] > 0  # the aux net sees different inputs
    hook.after_train(runner)
    head.train()
    head(torch.randn(4 * N, D))  # after training: hook removed
    assert hook._epoch == []


def test_resume_keeps_the_finished_epochs(tmp_path):
    path = osp.join(tmp_path, 'generator_trace.json')
    old = [dict(epoch=e, sigma_weighted=0.3, sigma_mean=0.3,
                sigma_median=0.3, mu_mean=0.5, mu_std=0.0) for e in range(4)]
    json.dump(old, open(path, 'w'))
    head = _head()
    hook = HOOKS.build(dict(type='GeneratorTraceHook'))
    # two epochs were finished and checkpointed; epoch 3 was lost
    runner = _runner(head, tmp_path, epoch=2, it=8, resume=True)
    hook.before_train(runner)
    head.train()
    head(torch.randn(2 * N, D))
    hook.after_train_epoch(runner)
    records = json.load(open(path))
    assert [r['epoch'] for r in records] == [0, 1, 2, 3]
    assert records[-1]['sigma_weighted'] != 0.3  # epoch 3 is the new one


@pytest.mark.parametrize('kind', ['avg', 'discrete'])
def test_nothing_is_traced_without_gaussians(tmp_path, kind):
    head = _head(dict(type='DiscreteWeightGenerator', num_segments=N)) \
        if kind == 'discrete' else _head(pooling='avg')
    hook = HOOKS.build(dict(type='GeneratorTraceHook'))
    runner = _runner(head, tmp_path)
    hook.before_train(runner)
    head.train()
    head(torch.randn(2 * N, D))
    hook.after_train_epoch(runner)
    assert not osp.exists(osp.join(tmp_path, 'generator_trace.json'))


def test_trace_table_means_over_seeds():
    seed0 = [dict(epoch=0, sigma_weighted=0.4, mu_std=0.0),
             dict(epoch=1, sigma_weighted=0.2, mu_std=0.1)]
    seed1 = [dict(epoch=0, sigma_weighted=0.2, mu_std=0.0),
             dict(epoch=1, sigma_weighted=0.1, mu_std=0.3)]
    assert mean_trace([seed0, seed1], 'sigma_weighted') == \
        pytest.approx({0: 0.3, 1: 0.15})
    table = trace_table({'K=2': [seed0, seed1], 'K=1': [[], []]})
    lines = table.splitlines()
    assert lines[0] == '| epoch | K=2: sigma | K=2: mu spread |'
    assert lines[2] == '| 0 (start) | 0.300 | 0.000 |'
    assert lines[3] == '| 1 | 0.150 | 0.200 |'
    assert trace_table({'K=2': [[]]}) == ''
    with pytest.raises(ValueError, match='lacks "epoch"'):
        mean_trace([[dict(sigma_weighted=1.0)]], 'sigma_weighted')


def test_trace_section_picks_each_models_traces_by_name():
    runs = [dict(trace=dict(k2=[dict(epoch=0, sigma_weighted=0.4,
                                     mu_std=0.0)])),
            dict(trace=dict(k2=[dict(epoch=0, sigma_weighted=0.2,
                                     mu_std=0.2)])), dict()]
    text = trace_section(runs, dict(k2='K=2', k1='K=1'), 'the start')
    assert text.startswith('\n\nSigma over training')
    assert 'epoch 0 is the start):' in text
    assert text.endswith('| 0 (start) | 0.300 | 0.100 |')
    assert 'K=1' not in text  # no run traced it
    assert trace_section(runs, dict(k1='K=1')) == ''
