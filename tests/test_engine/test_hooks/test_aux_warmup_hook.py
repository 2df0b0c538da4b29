"""AuxWarmupHook and scale_grad: the aux net learns alone first."""
import copy
from types import SimpleNamespace

import pytest
import torch
from mmaction.registry import HOOKS, MODELS
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmdatp.apis import setup_train_cfg
from mmdatp.models.grad_scale import scale_grad

N, D, C = 4, 16, 3


def test_scale_grad_keeps_values_and_scales_gradients():
    x = torch.randn(5, 3, requires_grad=True)
    w = torch.randn(5, 3)
    for factor in (0.0, 0.25, 1.0):
        x.grad = None
        y = scale_grad(x, factor)
        assert torch.equal(y, x)
        (y * w).sum().backward()
        assert torch.allclose(x.grad, factor * w)  # zeros, not None, at 0


def _head():
    return MODELS.build(
        dict(type='DATPHead', num_classes=C, in_channels=D, num_segments=N,
             spatial_type=None, dropout_ratio=0.0,
             aux_net=dict(type='DATPFeatureAuxNet', num_fcs=2,
                          fc_channels=8),
             weight_generator=dict(type='MoGWeightGenerator',
                                   num_gaussians=2)))


def _grads(head, x, labels, scale):
    head.zero_grad()
    x = x.clone().requires_grad_(True)
    head.classifier_grad_scale = scale
    torch.nn.functional.cross_entropy(head(x), labels).backward()
    return x.grad, {k: p.grad.clone() for k, p in head.named_parameters()}


def test_head_scale_zero_trains_only_the_aux_net():
    torch.manual_seed(0)
    head = _head()
    head.init_weights()
    with torch.no_grad():  # the regressor reads its input (zero at init)
        head.aux_net.regressor.weight.normal_(0, 0.5)
    head.train()
    x, labels = torch.randn(2 * N, D), torch.tensor([0, 2])
    x_grad0, grads0 = _grads(head, x, labels, 0.0)
    x_grad1, grads1 = _grads(head, x, labels, 1.0)
    assert torch.count_nonzero(x_grad0) == 0 and x_grad1.abs().sum() > 0
    for name in ('fc_cls.weight', 'fc_cls.bias'):
        assert torch.count_nonzero(grads0[name]) == 0
        assert grads1[name].abs().sum() > 0
    aux = [k for k in grads0 if k.startswith('aux_net.')]
    assert aux and any(grads0[k].abs().sum() > 0 for k in aux)
    for k in aux:  # the aux net's own gradients are not scaled
        assert torch.allclose(grads0[k], grads1[k], atol=1e-7), k
    head.eval()  # testing ignores it
    head.classifier_grad_scale = 0.0
    x = x.clone().requires_grad_(True)
    head(x).sum().backward()
    assert x.grad.abs().sum() > 0


@pytest.mark.parametrize('kwargs', [
    dict(), dict(epochs=1, ratio=0.5), dict(epochs=-1), dict(epochs=1.5),
    dict(epochs=True), dict(ratio=1), dict(ratio=-0.1), dict(ratio='0.3')
])
def test_hook_refuses_bad_arguments(kwargs):
    with pytest.raises(ValueError, match='AuxWarmupHook'):
        HOOKS.build(dict(type='AuxWarmupHook', **kwargs))


def test_hook_needs_a_datp_head():
    runner = SimpleNamespace(model=SimpleNamespace(cls_head=torch.nn.Linear(
        2, 2)), epoch=0, iter=0, max_iters=10)
    with pytest.raises(TypeError, match='DATPHead'):
        HOOKS.build(dict(type='AuxWarmupHook', epochs=1)).before_train_iter(
            runner, 0)


@pytest.mark.parametrize('kwargs, warm_iters', [
    (dict(epochs=2), 6), (dict(ratio=1 / 3), 6), (dict(ratio=0.1), 2),
    (dict(epochs=0), 0)
])
def test_warmup_covers_the_first_iterations(kwargs, warm_iters):
    head = SimpleNamespace(classifier_grad_scale=1.0)
    hook = HOOKS.build(dict(type='AuxWarmupHook', **kwargs))
    scales = []
    for it in range(18):  # 6 epochs of 3 iterations
        runner = SimpleNamespace(model=SimpleNamespace(cls_head=head),
                                 epoch=it // 3, iter=it, max_iters=18)
        hook.before_train_iter(runner, it % 3)
        scales.append(head.classifier_grad_scale)
    assert scales == [0.0] * warm_iters + [1.0] * (18 - warm_iters)
    head.classifier_grad_scale = 0.0
    hook.after_train(runner)
    assert head.classifier_grad_scale == 1.0


class _Snapshots(Hook):
    """The model's parameters after every training epoch."""

    priority = 'LOWEST'

    def __init__(self):
        self.states = []

    def before_train(self, runner):
        self.states.append(copy.deepcopy(runner.model.state_dict()))

    def after_train_epoch(self, runner):
        self.states.append(copy.deepcopy(runner.model.state_dict()))


@pytest.mark.parametrize('warmup', [dict(epochs=1), dict(ratio=0.5)])
def test_training_run_freezes_all_but_the_aux_net_for_the_warmup(
        warmup, tmp_path, make_synthetic_data, make_synthetic_cfg):
    root = str(tmp_path / 'data')
    make_synthetic_data(root, train_per_class=4, val_per_class=1,
                        test_per_class=1, num_frames=20, key_len=20, seed=1)
    cfg = make_synthetic_cfg(root, batch_size=4, max_epochs=2)
    cfg.optim_wrapper.optimizer.weight_decay = 0  # only gradients move
    cfg.custom_hooks = [dict(type='AuxWarmupHook', **warmup)]
    setup_train_cfg(cfg, work_dir=str(tmp_path / 'work'), seed=0,
                    no_validate=True)
    runner = Runner.from_cfg(cfg)
    snapshots = _Snapshots()
    runner.register_hook(snapshots)
    runner.train()
    start, warm, end = snapshots.states
    for key, value in start.items():
        if 'running_' in key or 'num_batches_tracked' in key:
            continue  # BN statistics still move in train mode
        moved_warm = not torch.equal(value, warm[key])
        moved_after = not torch.equal(warm[key], end[key])
        if key.startswith('cls_head.aux_net.'):
            assert moved_warm, key
        else:  # backbone and classifier: frozen, then trained
            assert not moved_warm, key
            assert moved_after or 'fc_cls' not in key, key
    assert any(not torch.equal(warm[k], end[k]) for k in warm
               if k.startswith('backbone.') and 'running_' not in k)
    assert runner.model.cls_head.classifier_grad_scale == 1.0
