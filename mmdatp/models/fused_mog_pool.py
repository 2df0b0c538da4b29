"""MoG weights (Eq. 1) and DATP pooling (Eq. 3) as one autograd function.

The unfused path, ``MoGWeightGenerator.log_weights`` followed by the head's
pooling, records some 30 small ops, each with its own backward node: on a GPU
their launches, not their arithmetic, are the cost. Here the forward pass
runs the same ops once, in float32 whatever the autocast state, and also
forms the Jacobian ``d log w_i / d theta`` (B, N, 3K, from Eq. 2); the
backward pass is then a handful of ops: Eq. 4 (or its log-space form, below)
for the gradient of ``log w``, and one batched matrix product with the
Jacobian for the gradient of ``theta``. No op reads a value back to the host.

Tensor flow, B pooled sequences of N segments, C classes, K Gaussians::

    theta (B, 3K) -> raw rho, mu, raw sigma (B, K) each
        rho = softplus(raw rho), sigma = softplus(raw sigma) + min_sigma
        (or min_sigma + (max_sigma - min_sigma) * sigmoid(raw sigma));
        mu = raw mu (or bounded_mean(raw mu, lo, hi) with mu_range)
    times t (B, N) -> z = clamp((t - mu) / sigma, +-MAX_Z)     (B, N, K)
        log w = logsumexp_k(log rho - log sigma - log sqrt(2 pi) - z^2 / 2)
    mode 'pooled':  S = sum_i I_i w_i / ||w||_2          (B, C)   Eq. 3
    mode 'mixture': log(S / sum_c S) = logsumexp_i(log I_i + log a_i),
                    a = w / sum_i w_i                    (B, C)

'mixture' is what :class:`~mmdatp.models.DATPHead` trains on by default (see
its docstring); it takes log-scores so that it stays in log space like the
head. Both modes give exactly the unfused head's values, up to float
rounding, with the same numerical guards (``MAX_Z`` cap with a zero gradient
through a capped z, ``log rho`` from the raw value below -20, the sigma
floor).
"""
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .weight_generators.base import LOG_SQRT_2PI
from .weight_generators.mog import MAX_Z, bounded_mean

MODES = ('pooled', 'mixture')
#: below this raw value ``log(softplus(x))`` is taken as ``x`` (as in
#: :func:`mmdatp.models.weight_generators.base.log_softplus`)
LOG_SOFTPLUS_SWITCH = -20.0


