"""Mixture-of-Gaussians weights generator (paper Eq. 1 and 2)."""
import math
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS

from ..grad_scale import scale_grad
from .base import (LOG_SQRT_2PI, BaseWeightGenerator, inverse_softplus,
                   log_softplus)

#: Cap of |t - mu| / sigma in :func:`mog_log_weights` (overflow guard):
#: z^2 / 2 <= 5e35 stays finite in float32/bfloat16 (max 3.4e38). The cap
#: must be far beyond any z the segments can reach: where every segment's z
#: is capped, all of them get the same log-weight, i.e. uniform attention
#: instead of Eq. 1's limit (all weight on the segment nearest mu). A cap of
#: 1e4 did that to a K=1 mixture whose mean ran to t ~ 40 with sigma at its
#: 1e-3 floor (z ~ 4e4): its weights became average pooling.
MAX_Z = 1e18


def mog_log_weights(times: torch.Tensor,
                    rho: torch.Tensor,
                    mu: torch.Tensor,
                    sigma: torch.Tensor,
                    log_rho: Optional[torch.Tensor] = None,
                    normalize_components: bool = False) -> torch.Tensor:
    """Log of Eq. 1, ``w_i = sum_k rho_k N(t_i; mu_k, sigma_k^2)``.

    With ``normalize_components`` (not in the paper) each Gaussian's
    densities are first normalised over the N segments,
    ``w_i = sum_k rho_k N_ik / sum_j N_jk``: every Gaussian then spreads
    the mass ``rho_k`` over the segments wherever its mean and however
    narrow it is, as the single Gaussian of K=1 does after the pooling's
    normalisation (K=1 is unchanged by it).

    Args:
        times (torch.Tensor): Normalised segment times ``t``, shape (B, N).
        rho (torch.Tensor): Positive mixture weights, shape (B, K).
        mu (torch.Tensor): Means, shape (B, K).
        sigma (torch.Tensor): Positive standard deviations, shape (B, K).
        log_rho (torch.Tensor, optional): ``log(rho)`` computed more
            accurately by the caller (e.g. from the raw parameter); by
            default ``log(rho)``, with ``rho`` floored at the smallest
            normal float so that a vanishing weight stays finite.
        normalize_components (bool): Normalise each Gaussian over the
            segments before mixing. Defaults to False (Eq. 1).

    Returns:
        torch.Tensor: ``log w`` of shape (B, N); finite for any finite
        inputs: the standardised distance ``|t - mu| / sigma`` is capped at
        ``MAX_Z`` = 1e18, so that ``z^2`` cannot overflow into inf/NaN
        however ``sigma`` collapses or ``mu`` runs away, while below the cap
        the segments keep their order (the nearest to ``mu`` weighs most,
        as in Eq. 1).
    """
    t = times.unsqueeze(-1)  # B, N, 1
    if log_rho is None:
        log_rho = rho.clamp_min(torch.finfo(rho.dtype).tiny).log()
    log_rho = log_rho.unsqueeze(1)
    mu, sigma = mu.unsqueeze(1), sigma.unsqueeze(1)
    z = ((t - mu) / sigma).clamp(-MAX_Z, MAX_Z)  # B, N, K
    if normalize_components:  # log(N_ik / sum_j N_jk)
        log_comp = log_rho + torch.log_softmax(-0.5 * z**2, dim=1)
    else:
        log_comp = log_rho - sigma.log() - LOG_SQRT_2PI - 0.5 * z**2
    return torch.logsumexp(log_comp, dim=-1)


def bounded_mean(raw_mu: torch.Tensor, lo: float,
                 hi: float) -> Tuple[torch.Tensor, torch.Tensor]:
    """A mean in ``(lo, hi)`` that moves like the paper's raw mean near
    the middle of the range.

    ``mu = lo + (hi - lo) * sigmoid(4 (raw - c) / (hi - lo))`` with
    ``c = (lo + hi) / 2``, i.e. ``c + h tanh((raw - c) / h)`` for the half
    width ``h``: the identity (slope 1, as the paper's unbounded mean) at
    ``c``, saturating towards the bounds. A plain ``sigmoid(raw)`` onto
    (-0.5, 1.5) has slope 0.49 at the paper's initial means 1/3 and 2/3;
    on the video ``position`` benchmark the means then moved about half as
    fast as the unbounded ones and K=2 had not found the key window when
    the fine-tuning ended.

    Args:
        raw_mu (torch.Tensor): Raw means.
        lo (float): Lower bound.
        hi (float): Upper bound.

    Returns:
        tuple[torch.Tensor, torch.Tensor]: ``mu`` and ``d mu / d raw``.
    """
    width = hi - lo
    s = torch.sigmoid(4.0 * (raw_mu - 0.5 * (lo + hi)) / width)
    return lo + width * s, 4.0 * s * (1 - s)


