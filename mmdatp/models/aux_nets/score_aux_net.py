"""Auxiliary ConvNet on per-segment softmax scores (Table 2, left)."""
import torch
import torch.nn as nn
from mmaction.registry import MODELS

from .base import BaseAuxNet, _check_positive_int


@MODELS.register_module()
class DATPScoreAuxNet(BaseAuxNet):
    """Regress generator parameters from softmax scores ``[N, C]``.

    Layers (Table 2): ``[3, 1, 1] conv, 32`` (temporal kernel 3 on each class
    score), ``[3, C, 32] conv, 32`` (temporal kernel 3 spanning all classes),
    then ``num_fcs`` fc layers after flattening::

        scores (B, N, C) -> (B, 1, N, C) -conv1-> (B, 32, N, C)
            -conv2-> (B, 32, N, 1) -flatten-> (B, 32N) -fc...-> theta (B, P)

    Args:
        num_classes (int): C. Filled in by the head if not given.
        conv_channels (int): Channels of both convs. Defaults to 32.
        **kwargs: See :class:`BaseAuxNet`.
    """

    input_type = 'score'

    def __init__(self,
                 num_classes: int,
                 conv_channels: int = 32,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        _check_positive_int('DATPScoreAuxNet', 'num_classes', num_classes)
        _check_positive_int('DATPScoreAuxNet', 'conv_channels', conv_channels)
        self.num_classes = num_classes
        self.conv1 = nn.Sequential(
            nn.Conv2d(1, conv_channels, (3, 1), padding=(1, 0)),
            nn.ReLU(True))
        self.conv2 = nn.Sequential(
            nn.Conv2d(conv_channels, conv_channels, (3, num_classes),
                      padding=(1, 0)), nn.ReLU(True))
        self._build_fcs(conv_channels * self.num_segments)

    def temporal(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 3 or x.shape[2] != self.num_classes:
            raise ValueError(
                f'DATPScoreAuxNet expects scores of shape (B, N, '
                f'{self.num_classes}), got {tuple(x.shape)}')
        self._check_segments(x.shape[1])
        return self.conv2(self.conv1(x.unsqueeze(1)))
