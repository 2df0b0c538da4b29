"""MoG weights generator (Eq. 1) and its gradients (Eq. 2)."""
import math

import pytest
import torch
from mmaction.registry import MODELS
from mmdatp.models import (DiscreteWeightGenerator, MoGWeightGenerator,
                           mog_weights)
from mmdatp.models.weight_generators.mog import (bounded_mean,
                                              bounded_mean_inverse)


def _normal_pdf(t, mu, sigma):
    return math.exp(-(t - mu)**2 / (2 * sigma**2)) / math.sqrt(
        2 * math.pi * sigma**2)


def test_mog_weights_match_eq1_by_hand():
    times = torch.tensor([[0.05, 0.5, 0.95]], dtype=torch.float64)
    rho = torch.tensor([[0.3, 0.7]], dtype=torch.float64)
    mu = torch.tensor([[0.2, 0.8]], dtype=torch.float64)
    sigma = torch.tensor([[0.1, 0.25]], dtype=torch.float64)
    w = mog_weights(times, rho, mu, sigma)
    for i, t in enumerate([0.05, 0.5, 0.95]):
        expected = 0.3 * _normal_pdf(t, 0.2, 0.1) + 0.7 * _normal_pdf(
            t, 0.8, 0.25)
        assert w[0, i].item() == pytest.approx(expected, rel=1e-12)


def test_gradients_match_eq2():
    g = torch.Generator().manual_seed(1)
    b, n, k = 2, 5, 3
    times = torch.rand(b, n, generator=g, dtype=torch.float64)
    rho = (torch.rand(b, k, generator=g, dtype=torch.float64) +
           0.1).requires_grad_()
    mu = torch.rand(b, k, generator=g, dtype=torch.float64).requires_grad_()
    sigma = (torch.rand(b, k, generator=g, dtype=torch.float64) * 0.4 +
             0.05).requires_grad_()
    for i in range(n):
        d_rho, d_mu, d_sigma = torch.autograd.grad(
            mog_weights(times, rho, mu, sigma)[:, i].sum(), (rho, mu, sigma))
        t = times[:, i:i + 1]
        r, m, s = rho.detach(), mu.detach(), sigma.detach()
        pdf = torch.exp(-(t - m)**2 / (2 * s**2)) / torch.sqrt(
            2 * math.pi * s**2)  # N_t(mu_j, sigma_j^2), B, K
        torch.testing.assert_close(d_rho, r * pdf / r)
        torch.testing.assert_close(d_mu, r * pdf * (t - m) / s**2)
        torch.testing.assert_close(d_sigma,
                                   r * pdf / s * ((t - m)**2 / s**2 - 1))


@pytest.mark.parametrize('mu_range', [None, (0.0, 1.0), (-0.5, 1.5)])
@pytest.mark.parametrize('k', [1, 2, 3])
def test_paper_initialisation(k, mu_range):
    gen = MODELS.build(dict(type='MoGWeightGenerator', num_gaussians=k,
                            mu_range=mu_range))
    assert gen.num_params == 3 * k
    params = gen.decode(gen.init_params()[None])
    expected_mu = torch.tensor([(j + 1) / (k + 1) for j in range(k)])
    torch.testing.assert_close(params['mu'][0], expected_mu)
    torch.testing.assert_close(params['sigma'][0]**2,
                               torch.full((k, ), 0.2))
    torch.testing.assert_close(params['rho'][0], torch.full((k, ), 1 / k))


@pytest.mark.parametrize('lo,hi', [(0.0, 1.0), (-0.25, 1.25)])
def test_bounded_mean_cannot_leave_its_range(lo, hi):
    gen = MoGWeightGenerator(num_gaussians=2, mu_range=(lo, hi))
    theta = gen.init_params().repeat(5, 1)
    theta[:, 1::3] = torch.tensor([-1e6, -30.0, (lo + hi) / 2, 30.0,
                                    1e6])[:, None]
    mu = gen.decode(theta)['mu']
    assert (mu >= lo).all() and (mu <= hi).all()
    torch.testing.assert_close(mu[0], torch.full((2, ), lo))
    torch.testing.assert_close(mu[-1], torch.full((2, ), hi))
    torch.testing.assert_close(mu[2], torch.full((2, ), (lo + hi) / 2))
    # and its gradient is the chain rule through the scaled sigmoid
    raw = torch.tensor([[0.0, 0.3, 0.0]], requires_grad=True)
    times = torch.tensor([[0.1, 0.9]])
    gen1 = MoGWeightGenerator(num_gaussians=1, mu_range=(lo, hi))
    gen1.log_weights(raw, times).sum().backward()
    c, width = (lo + hi) / 2, hi - lo
    s = torch.sigmoid(4 * (torch.tensor(0.3) - c) / width)
    m = lo + width * s
    sigma = torch.nn.functional.softplus(torch.tensor(0.0)) + gen1.min_sigma
    expected = ((times - m) / sigma**2).sum() * 4 * s * (1 - s)
    torch.testing.assert_close(raw.grad[0, 1], expected)


