"""The fused MoG weights + pooling function against the unfused path, its
closed-form gradients (Eq. 2 and 4), gradcheck, the numerical guards and
autocast."""
import math

import pytest
import torch
from mmaction.registry import MODELS
from mmdatp.models import (FusedMoGPool, MoGWeightGenerator, fused_mog_pool,
                           weighted_l2_pool)

RHO, MU, SIGMA = 0, 1, 2  # layout of theta: (K, 3) = raw rho, mu, raw sigma


def _inputs(b=3, n=10, c=5, k=2, dtype=torch.float64, seed=0, spread=0.5,
            max_sigma=None, mu_range=None):
    """Log-scores (B, N, C), theta near the paper's init, times (B, N)."""
    g = torch.Generator().manual_seed(seed)
    gen = MoGWeightGenerator(k, max_sigma=max_sigma, mu_range=mu_range)
    theta = gen.init_params().repeat(b, 1) + spread * torch.randn(
        b, 3 * k, generator=g)
    log_probs = torch.log_softmax(
        2 * torch.randn(b, n, c, generator=g), dim=-1)
    times = torch.rand(b, n, generator=g)
    return (gen, log_probs.to(dtype).requires_grad_(),
            theta.to(dtype).requires_grad_(), times.to(dtype))


def _unfused(gen, log_probs, theta, times, mode):
    """What DATPHead computes without fused=True."""
    log_w = gen.log_weights(theta, times)
    if mode == 'pooled':
        w = (log_w - log_w.max(dim=1, keepdim=True)[0]).exp()
        return weighted_l2_pool(log_probs.exp(), w)
    log_a = torch.log_softmax(log_w, dim=1)
    return torch.logsumexp(log_probs + log_a.unsqueeze(-1), dim=1)


def _fused(gen, log_probs, theta, times, mode):
    scores = log_probs if mode == 'mixture' else log_probs.exp()
    return fused_mog_pool(scores, theta, times, gen.min_sigma, gen.max_sigma,
                          mode, gen.mu_range)


def _value_and_grads(fn, gen, log_probs, theta, times, mode, seed=1):
    out = fn(gen, log_probs, theta, times, mode)
    g = torch.randn(out.shape, generator=torch.Generator().manual_seed(seed),
                    dtype=out.dtype)
    grads = torch.autograd.grad(out, (log_probs, theta), g)
    return (out, ) + grads


@pytest.mark.parametrize('mode', ['pooled', 'mixture'])
@pytest.mark.parametrize('k,max_sigma,mu_range', [
    (1, None, None), (2, None, None), (3, None, None), (2, 0.6, None),
    (2, None, (0.0, 1.0)), (3, 0.6, (-0.25, 1.25))])
def test_matches_unfused_path_in_float64(mode, k, max_sigma, mu_range):
    gen, log_probs, theta, times = _inputs(k=k, max_sigma=max_sigma,
                                           mu_range=mu_range)
    fused = _value_and_grads(_fused, gen, log_probs, theta, times, mode)
    unfused = _value_and_grads(_unfused, gen, log_probs, theta, times, mode)
    for a, b in zip(fused, unfused):
        assert a.dtype == torch.float64
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-13)
    # the check has teeth: the weights are far from uniform here
    uniform = torch.logsumexp(log_probs, 1) - math.log(log_probs.shape[1])
    if mode == 'mixture':
        assert (fused[0] - uniform).abs().max() > 0.05


@pytest.mark.parametrize('mode', ['pooled', 'mixture'])
@pytest.mark.parametrize('max_sigma,mu_range', [(None, None), (0.6, None),
                                                (None, (0.0, 1.0))])
def test_gradcheck(mode, max_sigma, mu_range):
    gen, log_probs, theta, times = _inputs(b=2, n=6, c=3, k=2,
                                           max_sigma=max_sigma,
                                           mu_range=mu_range)
    scores = (log_probs if mode == 'mixture' else log_probs.exp()).detach()
    scores.requires_grad_()

    def fn(s, th):
        return fused_mog_pool(s, th, times, gen.min_sigma, max_sigma, mode,
                              mu_range)

    assert torch.autograd.gradcheck(fn, (scores, theta.detach()
                                         .requires_grad_()))