def bounded_mean_inverse(mu: torch.Tensor, lo: float,
                         hi: float) -> torch.Tensor:
    """The raw mean that :func:`bounded_mean` maps onto ``mu``."""
    width = hi - lo
    return 0.5 * (lo + hi) + 0.25 * width * torch.logit((mu - lo) / width)


def mog_weights(times: torch.Tensor, rho: torch.Tensor, mu: torch.Tensor,
                sigma: torch.Tensor) -> torch.Tensor:
    """Eq. 1 itself: the MoG density at ``times``, shape (B, N)."""
    return mog_log_weights(times, rho, mu, sigma).exp()


@MODELS.register_module()
class MoGWeightGenerator(BaseWeightGenerator):
    """Temporal weights sampled from a mixture of K Gaussians (Eq. 1).

    ``theta`` (B, 3K) holds, per Gaussian, raw mixture weight, mean and scale.
    Positivity is enforced by ``rho = softplus(raw_rho)`` and
    ``sigma = softplus(raw_sigma) + min_sigma``; means are unconstrained (a
    Gaussian centred outside [0, 1] still weights the segments near its
    side). The initial parameters follow the paper (Sec. 4.2): means
    ``k / (K + 1)``, variance ``sigma^2 = 0.2`` and equal mixture weights
    ``1 / K``. Gradients w.r.t. (rho, mu, sigma) are those of Eq. 2.

    Args:
        num_gaussians (int): K, the number of Gaussians. Defaults to 2.
        init_variance (float): Initial ``sigma_k^2``. Defaults to 0.2.
        min_sigma (float): Lower bound of ``sigma``; keeps the density finite.
            Defaults to 1e-3.
        mu_range (tuple[float, float], optional): Bounds ``(lo, hi)`` of the
            means (not in the paper). None (default) keeps the paper's
            unbounded means. If set, ``mu = lo + (hi - lo) *
            sigmoid(4 (raw_mu - c) / (hi - lo))`` with ``c`` the middle of
            the range (:func:`bounded_mean`: slope 1 at ``c``, like the
            paper's raw mean), initialised at the paper's ``k / (K + 1)``.
        max_sigma (float, optional): Upper bound of ``sigma`` (not in the
            paper). None (default) keeps the paper's unbounded scale. If
            set, ``sigma = min_sigma + (max_sigma - min_sigma) *
            sigmoid(raw_sigma)``: a Gaussian cannot flatten into uniform
            weights, which the mixtures do when fine-tuned on the synthetic
            key-action benchmark (sigma ran off to 20-110; see README).
        init_mean_spread (float): Spread of the initial means around 0.5
            (not in the paper at values other than 1): Gaussian ``k``
            starts at ``0.5 + s * (k / (K + 1) - 0.5)``. 1 (default) gives
            the paper's ``k / (K + 1)``; a small ``s`` starts K Gaussians
            close together near the middle, so that at first they weight
            the segments as one Gaussian does (K=1 is the same at any
            ``s``). Must be in (0, 1]: at 0 the Gaussians would start
            identical, get identical gradients and never separate.
        share_scaled_grad (bool): Divide the gradient reaching each
            Gaussian's mean and sigma by its share ``rho_k / sum_j rho_j``
            of the mixture (not in the paper; the values are unchanged).
            Eq. 2 scales a Gaussian's gradients by ``rho_k``, so each of K
            Gaussians starts moving about K times slower than the single
            Gaussian of K=1; dividing by the share (the mixture factor of
            the natural gradient) lets each move as K=1's would. K=1 is
            unchanged (its share is 1). Defaults to False.
        normalize_components (bool): Normalise each Gaussian's densities
            over the segments before mixing (not in the paper; see
            :func:`mog_log_weights`): a Gaussian whose density vanishes at
            every segment (a narrow one between segments, or one whose mean
            left [0, 1]) still weights its nearest segments by ``rho_k``,
            instead of leaving the other Gaussian to decide alone. False
            (default) is Eq. 1.
        init_cfg (dict, optional): mmengine init config. Defaults to None.
    """

    def __init__(self,
                 num_gaussians: int = 2,
                 init_variance: float = 0.2,
                 min_sigma: float = 1e-3,
                 max_sigma: Optional[float] = None,
                 mu_range: Optional[Tuple[float, float]] = None,
                 normalize_components: bool = False,
                 init_mean_spread: float = 1.0,
                 share_scaled_grad: bool = False,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not isinstance(num_gaussians, int) or num_gaussians < 1:
            raise ValueError('MoGWeightGenerator: num_gaussians (K) must be an '
                             f'int >= 1, got {num_gaussians!r}')
        if not init_variance > 0:
            raise ValueError('MoGWeightGenerator: init_variance must be > 0, '
                             f'got {init_variance!r}')
        if not 0 <= min_sigma < math.sqrt(init_variance):
            raise ValueError('MoGWeightGenerator: min_sigma must be in '
                             '[0, sqrt(init_variance)), got '
                             f'{min_sigma!r}')
        if max_sigma is not None and not max_sigma > math.sqrt(
                init_variance):
            raise ValueError('MoGWeightGenerator: max_sigma must be None or '
                             '> sqrt(init_variance) = '
                             f'{math.sqrt(init_variance):.4g}, got '
                             f'{max_sigma!r}')
        if isinstance(init_mean_spread, bool) or not isinstance(
                init_mean_spread, (int, float)) or \
                not 0 < init_mean_spread <= 1:
            raise ValueError('MoGWeightGenerator: init_mean_spread must be a '
                             'number in (0, 1] (1: the paper\'s means '
                             f'k/(K+1)), got {init_mean_spread!r}')
        self.num_gaussians = num_gaussians
        self.init_mean_spread = float(init_mean_spread)
        if mu_range is not None:
            mu_range = tuple(float(v) for v in mu_range)
            inits = self.init_means().tolist()
            if len(mu_range) != 2 or not mu_range[0] < min(inits) or \
                    not max(inits) < mu_range[1]:
                raise ValueError(
                    'MoGWeightGenerator: mu_range must be None or (lo, hi) '
                    f'around the initial means ({min(inits):.4g} to '
                    f'{max(inits):.4g}; the paper\'s are 1/(K+1) to '
                    f'K/(K+1)), got {mu_range!r}')
        self.mu_range = mu_range
        self.normalize_components = bool(normalize_components)
        self.share_scaled_grad = bool(share_scaled_grad)
        self.init_variance = init_variance
        self.min_sigma = min_sigma
        self.max_sigma = max_sigma

    @property
    def num_params(self) -> int:
        return 3 * self.num_gaussians

    def init_means(self) -> torch.Tensor:
        """Initial means (K,): the paper's ``k / (K + 1)``, pulled towards
        0.5 by ``init_mean_spread``."""
        k = self.num_gaussians
        paper = torch.arange(1, k + 1, dtype=torch.float32) / (k + 1)
        return 0.5 + self.init_mean_spread * (paper - 0.5)

    def init_params(self) -> torch.Tensor:
        k = self.num_gaussians
        rho = torch.full((k, ), 1.0 / k)
        mu = self.init_means()
        sigma = torch.full((k, ), math.sqrt(self.init_variance))
        if self.max_sigma is None:
            raw_sigma = inverse_softplus(sigma - self.min_sigma)
        else:  # the logit of sigma's position in (min_sigma, max_sigma)
            raw_sigma = torch.logit((sigma - self.min_sigma) /
                                    (self.max_sigma - self.min_sigma))
        raw_mu = mu if self.mu_range is None else bounded_mean_inverse(
            mu, *self.mu_range)
        raw = torch.stack([inverse_softplus(rho), raw_mu, raw_sigma],
                          dim=1)  # K, 3
        return raw.flatten()

    def decode(self, theta: torch.Tensor) -> Dict[str, torch.Tensor]:
        if theta.dim() != 2 or theta.shape[1] != self.num_params:
            raise ValueError(f'MoGWeightGenerator(K={self.num_gaussians}) '
                             f'expects theta of shape (B, {self.num_params})'
                             f', got {tuple(theta.shape)}')
        raw = theta.view(theta.shape[0], self.num_gaussians, 3)
        if self.max_sigma is None:
            sigma = F.softplus(raw[..., 2]) + self.min_sigma
        else:
            sigma = self.min_sigma + (self.max_sigma - self.min_sigma) * \
                torch.sigmoid(raw[..., 2])
        mu = raw[..., 1]
        if self.mu_range is not None:
            mu = bounded_mean(mu, *self.mu_range)[0]
        return dict(rho=F.softplus(raw[..., 0]), mu=mu, sigma=sigma)

    def log_weights(self, theta: torch.Tensor,
                    times: torch.Tensor) -> torch.Tensor:
        p = self.decode(theta)
        raw_rho = theta.view(theta.shape[0], self.num_gaussians, 3)[..., 0]
        mu, sigma = p['mu'], p['sigma']
        if self.share_scaled_grad and self.num_gaussians > 1:
            share = p['rho'] / p['rho'].sum(dim=1, keepdim=True)
            # a vanishing share would blow the gradient up: cap the
            # factor at 1e3 (a share of 0.1%)
            factor = share.clamp_min(1e-3).reciprocal()
            mu, sigma = scale_grad(mu, factor), scale_grad(sigma, factor)
        return mog_log_weights(
            times, p['rho'], mu, sigma,
            log_rho=log_softplus(raw_rho),
            normalize_components=self.normalize_components)

    def extra_repr(self) -> str:
        return (f'num_gaussians={self.num_gaussians}, '
                f'init_variance={self.init_variance}, '
                f'max_sigma={self.max_sigma}, mu_range={self.mu_range}, '
                f'normalize_components={self.normalize_components}, '
                f'init_mean_spread={self.init_mean_spread}, '
                f'share_scaled_grad={self.share_scaled_grad}')