@pytest.mark.parametrize('lo,hi', [(0.0, 1.0), (-0.5, 1.5), (-3.0, 4.0)])
def test_bounded_mean_moves_like_the_raw_mean_mid_range(lo, hi):
    # slope 1 at the middle of the range: the paper's unbounded mean's
    # speed, whatever the width
    raw = torch.tensor([(lo + hi) / 2], dtype=torch.float64,
                       requires_grad=True)
    mu, slope = bounded_mean(raw, lo, hi)
    mu.sum().backward()
    torch.testing.assert_close(mu.detach(), raw.detach())
    torch.testing.assert_close(raw.grad, torch.ones_like(raw))
    torch.testing.assert_close(slope, torch.ones_like(raw))
    # and the inverse is exact inside the range
    inside = torch.linspace(lo + 0.01, hi - 0.01, 7, dtype=torch.float64)
    torch.testing.assert_close(
        bounded_mean(bounded_mean_inverse(inside, lo, hi), lo, hi)[0],
        inside)


def test_initial_mixture_is_the_papers_for_any_input():
    """The regressor starts at zero weights: every video gets exactly the
    paper's mixture, whatever its features (bounded means too)."""
    for mu_range in (None, (0.0, 1.0)):
        head = MODELS.build(dict(
            type='DATPHead', num_classes=4, in_channels=8, num_segments=6,
            aux_net=dict(type='DATPConvAuxNet', in_channels=8,
                         spatial_size=2),
            weight_generator=dict(type='MoGWeightGenerator',
                                  num_gaussians=2, mu_range=mu_range)))
        head.init_weights()
        feats = 10 * torch.randn(3, 6, 8, 2, 2)
        theta = head.aux_net(feats)
        p = head.weight_generator.decode(theta)
        torch.testing.assert_close(
            p['mu'], torch.tensor([[1 / 3, 2 / 3]]).expand(3, 2))
        torch.testing.assert_close(p['sigma']**2, torch.full((3, 2), 0.2))
        torch.testing.assert_close(p['rho'], torch.full((3, 2), 0.5))


def test_positivity_of_rho_and_sigma():
    gen = MoGWeightGenerator(num_gaussians=2)
    theta = torch.full((4, 6), -50.0)
    p = gen.decode(theta)
    assert (p['rho'] >= 0).all() and (p['sigma'] > 0).all()
    assert (p['sigma'] >= gen.min_sigma).all()
    log_w = gen.log_weights(theta, torch.rand(4, 10))
    assert torch.isfinite(log_w).all()


def test_bad_arguments():
    with pytest.raises(ValueError, match='num_gaussians'):
        MoGWeightGenerator(num_gaussians=0)
    with pytest.raises(ValueError, match='init_variance'):
        MoGWeightGenerator(init_variance=0)
    with pytest.raises(ValueError, match='mu_range'):
        MoGWeightGenerator(num_gaussians=2, mu_range=(0.4, 1.0))
    with pytest.raises(ValueError, match='mu_range'):
        MoGWeightGenerator(num_gaussians=1, mu_range=(0.0,))
    with pytest.raises(ValueError, match='theta'):
        MoGWeightGenerator(num_gaussians=2).decode(torch.zeros(1, 5))


def test_discrete_weights():
    gen = MODELS.build(dict(type='DiscreteWeightGenerator', num_segments=4))
    assert isinstance(gen, DiscreteWeightGenerator) and gen.num_params == 4
    w0 = gen(gen.init_params()[None], torch.rand(1, 4))
    torch.testing.assert_close(w0, torch.ones(1, 4))  # average pooling
    theta = torch.tensor([[-100.0, -3.0, 0.0, 2.0]])
    log_w = gen.log_weights(theta, torch.rand(1, 4))
    torch.testing.assert_close(
        log_w[0, 1:], torch.nn.functional.softplus(theta[0, 1:]).log())
    assert log_w[0, 0].item() == pytest.approx(-100.0)
    with pytest.raises(ValueError, match='num_segments'):
        gen.log_weights(torch.zeros(1, 4), torch.rand(1, 5))
    with pytest.raises(ValueError, match='num_segments'):
        DiscreteWeightGenerator(num_segments=0)


def _theta(rho, mu, sigma):
    """Raw theta (1, 3K) of a MoGWeightGenerator for the given values."""
    from mmdatp.models.weight_generators.base import inverse_softplus
    raw = [[float(inverse_softplus(torch.tensor(r))), m,
            float(inverse_softplus(torch.tensor(s - 1e-3)))]
           for r, m, s in zip(rho, mu, sigma)]
    return torch.tensor(raw, dtype=torch.float64).flatten()[None]


