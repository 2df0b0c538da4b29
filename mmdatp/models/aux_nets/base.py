"""Shared parts of the DATP auxiliary ConvNets (paper Table 2)."""
from typing import List

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from ..precision import autocast_off


def _check_positive_int(owner: str, name: str, value) -> None:
    if not isinstance(value, int) or value < 1:
        raise ValueError(f'{owner}: {name} must be an int >= 1, got '
                         f'{value!r}')


class BaseAuxNet(BaseModule):
    """Temporal conv layers (subclass) followed by ``num_fcs`` fc layers.

    The last fc layer is the regression layer (:attr:`regressor`) that outputs
    the generator parameters ``theta``; :meth:`init_regressor` sets it up
    like a spatial transformer's localisation net (zero weights, bias = the
    generator's initial parameters).

    Args:
        num_segments (int): N, the number of segments. Defaults to 10.
        out_channels (int): Size of ``theta``; the head fills it in from its
            weights generator. Defaults to 6 (MoG with K=2).
        num_fcs (int): Number of fc layers including the regression layer;
            the paper uses 2 (Table 1 also tries 3). Defaults to 2.
        fc_channels (int): Width of the hidden fc layers. Defaults to 128.
        init_cfg (dict, optional): mmengine init config. Defaults to None.
    """

    #: which features the head must feed: 'score' or 'conv'.
    input_type = ''

    def __init__(self,
                 num_segments: int = 10,
                 out_channels: int = 6,
                 num_fcs: int = 2,
                 fc_channels: int = 128,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        _check_positive_int(name, 'num_segments', num_segments)
        _check_positive_int(name, 'out_channels', out_channels)
        _check_positive_int(name, 'num_fcs', num_fcs)
        _check_positive_int(name, 'fc_channels', fc_channels)
        self.num_segments = num_segments
        self.out_channels = out_channels
        self.num_fcs = num_fcs
        self.fc_channels = fc_channels

    def _build_fcs(self, in_features: int) -> None:
        layers: List[nn.Module] = [nn.Flatten(1)]
        width = in_features
        for _ in range(self.num_fcs - 1):
            layers += [nn.Linear(width, self.fc_channels), nn.ReLU(True)]
            width = self.fc_channels
        self.fcs = nn.Sequential(*layers)
        self.regressor = nn.Linear(width, self.out_channels)

    def init_regressor(self, bias: torch.Tensor) -> None:
        """Zero the regression weights and set its bias to ``bias``."""
        if bias.shape != (self.out_channels, ):
            raise ValueError(f'{type(self).__name__}: regressor bias must have '
                             f'shape ({self.out_channels},), got '
                             f'{tuple(bias.shape)}')
        with torch.no_grad():
            self.regressor.weight.zero_()
            self.regressor.bias.copy_(bias)

    def _check_segments(self, n: int) -> None:
        if n != self.num_segments:
            raise ValueError(
                f'{type(self).__name__} was built for num_segments='
                f'{self.num_segments} but got {n} segments; use the same N '
                'in the sampler and the head, or --pooling avg for another N')

    def temporal(self, x: torch.Tensor) -> torch.Tensor:
        """Temporal conv layers; returns (B, channels, N, ...)."""
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Regress ``theta`` of shape (B, out_channels).

        The conv and hidden fc layers follow autocast; the regression layer
        runs in its parameters' dtype (float32 under autocast), so that
        ``theta`` keeps full precision (see :func:`autocast_off`).
        """
        hidden = self.fcs(self.temporal(x))
        with autocast_off(hidden.device):
            return self.regressor(hidden.to(self.regressor.weight.dtype))
