"""Uniform weights: average pooling as a weights generator."""
from typing import Dict

import torch
from mmaction.registry import MODELS

from .base import BaseWeightGenerator


@MODELS.register_module()
class UniformWeights(BaseWeightGenerator):
    """Equal weights ``w_i = 1`` for every segment: average pooling.

    The head's pooled score is then the average of the segment softmax
    scores (its ``S / sum S``), the testing schemes P2/P3 of the paper
    (Table 4) and the uniform control of the benchmarks. Nothing is learned
    or drawn: ``theta`` is empty and works for any number of segments.
    ``DATPHead(pooling='avg')`` uses it.

    Args:
        init_cfg (dict, optional): mmengine init config. Defaults to None.
    """

    uses_times = False
    learned = False

    @property
    def num_params(self) -> int:
        return 0

    def init_params(self) -> torch.Tensor:
        return torch.zeros(0)

    def sample_theta(self, num_videos: int,
                     times: torch.Tensor) -> torch.Tensor:
        return times.new_zeros((num_videos, 0))

    def decode(self, theta: torch.Tensor) -> Dict[str, torch.Tensor]:
        return dict()

    def log_weights(self, theta: torch.Tensor,
                    times: torch.Tensor) -> torch.Tensor:
        """``log w = 0`` of shape (B, N): every segment weighs 1."""
        return torch.zeros_like(times)