def test_normalized_components_spread_rho_over_the_segments():
    times = torch.linspace(0.05, 0.95, 10, dtype=torch.float64)[None]
    gen = MoGWeightGenerator(num_gaussians=2, normalize_components=True)
    # a wide Gaussian in the middle, a narrow one far right of [0, 1]
    theta = _theta([0.3, 0.7], [0.5, 5.0], [0.4, 0.01])
    w = gen.log_weights(theta, times).exp()[0]
    p = gen.decode(theta)
    # each Gaussian brings its mass rho_k, wherever it is
    torch.testing.assert_close(w.sum(), p['rho'].sum()[None][0])
    # the far one puts its whole rho on its nearest segment, the last
    wide = torch.softmax(-0.5 * ((times[0] - 0.5) / p['sigma'][0, 0])**2,
                         dim=0) * p['rho'][0, 0]
    expected = wide.clone()
    expected[-1] += p['rho'][0, 1]
    torch.testing.assert_close(w, expected)
    # Eq. 1 (the paper) lets that Gaussian vanish: the wide one decides
    plain = MoGWeightGenerator(num_gaussians=2).log_weights(theta, times)
    a = torch.softmax(plain[0], dim=0)
    torch.testing.assert_close(a, wide / wide.sum())


@pytest.mark.parametrize('mu_range', [None, (-0.5, 1.5)])
def test_normalized_components_leave_k1_unchanged(mu_range):
    times = torch.rand(4, 7, dtype=torch.float64).sort(dim=1)[0]
    theta = torch.randn(4, 3, dtype=torch.float64)
    plain, norm = (MoGWeightGenerator(
        num_gaussians=1, mu_range=mu_range,
        normalize_components=n).log_weights(theta, times)
        for n in (False, True))
    # the same pooling weights a = w / sum w
    torch.testing.assert_close(plain.log_softmax(1), norm.log_softmax(1))
    torch.testing.assert_close(norm.exp().sum(1),
                               MoGWeightGenerator(1).decode(theta)['rho'][:,
                                                                         0])


def test_normalized_components_gradients():
    times = torch.rand(3, 6, dtype=torch.float64).sort(dim=1)[0]
    theta = torch.randn(3, 6, dtype=torch.float64, requires_grad=True)
    gen = MoGWeightGenerator(num_gaussians=2, mu_range=(-0.5, 1.5),
                             normalize_components=True)
    assert torch.autograd.gradcheck(
        lambda th: gen.log_weights(th, times).log_softmax(1), (theta, ))
    with pytest.raises(ValueError, match='normalize_components'):
        MODELS.build(dict(
            type='DATPHead', num_classes=4, in_channels=8, num_segments=6,
            fused=True, weight_generator=dict(
                type='MoGWeightGenerator', normalize_components=True)))


@pytest.mark.parametrize('spread', [1.0, 0.3, 0.05])
@pytest.mark.parametrize('k', [1, 2, 3])
def test_init_mean_spread_pulls_the_means_to_the_middle(k, spread):
    """Means start at 0.5 + s (k/(K+1) - 0.5): s=1 is the paper's, K=1 is
    the same at any s, and sigma and rho keep the paper's values."""
    gen = MoGWeightGenerator(num_gaussians=k, init_mean_spread=spread,
                             normalize_components=True)
    params = gen.decode(gen.init_params()[None])
    paper = torch.tensor([(j + 1) / (k + 1) for j in range(k)])
    torch.testing.assert_close(params['mu'][0],
                               0.5 + spread * (paper - 0.5))
    torch.testing.assert_close(params['sigma'][0]**2,
                               torch.full((k, ), 0.2))
    torch.testing.assert_close(params['rho'][0], torch.full((k, ), 1 / k))
    times = (torch.arange(10.0) + 0.5)[None] / 10
    paper_gen = MoGWeightGenerator(num_gaussians=k,
                                   normalize_components=True)
    same = torch.allclose(
        gen.log_weights(gen.init_params()[None], times),
        paper_gen.log_weights(paper_gen.init_params()[None], times))
    assert same == (k == 1 or spread == 1.0)


