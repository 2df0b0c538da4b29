"""DATPHead: pooling limits, loss on S, shapes, predictions and errors."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmdatp.models import DATPHead, weighted_l2_pool


def build_head(num_classes=4, in_channels=16, n=5, spatial=2, **kwargs):
    cfg = dict(
        type='DATPHead',
        num_classes=num_classes,
        in_channels=in_channels,
        num_segments=n,
        aux_net=dict(type='DATPConvAuxNet', spatial_size=spatial),
        dropout_ratio=0,
    )
    cfg.update(kwargs)
    head = MODELS.build(cfg)
    head.init_weights()
    head.eval()
    return head


def feats(b, n, c=16, s=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(b * n, c, s, s, generator=g)


def segment_probs(head, x, n):
    pooled = x.mean((2, 3))
    return F.softmax(head.fc_cls(pooled), -1).view(-1, n, head.num_classes)


def set_theta(head, theta):
    head.aux_net.init_regressor(torch.as_tensor(theta, dtype=torch.float32))


def test_avg_pooling_is_average_consensus():
    head = build_head(pooling='avg')
    x = feats(3, 7)  # avg accepts any number of segments
    score, d = head(x, 7, return_details=True)
    probs = segment_probs(head, x, 7)
    torch.testing.assert_close(score.exp(), probs.mean(1))
    torch.testing.assert_close(d['pooled_score'], probs.mean(1) * 7**0.5)


def test_uniform_discrete_weights_equal_average():
    head = build_head(
        weight_generator=dict(type='DiscreteWeightGenerator', num_segments=5))
    x = feats(2, 5)
    # STN-style init: zero regression weights, bias -> w_i = 1 for all i
    score, d = head(x, 5, return_details=True)
    torch.testing.assert_close(d['weights'], torch.ones(2, 5))
    torch.testing.assert_close(score.exp(), segment_probs(head, x, 5).mean(1))


def test_wide_gaussian_approaches_average():
    head = build_head(
        weight_generator=dict(type='MoGWeightGenerator', num_gaussians=1))
    set_theta(head, [1.0, 0.5, 1e4])  # sigma ~ 1e4: flat over [0, 1]
    x = feats(2, 5)
    score = head(x, 5)
    torch.testing.assert_close(
        score.exp(), segment_probs(head, x, 5).mean(1), atol=1e-6, rtol=0)


@pytest.mark.parametrize('j', [0, 3])
def test_narrow_gaussian_selects_one_segment(j):
    head = build_head(
        weight_generator=dict(type='MoGWeightGenerator', num_gaussians=1),
        score_mode='pooled')
    n = 5
    t_j = (j + 0.5) / n  # default times are the segment centres
    set_theta(head, [1.0, t_j, -20.0])  # sigma = softplus(-20) + 1e-3
    x = feats(3, n)
    pooled, d = head(x, n, return_details=True)
    probs = segment_probs(head, x, n)
    torch.testing.assert_close(pooled, probs[:, j])  # S = I_j
    assert d['attention'][:, j].min() > 1 - 1e-6


def test_initial_weights_are_the_papers_gaussians():
    head = build_head()  # MoG K=2
    _, d = head(feats(2, 5), 5, return_details=True)
    torch.testing.assert_close(d['mu'], torch.tensor([[1 / 3, 2 / 3]] * 2))
    torch.testing.assert_close(d['sigma']**2, torch.full((2, 2), 0.2))
    t = (torch.arange(5) + 0.5) / 5
    expected = sum(0.5 * torch.exp(-(t - m)**2 / 0.4) / math.sqrt(0.4 *
                                                                   math.pi)
                   for m in (1 / 3, 2 / 3))
    torch.testing.assert_close(d['weights'][0], expected)


def test_loss_is_cross_entropy_of_normalised_s():
    head = build_head()
    head.train()
    set_theta(head, [0.3, 0.2, -1.0, 0.9, 0.7, -0.5])
    x = feats(4, 5)
    samples = []
    for label in [0, 1, 2, 3]:
        s = ActionDataSample().set_gt_label(label)
        samples.append(s)
    losses = head.loss(x, samples, num_segs=5)
    with torch.no_grad():
        _, d = head(x, 5, return_details=True)
    s_norm = d['pooled_score'] / d['pooled_score'].sum(1, keepdim=True)
    expected = -s_norm[torch.arange(4), torch.arange(4)].log().mean()
    torch.testing.assert_close(losses['loss_cls'], expected)


def test_loss_gradients_reach_theta_and_the_aux_net():
    """d loss / d theta against central differences (float64), and a
    non-zero gradient below the regressor once its weights are not zero."""
    head = build_head().double()
    head.train()
    set_theta(head, [0.3, 0.2, -1.0, 0.9, 0.7, -0.5])
    with torch.no_grad():  # segments that disagree: the weights matter
        head.fc_cls.weight.normal_(
            0, 1, generator=torch.Generator().manual_seed(0))
    x = feats(4, 5).double()
    samples = [ActionDataSample().set_gt_label(i) for i in range(4)]

    def loss():
        return head.loss(x, samples, num_segs=5)['loss_cls']

    head.zero_grad()
    loss().backward()
    bias = head.aux_net.regressor.bias
    grad = bias.grad.clone()
    numeric = torch.zeros_like(grad)
    eps = 1e-6
    with torch.no_grad():
        for i in range(bias.numel()):
            bias[i] += eps
            up = loss()
            bias[i] -= 2 * eps
            down = loss()
            bias[i] += eps
            numeric[i] = (up - down) / (2 * eps)
    torch.testing.assert_close(grad, numeric, atol=1e-7, rtol=1e-5)
    assert grad.abs().min() > 1e-3  # every parameter of the mixture moves
    assert head.fc_cls.weight.grad.abs().sum() > 0
    # the STN-style init zeroes the regressor weights, so nothing flows
    # below them yet; with weights, the first aux-net layer gets gradient
    with torch.no_grad():
        head.aux_net.regressor.weight.normal_(0, 0.1)
    head.zero_grad()
    loss().backward()
    first = [p for name, p in head.aux_net.named_parameters()
             if not name.startswith('regressor')][0]
    assert first.grad is not None and first.grad.abs().sum() > 1e-8


def test_mixture_score_is_log_of_s_over_sum_s():
    """cls_score and S against Eq. 1 and 3 written out from theta."""
    head = build_head(aux_net=dict(type='DATPScoreAuxNet'))
    raw = torch.tensor([[0.3, 0.1, -1.0], [0.9, 0.7, -0.5]])  # K x (rho,
    set_theta(head, raw.flatten())  # mu, sigma), raw
    with torch.no_grad():  # segments that disagree
        head.fc_cls.weight.normal_(
            0, 1, generator=torch.Generator().manual_seed(0))
    n = 5
    x = feats(2, n)
    score, d = head(x, n, return_details=True)
    probs = segment_probs(head, x, n)  # I, (2, n, C)
    rho = torch.log1p(torch.exp(raw[:, 0]))  # softplus
    mu = raw[:, 1]
    sigma = torch.log1p(torch.exp(raw[:, 2])) + 1e-3
    t = (torch.arange(n) + 0.5) / n
    w = torch.zeros(n)
    for k in range(2):
        w += rho[k] * torch.exp(-(t - mu[k])**2 / (2 * sigma[k]**2)) / (
            sigma[k] * math.sqrt(2 * math.pi))
    s = (probs * w[None, :, None]).sum(1) / w.pow(2).sum().sqrt()  # Eq. 3
    torch.testing.assert_close(d['weights'], w.expand(2, n))
    torch.testing.assert_close(d['pooled_score'], s)
    torch.testing.assert_close(score.exp(), s / s.sum(1, keepdim=True))
    # the weights are far from uniform, so this differs from the average
    assert (score.exp() - probs.mean(1)).abs().max() > 1e-2


@pytest.mark.parametrize('aux', ['DATPConvAuxNet', 'DATPScoreAuxNet'])
@pytest.mark.parametrize('gen', [
    dict(type='MoGWeightGenerator', num_gaussians=1),
    dict(type='MoGWeightGenerator', num_gaussians=2),
    dict(type='MoGWeightGenerator', num_gaussians=3), 'discrete'
])
@pytest.mark.parametrize('b,n', [(1, 3), (2, 10), (5, 4)])
def test_builds_and_shapes(aux, gen, b, n):
    if gen == 'discrete':
        gen = dict(type='DiscreteWeightGenerator', num_segments=n)
    head = build_head(
        n=n,
        aux_net=dict(type=aux, spatial_size=2)
        if aux == 'DATPConvAuxNet' else dict(type=aux),
        weight_generator=gen)
    assert isinstance(head, DATPHead)
    assert head.aux_net.out_channels == head.weight_generator.num_params
    score, d = head(feats(b, n), n, return_details=True)
    assert score.shape == (b, 4)
    assert d['weights'].shape == d['times'].shape == (b, n)
    assert d['segment_scores'].shape == (b, n, 4)
    torch.testing.assert_close(score.exp().sum(1), torch.ones(b))


def samples_with_times(times, b):
    samples = [ActionDataSample().set_gt_label(i) for i in range(b)]
    for s, t in zip(samples, times):
        s.set_field(t.numpy(), 'segment_times')
    return samples


def test_several_views_are_pooled_each_on_its_own():
    """V crops of N segments (crop-major, as ThreeCrop packs them): each
    view is pooled like a video of its own, at its video's times."""
    head = build_head()
    set_theta(head, [0.3, 0.2, -1.0, 0.9, 0.7, -0.5])
    with torch.no_grad():  # theta depends on the features of each view
        head.aux_net.regressor.weight.normal_(0, 0.5)
    n, views, b = 5, 3, 2
    times = torch.tensor([[0.0, 0.1, 0.3, 0.7, 1.0], [0.2, 0.3, 0.4, 0.5,
                                                      0.6]])
    x = feats(b, n * views)
    out = head.predict(x, samples_with_times(times, b), num_segs=n * views)
    x_views = x.view(b, views, n, *x.shape[1:])
    for i, s in enumerate(out):
        assert s.datp_weights.shape == (views, n)
        assert s.segment_scores.shape == (views, n, 4)
        torch.testing.assert_close(s.datp_times, times[i].expand(views, n))
        for v in range(views):
            _, alone = head(
                x_views[i, v], n, times=times[i:i + 1], return_details=True)
            torch.testing.assert_close(s.datp_weights[v], alone['weights'][0])
            torch.testing.assert_close(s.datp_mu[v], alone['mu'][0])
            torch.testing.assert_close(s.pooled_score[v],
                                       alone['pooled_score'][0])
        # the views differ (their features do), so the check above has teeth
        assert (s.datp_mu[1:] - s.datp_mu[:1]).abs().max() > 1e-3
        # 'prob' averaging of the views recovers the mean of S / sum S
        s_norm = s.pooled_score / s.pooled_score.sum(-1, keepdim=True)
        torch.testing.assert_close(s.pred_score, s_norm.mean(0))


