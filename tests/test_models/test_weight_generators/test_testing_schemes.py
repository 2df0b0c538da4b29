"""The testing schemes' weights generators: UniformWeights (P2/P3) and
RandomMoG (P1), alone and as DATPHead's pooling='avg' / 'random'."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmdatp.models import RandomMoG, UniformWeights


def build_head(n=10, **kwargs):
    cfg = dict(
        type='DATPHead',
        num_classes=4,
        in_channels=8,
        num_segments=n,
        aux_net=dict(type='DATPScoreAuxNet'),
        spatial_type=None,
        dropout_ratio=0)
    cfg.update(kwargs)
    head = MODELS.build(cfg)
    head.init_weights()
    return head.eval()


def centres(b, n):
    return ((torch.arange(n) + 0.5) / n).expand(b, n)


def test_registered_and_not_learned():
    uni = MODELS.build(dict(type='UniformWeights'))
    rnd = MODELS.build(dict(type='RandomMoG', num_gaussians=3, seed=0))
    assert isinstance(uni, UniformWeights) and isinstance(rnd, RandomMoG)
    assert not uni.learned and not rnd.learned
    assert uni.num_params == 0 and rnd.num_params == 9
    t = torch.rand(4, 7)
    torch.testing.assert_close(
        uni.log_weights(uni.sample_theta(4, t), t), torch.zeros(4, 7))
    with pytest.raises(ValueError, match='sigma_range'):
        RandomMoG(sigma_range=(0.3, 0.1))
    with pytest.raises(NotImplementedError, match='aux net'):
        MODELS.build(dict(type='MoGWeightGenerator')).sample_theta(1, t)


def test_random_mog_follows_its_distribution_and_eq1():
    gen = RandomMoG(num_gaussians=2, sigma_range=(0.05, 0.25), seed=0)
    t = centres(4000, 10)
    theta = gen.sample_theta(4000, t)
    p = gen.decode(theta)
    torch.testing.assert_close(p['rho'], torch.full((4000, 2), 0.5))
    for key, (low, high) in dict(mu=(0, 1), sigma=(0.05, 0.25)).items():
        v = p[key]
        assert low <= v.min() and v.max() <= high
        # uniform: mean and spread of U[low, high]
        assert abs(v.mean().item() - (low + high) / 2) < 0.02 * (high - low)
        assert abs(v.std().item() - (high - low) / math.sqrt(12)) < \
            0.03 * (high - low)
    # Eq. 1 written out
    w = sum(p['rho'][:, k:k + 1] * torch.exp(-(t - p['mu'][:, k:k + 1])**2 /
                                             (2 * p['sigma'][:, k:k + 1]**2)) /
            (p['sigma'][:, k:k + 1] * math.sqrt(2 * math.pi))
            for k in range(2))
    torch.testing.assert_close(
        gen.log_weights(theta, t), w.log(), atol=1e-4, rtol=1e-4)


def test_random_mixtures_are_visible_not_near_average():
    """P1 measured before the fix: median largest attention 0.128 (uniform
    0.1), 9.41 effective segments of 10. Now ~0.25 and ~5.8."""
    head = build_head(pooling='random', random_seed=0)
    b, n = 3000, 10
    _, d = head(torch.randn(b * n, 8), n, return_details=True)
    a = d['attention']
    top = a.max(1).values.median().item()
    eff = (1 / (a**2).sum(1)).median().item()
    assert 0.2 < top < 0.35, top
    assert 4.5 < eff < 7.0, eff


def test_random_draw_is_per_video_and_shared_by_its_views(monkeypatch):
    head = build_head(pooling='random', random_seed=1)
    monkeypatch.setattr(head.aux_net, 'forward',
                        lambda *a: pytest.fail('P1 ran the aux net'))
    b, views, n = 4, 3, 10
    x = torch.randn(b * views * n, 8)
    _, d = head(x, views * n, return_details=True)
    per_video = d['attention'].view(b, views, n)
    mu = d['mu'].view(b, views, 2)
    for v in range(1, views):
        torch.testing.assert_close(per_video[:, v], per_video[:, 0])
        torch.testing.assert_close(mu[:, v], mu[:, 0])
    # different videos get different mixtures
    assert (mu[1:, 0] - mu[:1, 0]).abs().min() > 0
    # same seed, same draws; the generators add nothing to the state dict
    again = build_head(pooling='random', random_seed=1)
    _, d2 = again(x, views * n, return_details=True)
    torch.testing.assert_close(d2['attention'], d['attention'])
    assert not any('random_weights' in k or 'uniform_weights' in k
                   for k in head.state_dict())


def test_avg_pooling_is_the_uniform_generator():
    head = build_head(pooling='avg')
    assert head.pooling_generator is head.uniform_weights
    x = torch.randn(2 * 6, 8)
    score, d = head(x, 6, return_details=True)
    probs = F.softmax(head.fc_cls(x), -1).view(2, 6, 4)
    torch.testing.assert_close(score.exp(), probs.mean(1))
    torch.testing.assert_close(d['attention'], torch.full((2, 6), 1 / 6))