def test_gradients_match_eq2_and_eq4_by_hand():
    """K=1, pooled: dS/dI_i = w_i / ||w|| and dS/dmu, dS/dsigma from Eq. 4
    chained with Eq. 2, in closed form."""
    times = torch.tensor([[0.05, 0.3, 0.55, 0.8]], dtype=torch.float64)
    rho, mu, sigma = 0.7, 0.4, 0.25
    scores = torch.tensor([[[0.1, 0.9], [0.5, 0.5], [0.8, 0.2], [0.3, 0.7]]],
                          dtype=torch.float64, requires_grad=True)
    # theta from (rho, mu, sigma): sigma = softplus(raw) + min_sigma
    min_sigma = 1e-3
    inv_sp = lambda y: math.log(math.expm1(y))  # noqa: E731
    theta = torch.tensor([[inv_sp(rho), mu, inv_sp(sigma - min_sigma)]],
                         dtype=torch.float64, requires_grad=True)
    pooled = fused_mog_pool(scores, theta, times, min_sigma)
    t = times[0]
    pdf = torch.exp(-(t - mu)**2 / (2 * sigma**2)) / math.sqrt(
        2 * math.pi * sigma**2)
    w = rho * pdf  # Eq. 1
    norm = w.norm()
    I = scores.detach()[0]  # noqa: E741  N, C
    torch.testing.assert_close(pooled[0], (I * w[:, None]).sum(0) / norm)
    dw_dmu = w * (t - mu) / sigma**2  # Eq. 2
    dw_dsigma = w / sigma * ((t - mu)**2 / sigma**2 - 1)
    for c in range(2):
        g_scores, g_theta = torch.autograd.grad(
            pooled[0, c], (scores, theta), retain_graph=True)
        expected = torch.zeros_like(I)
        expected[:, c] = w / norm  # Eq. 4, dS/dI
        torch.testing.assert_close(g_scores[0], expected)
        dS_dw = (norm**2 * I[:, c] - w * (w * I[:, c]).sum()) / norm**3
        torch.testing.assert_close(g_theta[0, MU], (dS_dw * dw_dmu).sum())
        sig = 1 / (1 + math.exp(-inv_sp(sigma - min_sigma)))  # dsigma/draw
        torch.testing.assert_close(g_theta[0, SIGMA],
                                   (dS_dw * dw_dsigma).sum() * sig)
        # S does not depend on the scale rho of a single Gaussian
        assert abs(g_theta[0, RHO].item()) < 1e-12


@pytest.mark.parametrize('field,value', [
    (SIGMA, -1e4),  # sigma collapses to its floor min_sigma
    (SIGMA, -1e30),
    (RHO, -1e4),  # every mixture weight underflows to 0
    (RHO, -30.0),  # below log_softplus's switch at -20
    (MU, 40.0),  # far mean
    (MU, 1e6),
    (MU, 1e20),  # z capped at MAX_Z: no gradient through it
    (MU, -1e20),
    (SIGMA, 1e30),  # flat weights
])
@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
@pytest.mark.parametrize('mode', ['pooled', 'mixture'])
def test_extremes_match_unfused_path(field, value, dtype, mode):
    gen, log_probs, theta, times = _inputs(b=2, n=6, c=4, dtype=dtype)
    with torch.no_grad():
        theta.view(2, 2, 3)[0, :, field] = value  # both Gaussians, video 0
        if field == MU and value == 40.0:  # with sigma at its floor
            theta.view(2, 2, 3)[0, :, SIGMA] = -1e4
    fused = _value_and_grads(_fused, gen, log_probs, theta, times, mode)
    unfused = _value_and_grads(_unfused, gen, log_probs, theta, times, mode)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == torch.float32 else dict(
        rtol=1e-9, atol=1e-10)
    for a in fused:
        assert torch.isfinite(a).all()
    torch.testing.assert_close(fused[0], unfused[0], **tol)
    if dtype == torch.float32 and field == MU and value == 1e6:
        # log w ~ -8e12, where float32's spacing is 1e6: the segments'
        # log-weights tie in both paths and neither gradient means anything
        # (both are off from float64's by 1e5-1e6); only finite
        return
    for a, b in zip(fused[1:], unfused[1:]):
        torch.testing.assert_close(a, b, **tol)