def test_avg_pools_several_views_of_25_segments():
    """TSN's test and the paper's P2: 3 crops x 25 segments, one row of 25
    segment_times per video (the crops share them)."""
    head = build_head(pooling='avg')  # built for N=5: avg pools any N
    n, views, b = 25, 3, 2
    times = (torch.arange(n) + 0.5).div(n).expand(b, n)
    x = feats(b, n * views)
    out = head.predict(x, samples_with_times(times, b), num_segs=n * views)
    probs = segment_probs(head, x, n).view(b, views, n, 4)
    for i, s in enumerate(out):
        assert s.datp_weights.shape == (views, n)
        torch.testing.assert_close(s.datp_attention,
                                   torch.full((views, n), 1 / n))
        torch.testing.assert_close(s.pooled_score,
                                   probs[i].mean(1) * n**0.5)
        # average of all 75 softmax scores
        torch.testing.assert_close(s.pred_score, probs[i].mean((0, 1)))


def test_random_pools_several_views_at_the_videos_times():
    head = build_head(pooling='random', random_seed=0)
    n, views, b = 5, 3, 2
    times = torch.rand(b, n).sort(1).values
    out = head.predict(
        feats(b, n * views), samples_with_times(times, b),
        num_segs=n * views)
    for i, s in enumerate(out):
        torch.testing.assert_close(s.datp_times, times[i].expand(views, n))
        mu, sigma = s.datp_mu[0], s.datp_sigma[0]
        w = (0.5 * torch.exp(-(times[i, :, None] - mu)**2 / (2 * sigma**2)) /
             (sigma * math.sqrt(2 * math.pi))).sum(-1)
        torch.testing.assert_close(s.datp_weights, w.expand(views, n))