def _mog_log_weights_and_jacobian(
        theta: torch.Tensor, times: torch.Tensor, min_sigma: float,
        max_sigma: Optional[float], with_jacobian: bool = True,
        mu_range: Optional[Tuple[float, float]] = None
) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
    """``log w`` (B, N) of Eq. 1 and its Jacobian w.r.t. ``theta``.

    With ``gamma_ik`` the responsibility of Gaussian k for segment i
    (``rho_k N_ik / w_i``) and ``z_ik = (t_i - mu_k) / sigma_k``, Eq. 2 in
    log form reads::

        d log w_i / d log rho_k = gamma_ik
        d log w_i / d mu_k      = gamma_ik z_ik / sigma_k
        d log w_i / d sigma_k   = gamma_ik (z_ik^2 - 1) / sigma_k

    chained through the softplus/sigmoid of the raw parameters. Where z is
    capped at ``MAX_Z``, it is a constant (as autograd's clamp has it).

    Returns:
        tuple: ``log w`` (B, N) and the Jacobian (B, N, 3K), laid out like
        ``theta`` (per Gaussian: raw rho, mu, raw sigma); None without
        ``with_jacobian``.
    """
    b, k3 = theta.shape
    raw = theta.view(b, k3 // 3, 3)  # B, K, 3
    raw_rho, raw_mu, raw_sigma = raw.unbind(-1)  # B, K each
    if mu_range is None:
        mu = raw_mu
    else:
        mu, d_mu_raw = bounded_mean(raw_mu, *mu_range)
    # log rho = log softplus(raw rho), as log_softplus computes it
    clamped = raw_rho.clamp_min(LOG_SOFTPLUS_SWITCH)
    softplus_rho = F.softplus(clamped)
    low = raw_rho < LOG_SOFTPLUS_SWITCH
    log_rho = torch.where(low, raw_rho, softplus_rho.log())
    if max_sigma is None:
        sigma = F.softplus(raw_sigma) + min_sigma
    else:
        s = torch.sigmoid(raw_sigma)
        sigma = min_sigma + (max_sigma - min_sigma) * s
    z_free = (times.unsqueeze(-1) - mu.unsqueeze(1)) / sigma.unsqueeze(1)
    z = z_free.clamp(-MAX_Z, MAX_Z)  # B, N, K
    log_comp = (log_rho - sigma.log() - LOG_SQRT_2PI).unsqueeze(1) - \
        0.5 * z * z
    log_w = torch.logsumexp(log_comp, dim=-1)  # B, N
    if not with_jacobian:
        return log_w, None
    # derivatives of log rho and sigma w.r.t. their raw values
    d_log_rho = torch.where(low, 1.0, torch.sigmoid(clamped) / softplus_rho)
    if max_sigma is None:
        d_sigma = torch.sigmoid(raw_sigma)
    else:
        d_sigma = (max_sigma - min_sigma) * s * (1 - s)
    inv_sigma = sigma.reciprocal().unsqueeze(1)  # B, 1, K
    d_mu = inv_sigma if mu_range is None else \
        inv_sigma * d_mu_raw.unsqueeze(1)
    z_grad = torch.where(z == z_free, z, 0.0)  # 0 where capped
    gamma = (log_comp - log_w.unsqueeze(-1)).exp()  # B, N, K
    jac = torch.stack([
        gamma * d_log_rho.unsqueeze(1),
        gamma * z_grad * d_mu,
        gamma * (z * z_grad - 1) * (inv_sigma * d_sigma.unsqueeze(1)),
    ], dim=-1)  # B, N, K, 3
    return log_w, jac.flatten(2)


class FusedMoGPoolFunction(torch.autograd.Function):
    """Autograd function of :func:`fused_mog_pool` (float32 or float64).

    The forward pass also contracts the closed-form gradients into what the
    backward pass needs, so that the backward is two ops (an outer product
    and a batched matrix-vector product). With ``g = dL/dout`` (B, C) and
    ``J = d log w / d theta`` (B, N, 3K, Eq. 2 in log form)::

        'pooled':  dS_c / dI_ic = u_i,  u = w / ||w||              (Eq. 4)
                   dS_c / d log w_i = w_i dS_c / dw_i
                                    = u_i (I_ic - u_i S_c)          (Eq. 4)
        'mixture': r_ic = a_i I_ic / sum_j a_j I_jc (softmax over i)
                   d out_c / d log I_ic = d out_c / d log a_i = r_ic
                   d log a_i / d theta = J_i - sum_j a_j J_j

    and ``dL/dtheta = g^T Q`` with ``Q = (d out / d log w) J`` (B, C, 3K)
    formed in the forward pass. Saved for backward: ``u`` (B, N) or ``r``
    (B, N, C), and ``Q``.
    """

    @staticmethod
    def forward(ctx, scores: torch.Tensor, theta: torch.Tensor,
                times: torch.Tensor, min_sigma: float,
                max_sigma: Optional[float], mode: str,
                mu_range: Optional[Tuple[float, float]] = None
                ) -> torch.Tensor:
        need_theta = ctx.needs_input_grad[1]
        log_w, jac = _mog_log_weights_and_jacobian(
            theta, times, min_sigma, max_sigma, need_theta, mu_range)
        q = None
        if mode == 'pooled':
            # S is invariant to the scale of w: shift by the max so that
            # exp cannot underflow everywhere; u = w / ||w||
            w = (log_w - log_w.amax(dim=1, keepdim=True)).exp()
            u = w / w.norm(dim=1, keepdim=True)  # B, N
            out = torch.bmm(u.unsqueeze(1), scores).squeeze(1)  # B, C
            if need_theta:
                u3 = u.unsqueeze(-1)
                d_log_w = u3 * (scores - u3 * out.unsqueeze(1))  # B, N, C
                # sum_i d_log_w_ic = 0 (S ignores the scale of w), so any
                # row may be taken off J: the u^2-weighted mean, which
                # spares float32 the cancellation of large J rows
                jac = jac - torch.bmm(u.square().unsqueeze(1), jac)
                q = torch.bmm(d_log_w.transpose(1, 2), jac)  # B, C, 3K
            saved = u
        else:  # log(sum_i a_i I_i) from log I
            log_a = torch.log_softmax(log_w, dim=1)  # B, N
            joint = scores + log_a.unsqueeze(-1)  # B, N, C
            out = torch.logsumexp(joint, dim=1)  # B, C
            r = torch.softmax(joint, dim=1)  # B, N, C
            if need_theta:
                a = log_a.exp().unsqueeze(1)  # B, 1, N
                # d log a / d theta; its rows centred on their a-weighted
                # mean, which also spares float32 a cancellation
                jac_a = jac - torch.bmm(a, jac)
                q = torch.bmm(r.transpose(1, 2), jac_a)  # B, C, 3K
            saved = r
        ctx.save_for_backward(saved, q)
        ctx.mode = mode
        return out

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        saved, q = ctx.saved_tensors
        grad_scores = grad_theta = None
        if ctx.needs_input_grad[0]:
            if ctx.mode == 'pooled':  # u_i g_c
                grad_scores = saved.unsqueeze(-1) * grad.unsqueeze(1)
            else:  # r_ic g_c
                grad_scores = saved * grad.unsqueeze(1)
        if ctx.needs_input_grad[1]:
            grad_theta = torch.bmm(grad.unsqueeze(1), q).squeeze(1)
        return grad_scores, grad_theta, None, None, None, None, None


def fused_mog_pool(scores: torch.Tensor,
                   theta: torch.Tensor,
                   times: torch.Tensor,
                   min_sigma: float = 1e-3,
                   max_sigma: Optional[float] = None,
                   mode: str = 'pooled',
                   mu_range: Optional[Tuple[float, float]] = None
                   ) -> torch.Tensor:
    """MoG temporal weights and DATP pooling in one autograd node.

    Equal to ``MoGWeightGenerator(K, min_sigma=..., max_sigma=...,
    mu_range=...)``'s
    ``log_weights(theta, times)`` followed by the head's pooling (see the
    module docstring), with hand-written gradients (Eq. 2 and 4). Computes
    in float32 (float64 for float64 inputs) under autocast, and returns that
    dtype. No gradient flows to ``times``.

    Args:
        scores (torch.Tensor): Per-segment scores of shape (B, N, C):
            probabilities ``I`` for ``mode='pooled'``, log-probabilities
            ``log I`` for ``mode='mixture'``.
        theta (torch.Tensor): Raw MoG parameters of shape (B, 3K), laid out
            as in :class:`~mmdatp.models.MoGWeightGenerator` (per Gaussian:
            raw rho, mu, raw sigma).
        times (torch.Tensor): Normalised segment times of shape (B, N).
        min_sigma (float): The generator's ``min_sigma``. Defaults to 1e-3.
        max_sigma (float, optional): The generator's ``max_sigma``.
            Defaults to None.
        mode (str): 'pooled' returns ``S`` (Eq. 3); 'mixture' returns
            ``log(S / sum_c S)`` (the head's default ``cls_score``).
            Defaults to 'pooled'.
        mu_range (tuple[float, float], optional): The generator's
            ``mu_range``. Defaults to None.

    Returns:
        torch.Tensor: Shape (B, C).
    """
    if mode not in MODES:
        raise ValueError(f'fused_mog_pool: mode must be one of {MODES}, got '
                         f'{mode!r}')
    if scores.dim() != 3 or theta.dim() != 2 or theta.shape[1] % 3 or \
            theta.shape[0] != scores.shape[0] or \
            times.shape != scores.shape[:2]:
        raise ValueError(
            'fused_mog_pool expects scores (B, N, C), theta (B, 3K) and '
            f'times (B, N); got {tuple(scores.shape)}, '
            f'{tuple(theta.shape)} and {tuple(times.shape)}')
    dtype = torch.promote_types(scores.dtype, torch.float32)
    dtype = torch.promote_types(dtype, theta.dtype)
    if not torch.is_grad_enabled():  # no Jacobian to form
        theta = theta.detach()
    # the autocast state does not reach backward, which runs without it
    with torch.autocast(scores.device.type, enabled=False):
        return FusedMoGPoolFunction.apply(
            scores.to(dtype), theta.to(dtype), times.to(dtype), min_sigma,
            max_sigma, mode, mu_range)


class FusedMoGPool(nn.Module):
    """Module form of :func:`fused_mog_pool`.

    Args:
        min_sigma (float): The MoG generator's ``min_sigma``.
            Defaults to 1e-3.
        max_sigma (float, optional): Its ``max_sigma``. Defaults to None.
        mode (str): 'pooled' or 'mixture'. Defaults to 'pooled'.
        mu_range (tuple[float, float], optional): Its ``mu_range``.
            Defaults to None.
    """

    def __init__(self,
                 min_sigma: float = 1e-3,
                 max_sigma: Optional[float] = None,
                 mode: str = 'pooled',
                 mu_range: Optional[Tuple[float, float]] = None) -> None:
        super().__init__()
        if mode not in MODES:
            raise ValueError(f'FusedMoGPool: mode must be one of {MODES}, '
                             f'got {mode!r}')
        self.min_sigma = min_sigma
        self.max_sigma = max_sigma
        self.mode = mode
        self.mu_range = mu_range

    def forward(self, scores: torch.Tensor, theta: torch.Tensor,
                times: torch.Tensor) -> torch.Tensor:
        """(B, N, C) scores, (B, 3K) theta, (B, N) times -> (B, C)."""
        return fused_mog_pool(scores, theta, times, self.min_sigma,
                              self.max_sigma, self.mode, self.mu_range)

    def extra_repr(self) -> str:
        return (f'min_sigma={self.min_sigma}, max_sigma={self.max_sigma}, '
                f'mode={self.mode!r}, mu_range={self.mu_range}')
