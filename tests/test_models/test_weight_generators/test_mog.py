"""MoG weights generator (Eq. 1) and its gradients (Eq. 2)."""
import math

import pytest
import torch
from mmaction.registry import MODELS
from mmdatp.models import (DiscreteWeightGenerator, MoGWeightGenerator,
                           mog_weights)


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


@pytest.mark.parametrize('k', [1, 2, 3])
def test_paper_initialisation(k):
    gen = MODELS.build(dict(type='MoGWeightGenerator', num_gaussians=k))
    assert gen.num_params == 3 * k
    params = gen.decode(gen.init_params()[None])
    expected_mu = torch.tensor([(j + 1) / (k + 1) for j in range(k)])
    torch.testing.assert_close(params['mu'][0], expected_mu)
    torch.testing.assert_close(params['sigma'][0]**2,
                               torch.full((k, ), 0.2))
    torch.testing.assert_close(params['rho'][0], torch.full((k, ), 1 / k))


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