def test_sampler_with_more_segments_than_the_head():
    """Head N=10, test sampler N=20 (no --num-segments): the 20 times say
    it is one view of 20 segments, not 2 views of 10."""
    n_head, n = 10, 20
    times = ((torch.arange(n) + 0.5) / n).expand(2, n)
    x = feats(2, n)
    head = build_head(n=n_head)
    with pytest.raises(ValueError, match='num_segments=10.* gave 20'):
        head.predict(x, samples_with_times(times, 2), num_segs=n)
    for pooling in ('avg', 'random'):
        head = build_head(n=n_head, pooling=pooling, random_seed=0)
        out = head.predict(x, samples_with_times(times, 2), num_segs=n)
        for s in out:
            # the true times, t from .025 to .975, not t[:10] twice
            torch.testing.assert_close(s.datp_times, times[:1])
            assert s.datp_weights.shape == (1, n)
    s = out[0]  # random: Eq. 1 at the true times
    w = (0.5 * torch.exp(-(times[0, :, None] - s.datp_mu[0])**2 /
                         (2 * s.datp_sigma[0]**2)) /
         (s.datp_sigma[0] * math.sqrt(2 * math.pi))).sum(-1)
    torch.testing.assert_close(s.datp_weights[0], w)


def test_segment_times_change_the_weights():
    head = build_head()
    x = feats(1, 5)
    _, d1 = head(x, 5, times=torch.linspace(0, 1, 5), return_details=True)
    _, d2 = head(x, 5, times=torch.full((1, 5), 0.5), return_details=True)
    assert not torch.allclose(d1['weights'], d2['weights'])
    assert torch.allclose(d2['weights'], d2['weights'][:, :1].expand(1, 5))


