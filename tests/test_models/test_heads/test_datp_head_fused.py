"""DATPHead(fused=True): the same scores, losses and gradients as the
unfused head, for both aux nets, both score modes and several views."""
import copy

import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

C, N, B, D = 6, 5, 3, 16


def build_heads(aux='DATPConvAuxNet', score_mode='mixture', max_sigma=None,
                dtype=torch.float64):
    aux_net = dict(type=aux)
    if aux == 'DATPConvAuxNet':
        aux_net['spatial_size'] = 2
    cfg = dict(
        type='DATPHead',
        num_classes=C,
        in_channels=D,
        num_segments=N,
        aux_net=aux_net,
        weight_generator=dict(
            type='MoGWeightGenerator', num_gaussians=2, max_sigma=max_sigma),
        score_mode=score_mode,
        dropout_ratio=0.0)
    torch.manual_seed(0)
    head = MODELS.build(cfg)
    head.init_weights()
    with torch.no_grad():  # weights that vary per video
        head.aux_net.regressor.weight.normal_(0, 0.3)
        head.fc_cls.weight.normal_(0, 1.0)
    fused = MODELS.build(dict(cfg, fused=True))
    fused.load_state_dict(head.state_dict())
    return head.to(dtype), fused.to(dtype)


def _grads(head, x, times, views):
    x = x.clone().requires_grad_()
    score = head(x, N * views, times=times)
    g = torch.randn(score.shape, generator=torch.Generator().manual_seed(1),
                    dtype=score.dtype)
    params = [p for p in head.parameters()]
    grads = torch.autograd.grad(score, [x] + params, g)
    return (score, ) + grads


@pytest.mark.parametrize('aux', ['DATPConvAuxNet', 'DATPScoreAuxNet'])
@pytest.mark.parametrize('score_mode', ['mixture', 'pooled'])
@pytest.mark.parametrize('views', [1, 3])
def test_fused_head_equals_unfused_head(aux, score_mode, views):
    head, fused = build_heads(aux, score_mode)
    g = torch.Generator().manual_seed(2)
    x = torch.randn(B * views * N, D, 2, 2, generator=g,
                    dtype=torch.float64)
    times = torch.sort(torch.rand(B, N, generator=g, dtype=torch.float64),
                       dim=1)[0]  # per video, shared by its views
    expected = _grads(head, x, times, views)
    got = _grads(fused, x, times, views)
    assert got[0].shape == (B * views, C)
    for a, b in zip(got, expected):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)
    # details (predict) take the unfused path, whose cls_score is the same
    score, details = fused(x, N * views, times=times, return_details=True)
    torch.testing.assert_close(score, expected[0], rtol=1e-10, atol=1e-12)


def test_fused_loss_equals_unfused_loss_with_max_sigma():
    head, fused = build_heads(max_sigma=0.6, dtype=torch.float32)
    x = torch.randn(B * N, D, 2, 2)
    samples = [ActionDataSample().set_gt_label(i % C) for i in range(B)]
    times = ((torch.arange(N) + 0.5) / N).numpy()
    for s in samples:
        s.set_field(times, 'segment_times')
    losses = [h.loss(x, samples, num_segs=N) for h in (head, fused)]
    torch.testing.assert_close(losses[1]['loss_cls'], losses[0]['loss_cls'])
    for loss in losses:
        loss['loss_cls'].backward()
    for (name, p), q in zip(head.named_parameters(), fused.parameters()):
        torch.testing.assert_close(q.grad, p.grad, rtol=1e-4, atol=1e-6,
                                   msg=name)


def test_fused_head_under_bf16_autocast():
    head, fused = build_heads(dtype=torch.float32)
    x = torch.randn(B * N, D, 2, 2)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        score = fused(x, N)
        ref = head(x, N)
    assert score.dtype == torch.float32
    # the fc and aux layers run in bf16 in both; from theta on, the fused
    # head is float32 throughout
    torch.testing.assert_close(score, ref.float(), rtol=1e-2, atol=1e-2)
    score.logsumexp(1).sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in fused.parameters())


def test_fused_needs_the_mog_generator():
    head, _ = build_heads()
    cfg = dict(
        type='DATPHead',
        num_classes=C,
        in_channels=D,
        num_segments=N,
        aux_net=dict(type='DATPScoreAuxNet'),
        weight_generator=dict(type='DiscreteWeightGenerator',
                              num_segments=N),
        fused=True)
    with pytest.raises(ValueError, match='fused=True needs a MoG'):
        MODELS.build(copy.deepcopy(cfg))
    assert head.fused is False  # the default


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_fused_head_on_cuda_never_syncs_and_equals_unfused():
    head, fused = build_heads(dtype=torch.float32)
    head, fused = head.cuda(), fused.cuda()
    x = torch.randn(B * N, D, 2, 2, device='cuda')
    times = ((torch.arange(N, device='cuda') + 0.5) / N).expand(B, N)
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode('error')
    try:
        with torch.autocast('cuda', dtype=torch.float16):
            score = fused(x, N, times=times)
        score.logsumexp(1).sum().backward()
    finally:
        torch.cuda.set_sync_debug_mode('default')
    with torch.autocast('cuda', dtype=torch.float16):
        ref = head(x, N, times=times)
    assert score.dtype == torch.float32
    torch.testing.assert_close(score, ref.float(), rtol=1e-2, atol=1e-2)
