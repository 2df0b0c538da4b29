"""What keeps the DATP head cheap on a GPU, checked for equal results.

The head avoids host synchronisation and slow kernels (README, "Overhead of
DATP"); each shortcut here is compared with the straightforward computation
it replaces.
"""
import mmaction.models.heads.base as mm_base
import pytest
import torch
from mmaction.models.heads import BaseHead
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample


def build_head(**kwargs):
    cfg = dict(
        type='DATPHead',
        num_classes=7,
        in_channels=16,
        num_segments=5,
        aux_net=dict(type='DATPConvAuxNet', spatial_size=2),
        dropout_ratio=0,
        topk=(1, 3))
    cfg.update(kwargs)
    head = MODELS.build(cfg)
    head.init_weights()
    return head


def scores_and_samples(b=40, c=7, soft=False, seed=0):
    g = torch.Generator().manual_seed(seed)
    scores = torch.randn(b, c, generator=g, requires_grad=True)
    samples = []
    for i in range(b):
        if soft:
            label = torch.softmax(torch.randn(c, generator=g), 0)
        else:
            label = int(torch.randint(c, (1, ), generator=g))
        samples.append(ActionDataSample().set_gt_label(label))
    return scores, samples


@pytest.mark.parametrize('soft,eps', [(False, 0.0), (False, 0.1),
                                      (True, 0.0)])
def test_loss_by_feat_equals_mmaction(soft, eps):
    head = build_head(label_smooth_eps=eps)
    scores, samples = scores_and_samples(soft=soft)
    ours = head.loss_by_feat(scores, samples)
    ref = BaseHead.loss_by_feat(head, scores, samples)  # numpy top-k
    assert ours.keys() == ref.keys()
    if not soft:
        assert {'top1_acc', 'top3_acc'} <= ours.keys()
        # 40 random videos: the accuracies are not all 0 or 1
        assert 0 < float(ref['top1_acc']) < float(ref['top3_acc']) < 1
    for key in ref:
        torch.testing.assert_close(ours[key].float(), ref[key].float())
    g_ours, = torch.autograd.grad(ours['loss_cls'], scores)
    g_ref, = torch.autograd.grad(ref['loss_cls'], scores)
    torch.testing.assert_close(g_ours, g_ref)


def test_loss_never_copies_scores_to_the_host(monkeypatch):
    """mmaction's numpy top-k would synchronise a GPU mid-iteration."""

    def refuse(*args, **kwargs):
        raise AssertionError('scores were copied to the host')

    # set up first (init_weights and the samples may read values)
    head = build_head()
    head.train()
    x = torch.randn(4 * 5, 16, 2, 2)
    samples = [ActionDataSample().set_gt_label(i) for i in range(4)]
    for s in samples:
        s.set_field(torch.linspace(0.1, 0.9, 5).numpy(), 'segment_times')
    monkeypatch.setattr(mm_base, 'top_k_accuracy', refuse)
    monkeypatch.setattr(torch.Tensor, 'cpu', refuse)
    monkeypatch.setattr(torch.Tensor, 'numpy', refuse)
    monkeypatch.setattr(torch.Tensor, 'item', refuse)
    losses = head.loss(x, samples)
    losses['loss_cls'].backward()
    assert head.aux_net.regressor.bias.grad is not None


def test_training_skips_pooled_score_but_predictions_keep_it():
    head = build_head()
    head.eval()
    x = torch.randn(3 * 5, 16, 2, 2)
    plain = head(x, 5)
    with_details, d = head(x, 5, return_details=True)
    torch.testing.assert_close(plain, with_details)
    s_norm = d['pooled_score'] / d['pooled_score'].sum(-1, keepdim=True)
    torch.testing.assert_close(with_details.exp(), s_norm)


@pytest.mark.parametrize('dtype', [torch.bfloat16, torch.float16])
def test_times_stay_float32_under_low_precision_features(dtype):
    head = build_head()
    t = torch.rand(3, 5)
    ref = head._expand_times(t, 3, 1, 5, torch.zeros(1))
    low = head._expand_times(t, 3, 1, 5, torch.zeros(1, dtype=dtype))
    assert low.dtype == torch.float32
    torch.testing.assert_close(low, ref)


def test_views_repeat_each_videos_times():
    head = build_head()
    t = torch.rand(2, 5)
    out = head._expand_times(t, 2 * 3, 3, 5, torch.zeros(1))
    torch.testing.assert_close(out, t.repeat_interleave(3, dim=0))


def test_times_from_host_arrays_and_device_tensors():
    head = build_head()
    times = [torch.rand(5) for _ in range(3)]
    host = [ActionDataSample() for _ in times]
    dev = [ActionDataSample() for _ in times]
    for h, d, t in zip(host, dev, times):
        h.set_field(t.numpy(), 'segment_times')
        d.set_field(t, 'segment_times')  # as moved by a preprocessor
    cpu = torch.device('cpu')
    for samples in (host, dev):
        out = head._times_from(samples, cpu)
        torch.testing.assert_close(out, torch.stack(times))
    bad = [ActionDataSample(), ActionDataSample()]
    bad[0].set_field(torch.rand(5).numpy(), 'segment_times')
    bad[1].set_field(torch.rand(7).numpy(), 'segment_times')
    with pytest.raises(ValueError, match='5 and 7 segment_times'):
        head._times_from(bad, cpu)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_times_go_through_pinned_memory_without_blocking(monkeypatch):
    """The CUDA branch of _times_from: host times are pinned and copied with
    non_blocking=True, and the predictions equal those on the CPU."""
    head = build_head().eval()
    n, views, b = 5, 2, 3
    times = [torch.rand(n).sort().values for _ in range(b)]
    samples = []
    for t in times:
        s = ActionDataSample().set_gt_label(0)
        s.set_field(t.numpy(), 'segment_times')
        samples.append(s)
    x = torch.randn(b * views * n, 16, 2, 2)
    ref = head.predict(x, [s.clone() for s in samples], num_segs=views * n)

    pinned, copies = [], []
    pin_memory, to = torch.Tensor.pin_memory, torch.Tensor.to

    def spy_pin(self, *args, **kwargs):
        out = pin_memory(self, *args, **kwargs)
        pinned.append(out.is_pinned())
        return out

    def spy_to(self, *args, **kwargs):
        if not self.is_cuda and self.is_pinned():
            copies.append(kwargs.get('non_blocking', False))
        return to(self, *args, **kwargs)

    cuda = torch.device('cuda')
    head.cuda()
    monkeypatch.setattr(torch.Tensor, 'pin_memory', spy_pin)
    monkeypatch.setattr(torch.Tensor, 'to', spy_to)
    out = head._times_from(samples, cuda)
    monkeypatch.undo()
    torch.cuda.synchronize()
    assert pinned == [True] and copies == [True]
    assert out.device.type == 'cuda'
    torch.testing.assert_close(out.cpu(), torch.stack(times))

    gpu = head.predict(x.cuda(), [s.clone() for s in samples],
                       num_segs=views * n)
    for r, g in zip(ref, gpu):
        torch.testing.assert_close(g.pred_score.cpu(), r.pred_score,
                                   atol=1e-5, rtol=1e-4)
        torch.testing.assert_close(g.datp_weights.cpu(), r.datp_weights,
                                   atol=1e-5, rtol=1e-4)
        torch.testing.assert_close(g.datp_times.cpu(), r.datp_times)