def test_init_mean_spread_starts_k2_as_one_gaussian_and_separates():
    """A small spread starts K=2's weights within 1% of K=1's (one
    Gaussian at 0.5), and the two means get different gradients, so
    they can separate (at s = 0 they would stay identical)."""
    times = (torch.arange(10.0) + 0.5)[None] / 10
    k1 = MoGWeightGenerator(num_gaussians=1, normalize_components=True)
    k2 = MoGWeightGenerator(num_gaussians=2, init_mean_spread=0.05,
                            normalize_components=True)
    a1 = k1.log_weights(k1.init_params()[None], times).softmax(1)
    theta = k2.init_params()[None].clone().requires_grad_()
    a2 = k2.log_weights(theta, times).softmax(1)
    torch.testing.assert_close(a2, a1, rtol=0.01, atol=0.0)
    # a pull of the weights towards the last segment moves both means
    # right, by different amounts
    a2[0, -1].backward()
    d_mu = theta.grad.view(2, 3)[:, 1]
    assert (d_mu > 0).all()
    assert not torch.isclose(d_mu[0], d_mu[1], rtol=1e-3)


@pytest.mark.parametrize('bad', [0, 0.0, -0.5, 1.5, True, '0.3', None])
def test_init_mean_spread_rejects_bad_values(bad):
    with pytest.raises(ValueError, match='init_mean_spread'):
        MoGWeightGenerator(num_gaussians=2, init_mean_spread=bad)


def test_mu_range_must_hold_the_spread_means():
    # (0.4, 0.6) holds the means 0.45 / 0.55 of spread 0.3, not the
    # paper's 1/3 and 2/3
    MoGWeightGenerator(num_gaussians=2, init_mean_spread=0.3,
                       mu_range=(0.4, 0.6))
    with pytest.raises(ValueError, match='mu_range'):
        MoGWeightGenerator(num_gaussians=2, mu_range=(0.4, 0.6))


def _weights_and_grads(gen, theta, times):
    theta = theta.clone().requires_grad_()
    log_w = gen.log_weights(theta, times)
    # any loss of the normalised weights: pull them to the last segment
    log_w.log_softmax(1)[:, -1].sum().backward()
    return log_w.detach(), theta.grad.view(theta.shape[0], -1, 3)


@pytest.mark.parametrize('normalize', [False, True])
def test_share_scaled_grad_divides_mean_and_sigma_gradients_by_the_share(
        normalize):
    """Same weights; each Gaussian's mean and sigma gradients divided by
    rho_k / sum rho, the raw rho's untouched."""
    g = torch.Generator().manual_seed(0)
    times = torch.rand(4, 7, generator=g, dtype=torch.float64)
    plain = MoGWeightGenerator(num_gaussians=3,
                               normalize_components=normalize)
    scaled = MoGWeightGenerator(num_gaussians=3,
                                normalize_components=normalize,
                                share_scaled_grad=True)
    theta = torch.randn(4, 9, generator=g, dtype=torch.float64)
    log_w, grad = _weights_and_grads(plain, theta, times)
    log_w_s, grad_s = _weights_and_grads(scaled, theta, times)
    torch.testing.assert_close(log_w_s, log_w)
    rho = plain.decode(theta)['rho']
    share = (rho / rho.sum(1, keepdim=True)).unsqueeze(-1)  # B, K, 1
    torch.testing.assert_close(grad_s[..., 0], grad[..., 0])
    torch.testing.assert_close(grad_s[..., 1:], grad[..., 1:] / share)


def test_share_scaled_grad_leaves_k1_alone_and_caps_tiny_shares():
    times = (torch.arange(10.0) + 0.5)[None] / 10
    theta = torch.tensor([[0.3, 0.8, -0.5]])
    k1 = MoGWeightGenerator(num_gaussians=1)
    k1s = MoGWeightGenerator(num_gaussians=1, share_scaled_grad=True)
    torch.testing.assert_close(_weights_and_grads(k1s, theta, times)[1],
                               _weights_and_grads(k1, theta, times)[1])
    # a Gaussian with a vanishing share: its factor stops at 1e3
    k2 = MoGWeightGenerator(num_gaussians=2, normalize_components=True)
    k2s = MoGWeightGenerator(num_gaussians=2, normalize_components=True,
                             share_scaled_grad=True)
    theta = torch.tensor([[-30.0, 0.2, 0.0, 2.0, 0.7, 0.0]])
    grad = _weights_and_grads(k2, theta, times)[1]
    grad_s = _weights_and_grads(k2s, theta, times)[1]
    assert torch.isfinite(grad_s).all()
    torch.testing.assert_close(grad_s[0, 0, 1:], grad[0, 0, 1:] * 1e3)


def test_share_scaled_grad_is_not_fused():
    with pytest.raises(ValueError, match='share_scaled_grad'):
        MODELS.build(dict(
            type='DATPHead', num_classes=4, in_channels=8, num_segments=6,
            fused=True,
            aux_net=dict(type='DATPConvAuxNet', in_channels=8,
                         spatial_size=2),
            weight_generator=dict(type='MoGWeightGenerator',
                                  num_gaussians=2, share_scaled_grad=True)))
