"""Eq. 3 pooling against its closed-form gradients (Eq. 4) and limits."""
import pytest
import torch
from mmdatp.models import WeightedL2Pool, weighted_l2_pool


def _inputs(b=3, n=7, c=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    scores = torch.rand(b, n, c, generator=g, dtype=torch.float64)
    scores = scores / scores.sum(-1, keepdim=True)
    weights = torch.rand(b, n, generator=g, dtype=torch.float64) + 0.1
    return scores, weights


def test_value_matches_eq3():
    scores, weights = _inputs()
    pooled = weighted_l2_pool(scores, weights)
    for b in range(scores.shape[0]):
        expected = sum(scores[b, i] * weights[b, i]
                       for i in range(scores.shape[1]))
        expected = expected / torch.sqrt((weights[b]**2).sum())
        torch.testing.assert_close(pooled[b], expected)
    torch.testing.assert_close(WeightedL2Pool()(scores, weights), pooled)


def test_gradients_match_eq4():
    scores, weights = _inputs(b=2, n=6, c=4)
    scores.requires_grad_(True)
    weights.requires_grad_(True)
    b, n, c = scores.shape
    for k in range(c):  # Jacobian row by row: d S[k] / d (I, w)
        g_i, g_w = torch.autograd.grad(
            weighted_l2_pool(scores, weights)[:, k].sum(), (scores, weights))
        w = weights.detach()
        norm = w.norm(dim=1, keepdim=True)  # B, 1
        # dS[k]/dI_i[k'] = w_i / ||w|| if k' == k else 0
        expected_i = torch.zeros(b, n, c, dtype=w.dtype)
        expected_i[:, :, k] = w / norm
        torch.testing.assert_close(g_i, expected_i)
        # dS[k]/dw_i = (||w||^2 I_i[k] - w_i sum_j w_j I_j[k]) / ||w||^3
        i_k = scores.detach()[:, :, k]  # B, N
        expected_w = (norm**2 * i_k - w * (w * i_k).sum(1, keepdim=True)) \
            / norm**3
        torch.testing.assert_close(g_w, expected_w)


def test_uniform_weights_is_scaled_average():
    scores, _ = _inputs()
    n = scores.shape[1]
    pooled = weighted_l2_pool(scores, torch.full(scores.shape[:2], 0.3,
                                                 dtype=scores.dtype))
    torch.testing.assert_close(pooled, scores.mean(1) * n**0.5)


def test_shape_errors():
    with pytest.raises(ValueError, match='weights'):
        weighted_l2_pool(torch.rand(2, 3, 4), torch.rand(2, 4))
