"""Scale a tensor's gradient, not its value."""
from typing import Union

import torch


class _ScaleGrad(torch.autograd.Function):

    @staticmethod
    def forward(ctx, x: torch.Tensor,
                factor: Union[float, torch.Tensor]) -> torch.Tensor:
        ctx.factor = factor
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return grad * ctx.factor, None


def scale_grad(x: torch.Tensor,
               factor: Union[float, torch.Tensor]) -> torch.Tensor:
    """``x`` unchanged in the forward pass; its gradient times ``factor``.

    With ``factor=0`` everything upstream of ``x`` gets zero gradients but
    stays in the autograd graph (unlike ``x.detach()``), so DDP still sees
    every parameter used and reduces their (zero) gradients as usual.

    Args:
        x (torch.Tensor): Any tensor.
        factor (float | torch.Tensor): Gradient multiplier: a number, or
            a tensor that broadcasts to ``x`` (one factor per element; it
            is detached, no gradient flows into it).

    Returns:
        torch.Tensor: A view of ``x``.
    """
    if isinstance(factor, torch.Tensor):
        return _ScaleGrad.apply(x, factor.detach())
    if factor == 1:
        return x
    return _ScaleGrad.apply(x, float(factor))