@pytest.mark.parametrize('mode', ['pooled', 'mixture'])
@pytest.mark.parametrize('mu', [None, 3.0, 40.0])
def test_float32_gradients_as_accurate_as_unfused(mode, mu):
    """Against float64, the fused float32 gradients are no further off
    than the unfused float32 ones (pooled: the Jacobian is centred; at
    mu = 40 it is 100x closer than without)."""
    errors = []
    for fn in (_fused, _unfused):
        results = []
        for dtype in (torch.float32, torch.float64):
            gen, log_probs, theta, times = _inputs(b=4, dtype=dtype, seed=3)
            if mu is not None:
                with torch.no_grad():
                    theta.view(4, 2, 3)[:, :, MU] = mu
            results.append(
                _value_and_grads(fn, gen, log_probs, theta, times, mode))
        errors.append(max((a.double() - b).abs().max().item()
                          for a, b in zip(*results)))
    fused_error, unfused_error = errors
    assert fused_error <= 2 * unfused_error + 1e-6, errors


def test_collapsed_sigma_selects_the_nearest_segment():
    """sigma at its floor and mu beyond the end: S is the last segment's
    scores (the Eq. 1 limit), not an average."""
    n = 6
    times = torch.linspace(0, 1, n).unsqueeze(0)
    scores = torch.softmax(torch.randn(1, n, 3), -1)
    theta = torch.tensor([[0.0, 40.0, -1e4]], requires_grad=True)
    pooled = fused_mog_pool(scores, theta, times)
    torch.testing.assert_close(pooled, scores[:, -1])
    mix = fused_mog_pool(scores.log(), theta, times, mode='mixture')
    torch.testing.assert_close(mix, scores[:, -1].log())


def test_no_gradient_through_a_capped_z():
    times = torch.rand(1, 4, dtype=torch.float64)
    scores = torch.softmax(torch.randn(1, 4, 3, dtype=torch.float64), -1)
    theta = torch.tensor([[0.0, 1e20, 0.0, 0.0, 0.5, 0.0]],
                         dtype=torch.float64, requires_grad=True)
    g, = torch.autograd.grad(fused_mog_pool(scores, theta, times).sum(),
                             theta)
    assert g[0, MU] == 0  # z capped: mu of the far Gaussian is constant
    assert g[0, 3 + MU] != 0


@pytest.mark.parametrize('mode', ['pooled', 'mixture'])
def test_float32_under_cpu_bf16_autocast(mode):
    gen, log_probs, theta, times = _inputs(dtype=torch.float32)
    scores = log_probs if mode == 'mixture' else log_probs.exp()
    plain = fused_mog_pool(scores, theta, times, mode=mode)
    g_plain = torch.autograd.grad(plain.sum(), (scores, theta))
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = fused_mog_pool(scores, theta, times, mode=mode)
        # theta as an aux net's bf16 linear layer hands it over
        out16 = fused_mog_pool(scores, theta.bfloat16(), times, mode=mode)
    assert out.dtype == out16.dtype == torch.float32
    # not a single op ran in bf16 (bmm would under autocast)
    torch.testing.assert_close(out, plain, rtol=0, atol=0)
    g = torch.autograd.grad(out.sum(), (scores, theta))
    for a, b in zip(g, g_plain):
        assert a.dtype == torch.float32
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    g16, = torch.autograd.grad(out16.sum(), theta)
    assert g16.dtype == torch.float32 and torch.isfinite(g16).all()


def test_module_and_bad_arguments():
    gen, log_probs, theta, times = _inputs(max_sigma=0.6)
    module = FusedMoGPool(gen.min_sigma, 0.6, mode='mixture')
    assert 'mixture' in repr(module)
    torch.testing.assert_close(
        module(log_probs, theta, times),
        _unfused(gen, log_probs, theta, times, 'mixture'))
    with pytest.raises(ValueError, match='mode'):
        FusedMoGPool(mode='avg')
    with pytest.raises(ValueError, match='mode'):
        fused_mog_pool(log_probs, theta, times, mode='avg')
    with pytest.raises(ValueError, match='theta'):
        fused_mog_pool(log_probs, theta[:, :5], times)
    with pytest.raises(ValueError, match='times'):
        fused_mog_pool(log_probs, theta, times[:, :4])
    assert MODELS.get('MoGWeightGenerator') is MoGWeightGenerator
