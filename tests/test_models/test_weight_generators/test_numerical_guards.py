"""NaN/inf guards of the Gaussian weights: collapsing sigma, vanishing rho,
runaway mu must give finite weights, scores and gradients."""
import math

import pytest
import torch
from mmaction.registry import MODELS
from mmdatp.models.weight_generators import mog_log_weights
from mmdatp.models.weight_generators.base import inverse_softplus

N, K = 6, 2
RHO, MU, SIGMA = 0, 1, 2  # layout of theta: (K, 3) = raw rho, mu, raw sigma


def _head():
    head = MODELS.build(
        dict(
            type='DATPHead',
            num_classes=4,
            in_channels=8,
            num_segments=N,
            aux_net=dict(type='DATPScoreAuxNet'),
            weight_generator=dict(type='MoGWeightGenerator', num_gaussians=K),
            spatial_type=None,
            dropout_ratio=0))
    head.init_weights()
    return head


def eq1_attention(theta: torch.Tensor, n: int) -> torch.Tensor:
    """Normalised Eq. 1 at the segment centres, in float64, written out from
    the raw (K, 3) theta (rho = softplus, sigma = softplus + 1e-3)."""
    raw = theta.double().view(K, 3)
    t = ((torch.arange(n, dtype=torch.float64) + 0.5) / n)[:, None]
    r = raw[:, RHO]
    log_rho = torch.where(r < -30, r, torch.log1p(torch.exp(r.clamp(
        max=30))).log())
    log_rho = torch.where(r > 30, r.log(), log_rho)
    sigma = torch.nn.functional.softplus(raw[:, SIGMA]) + 1e-3
    z = (t - raw[:, MU]) / sigma  # n, K
    log_w = torch.logsumexp(log_rho - sigma.log() - 0.5 * z**2, dim=1)
    return torch.softmax(log_w, 0)


# kind: what normalised Eq. 1 gives. 'peaked' cases fail if the guard made
# the weights uniform. At rho = softplus(-1e30) and mu = +-1e20 the O(1)
# differences between segments are below the resolution of log w (-1e30)
# and of t - mu in float32 and float64 alike: only uniform weights are
# representable there, the float64 reference included.
@pytest.mark.parametrize('field,value,kind', [
    (SIGMA, -1e4, 'peaked'),  # sigma collapses to its floor min_sigma
    (SIGMA, -1e30, 'peaked'),
    (RHO, -1e4, 'peaked'),  # every mixture weight underflows to 0
    (RHO, -1e30, 'uniform'),
    (MU, 1e6, 'peaked'),  # means far outside [0, 1]: the last segment
    (MU, 1e20, 'uniform'),  # (t - mu)^2 overflows float32
    (MU, -1e20, 'uniform'),
    (SIGMA, 1e30, 'uniform'),  # flat weights
])
def test_extreme_parameters_stay_finite_and_follow_eq1(field, value, kind):
    torch.manual_seed(0)
    head = _head()
    with torch.no_grad():
        bias = head.aux_net.regressor.bias.view(K, 3)
        bias[:, field] = value  # both Gaussians
        theta = bias.flatten().clone()
    x = torch.randn(2 * N, 8, requires_grad=True)
    score, details = head(x, N, return_details=True)
    assert torch.isfinite(score).all()
    assert torch.isfinite(details['attention']).all()
    assert torch.isfinite(details['pooled_score']).all()
    # the attention is normalised Eq. 1, not just finite
    expected = eq1_attention(theta, N)
    torch.testing.assert_close(
        details['attention'].double(), expected.expand(2, N), atol=2e-3,
        rtol=0)
    spread = expected.max().item() - 1 / N
    if kind == 'peaked':
        assert spread > 0.01, expected
    else:
        assert spread < 1e-6, expected
    if (field, value) == (MU, 1e6):
        assert details['attention'][:, -1].min() > 1 - 1e-6
    # a loss and its gradients, down to the aux net and the inputs
    score.logsumexp(1).sum().backward()
    assert torch.isfinite(x.grad).all()
    for p in head.parameters():
        assert p.grad is None or torch.isfinite(p.grad).all()


def test_collapsed_sigma_selects_nearest_segment():
    """sigma at its floor (1e-3): all weight on the segment nearest mu."""
    times = torch.linspace(0, 1, N).unsqueeze(0)
    mu = torch.tensor([[0.43]])
    log_w = mog_log_weights(times, torch.ones(1, 1), mu,
                            torch.full((1, 1), 1e-3))
    a = torch.softmax(log_w, 1)
    assert torch.isfinite(log_w).all()
    assert a[0, 2] == pytest.approx(1.0)  # t = 0.4 is nearest to 0.43


