"""The DATP weighting strategy (paper Eq. 3) as a function and a module."""
import torch
import torch.nn as nn


def weighted_l2_pool(scores: torch.Tensor,
                     weights: torch.Tensor,
                     eps: float = 1e-12) -> torch.Tensor:
    """Pool per-segment scores with temporal weights, ``S = sum_i I_i w_i / ||w||_2``.

    This is Eq. 3 of the paper. Its gradients are Eq. 4:
    ``dS/dI_i = w_i / ||w||`` and
    ``dS[k]/dw_i = (||w||^2 I_i[k] - w_i sum_j w_j I_j[k]) / ||w||^3``.

    Args:
        scores (torch.Tensor): Per-segment scores ``I`` of shape (B, N, C).
        weights (torch.Tensor): Temporal weights ``w`` of shape (B, N).
        eps (float): Lower bound of ``||w||`` to avoid a division by zero.
            Defaults to 1e-12.

    Returns:
        torch.Tensor: Pooled scores ``S`` of shape (B, C).
    """
    if scores.dim() != 3 or weights.shape != scores.shape[:2]:
        raise ValueError('weighted_l2_pool expects scores (B, N, C) and '
                         f'weights (B, N); got {tuple(scores.shape)} and '
                         f'{tuple(weights.shape)}')
    norm = weights.norm(p=2, dim=1, keepdim=True).clamp_min(eps)  # B, 1
    return torch.einsum('bnc,bn->bc', scores, weights) / norm


class WeightedL2Pool(nn.Module):
    """Module form of :func:`weighted_l2_pool`."""

    def __init__(self, eps: float = 1e-12) -> None:
        super().__init__()
        self.eps = eps

    def forward(self, scores: torch.Tensor,
                weights: torch.Tensor) -> torch.Tensor:
        """Pool (B, N, C) scores with (B, N) weights into (B, C)."""
        return weighted_l2_pool(scores, weights, self.eps)