def test_random_pooling_is_seeded():
    x = feats(2, 5)
    a = build_head(pooling='random', random_seed=3)
    b = build_head(pooling='random', random_seed=3)
    c = build_head(pooling='random', random_seed=4)
    b.load_state_dict(a.state_dict())
    c.load_state_dict(a.state_dict())
    _, da = a(x, 5, return_details=True)
    _, db = b(x, 5, return_details=True)
    _, dc = c(x, 5, return_details=True)
    torch.testing.assert_close(da['weights'], db['weights'])
    assert not torch.allclose(da['weights'], dc['weights'])
    assert ((da['mu'] >= 0) & (da['mu'] <= 1)).all()


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match='num_gaussians'):
        build_head(weight_generator=dict(
            type='MoGWeightGenerator', num_gaussians=0))
    with pytest.raises(ValueError, match='num_segments'):
        build_head(aux_net=dict(type='DATPConvAuxNet', num_segments=8))
    with pytest.raises(ValueError, match='num_segments'):
        build_head(weight_generator=dict(
            type='DiscreteWeightGenerator', num_segments=8))
    with pytest.raises(ValueError, match='in_channels'):
        build_head(aux_net=dict(type='DATPConvAuxNet', in_channels=256))
    with pytest.raises(ValueError, match='pooling'):
        build_head(pooling='max')
    with pytest.raises(ValueError, match='is not a BaseAuxNet'):
        build_head(aux_net=dict(type='TSNHead'))
    head = build_head()
    with pytest.raises(ValueError, match='in_channels=16'):
        head(torch.randn(10, 8, 2, 2), 5)
    with pytest.raises(ValueError, match='spatial_size'):
        head(torch.randn(10, 16, 3, 3), 5)
    with pytest.raises(ValueError, match='not a multiple'):
        head(torch.randn(14, 16, 2, 2), 7)
    with pytest.raises(ValueError, match='segment_times'):
        head(feats(2, 5), 5, times=torch.rand(2, 4))