def test_vanishing_component_drops_out():
    """rho_2 -> 0 (underflowing to 0) leaves exactly the first Gaussian."""
    times = torch.linspace(0, 1, N).unsqueeze(0)
    mu = torch.tensor([[0.2, 0.9]])
    sigma = torch.tensor([[0.1, 0.1]])
    rho = torch.tensor([[1.0, 0.0]])
    log_w = mog_log_weights(times, rho, mu, sigma)
    single = -math.log(0.1 * math.sqrt(2 * math.pi)) - (times - 0.2)**2 / (
        2 * 0.01)
    assert torch.allclose(log_w, single, atol=1e-5)
    # through the generator, log(rho) comes from the raw value itself
    gen = MODELS.build(dict(type='MoGWeightGenerator', num_gaussians=2))
    theta = torch.stack([
        torch.tensor([inverse_softplus(torch.tensor(1.0)), 0.2, 0.0]),
        torch.tensor([-1e4, 0.9, 0.0])
    ]).flatten().unsqueeze(0)
    log_w = gen.log_weights(theta, times)
    sigma1 = torch.nn.functional.softplus(torch.tensor(0.0)) + gen.min_sigma
    single = -torch.log(sigma1 * math.sqrt(2 * math.pi)) - (
        times - 0.2)**2 / (2 * sigma1**2)
    assert torch.allclose(log_w, single, atol=1e-5)


def test_runaway_mean_contributes_nothing():
    times = torch.linspace(0, 1, N).unsqueeze(0)
    sigma = torch.tensor([[0.2, 0.2]])
    both = mog_log_weights(times, torch.ones(1, 2),
                           torch.tensor([[0.5, 1e20]]), sigma)
    one = mog_log_weights(times, torch.ones(1, 1), torch.tensor([[0.5]]),
                          sigma[:, :1])
    assert torch.allclose(both, one)


def test_max_sigma_bounds_the_scale_and_keeps_the_init():
    gen = MODELS.build(
        dict(type='MoGWeightGenerator', num_gaussians=2, max_sigma=0.5))
    init = gen.decode(gen.init_params().unsqueeze(0))
    assert torch.allclose(init['sigma'], torch.full((1, 2), 0.2**0.5))
    assert torch.allclose(init['mu'], torch.tensor([[1 / 3, 2 / 3]]))
    theta = gen.init_params().repeat(3, 1)
    theta.view(3, 2, 3)[:, :, SIGMA] = torch.tensor([-1e4, 0.0, 1e4
                                                      ]).unsqueeze(1)
    sigma = gen.decode(theta)['sigma']
    assert torch.allclose(sigma[0], torch.full((2, ), gen.min_sigma))
    assert torch.allclose(sigma[1],
                          torch.full((2, ), (gen.min_sigma + 0.5) / 2))
    assert torch.allclose(sigma[2], torch.full((2, ), 0.5))
    with pytest.raises(ValueError, match='max_sigma'):
        MODELS.build(
            dict(type='MoGWeightGenerator', max_sigma=0.3))  # < sqrt(0.2)


@pytest.mark.parametrize('mu', [40.0, -25.0, 1e3])
def test_far_mean_with_collapsed_sigma_keeps_eq1_limit(mu):
    """A Gaussian far outside [0, 1] with sigma at its floor: Eq. 1's
    normalised weights put everything on the segment nearest mu (the last
    one for mu > 1), not the same weight everywhere. (A cap of z at 1e4
    made such a K=1 mixture, met in training, into average pooling.)"""
    times = torch.linspace(0, 1, N).unsqueeze(0)
    log_w = mog_log_weights(times, torch.ones(1, 1), torch.tensor([[mu]]),
                            torch.full((1, 1), 1e-3))
    assert torch.isfinite(log_w).all()
    a = torch.softmax(log_w, 1)
    nearest = N - 1 if mu > 1 else 0
    assert a[0, nearest] == pytest.approx(1.0)
    # the ordering itself: weights fall with the distance to mu
    order = torch.argsort(log_w[0], descending=True)
    expected = torch.argsort((times[0] - mu).abs())
    assert torch.equal(order, expected)
    # normalised Eq. 1 in float64 (log-space), and the gradients that
    # move mu and sigma are there (a capped z would make them zero)
    t64 = times.double()
    eq1 = torch.softmax(-0.5 * ((t64 - mu) / 1e-3)**2, 1)
    torch.testing.assert_close(a.double(), eq1)
    mu_t = torch.tensor([[mu]], requires_grad=True)
    sigma_t = torch.full((1, 1), 1e-3, requires_grad=True)
    log_w = mog_log_weights(times, torch.ones(1, 1), mu_t, sigma_t)
    torch.log_softmax(log_w, 1)[0, N // 2].backward()
    assert torch.isfinite(mu_t.grad).all() and mu_t.grad.abs().item() > 0
    assert torch.isfinite(sigma_t.grad).all() and \
        sigma_t.grad.abs().item() > 0
