"""Scale a tensor's gradient, not its value."""
import torch


class _ScaleGrad(torch.autograd.Function):

    @staticmethod
    def forward(ctx, x: torch.Tensor, factor: float) -> torch.Tensor:
        ctx.factor = factor
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return grad * ctx.factor, None


def scale_grad(x: torch.Tensor, factor: float) -> torch.Tensor:
    """``x`` unchanged in the forward pass; its gradient times ``factor``.

    With ``factor=0`` everything upstream of ``x`` gets zero gradients but
    stays in the autograd graph (unlike ``x.detach()``), so DDP still sees
    every parameter used and reduces their (zero) gradients as usual.

    Args:
        x (torch.Tensor): Any tensor.
        factor (float): Gradient multiplier.

    Returns:
        torch.Tensor: A view of ``x``.
    """
    if factor == 1:
        return x
    return _ScaleGrad.apply(x, float(factor))
