"""Discrete weights generator: one regressed weight per segment."""
from typing import Dict

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS

from .base import BaseWeightGenerator, inverse_softplus, log_softplus


@MODELS.register_module()
class DiscreteWeightGenerator(BaseWeightGenerator):
    """N discrete weights regressed directly by the aux net (paper Sec. 3.2).

    The paper uses ``w = theta`` (identity). We apply ``w = softplus(theta)``
    so that weights stay positive: the head's loss treats the normalised
    weights as a mixture over segments (see :class:`DATPHead`), which needs
    ``w_i >= 0``. ``theta`` starts at ``softplus^-1(1)`` for every segment,
    i.e. training starts from average pooling.

    Args:
        num_segments (int): N, the number of segments. Defaults to 10.
        init_cfg (dict, optional): mmengine init config. Defaults to None.
    """

    uses_times = False

    def __init__(self, num_segments: int = 10, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not isinstance(num_segments, int) or num_segments < 1:
            raise ValueError('DiscreteWeightGenerator: num_segments must be '
                             f'an int >= 1, got {num_segments!r}')
        self.num_segments = num_segments

    @property
    def num_params(self) -> int:
        return self.num_segments

    def init_params(self) -> torch.Tensor:
        return inverse_softplus(torch.ones(self.num_segments))

    def decode(self, theta: torch.Tensor) -> Dict[str, torch.Tensor]:
        if theta.dim() != 2 or theta.shape[1] != self.num_segments:
            raise ValueError(
                f'DiscreteWeightGenerator(N={self.num_segments}) expects '
                f'theta of shape (B, {self.num_segments}), got '
                f'{tuple(theta.shape)}')
        return dict(weights=F.softplus(theta))

    def log_weights(self, theta: torch.Tensor,
                    times: torch.Tensor) -> torch.Tensor:
        self.decode(theta)  # validates the shape
        if times.shape[-1] != self.num_segments:
            raise ValueError(
                f'DiscreteWeightGenerator(num_segments={self.num_segments}) '
                f'got {times.shape[-1]} segments; discrete weights need '
                'exactly the number of segments they were built for')
        return log_softplus(theta)

    def extra_repr(self) -> str:
        return f'num_segments={self.num_segments}'
