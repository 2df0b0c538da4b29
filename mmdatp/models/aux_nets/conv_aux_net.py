"""Auxiliary ConvNet on the last conv features (Table 2, right)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.registry import MODELS

from .base import BaseAuxNet, _check_positive_int


@MODELS.register_module()
class DATPConvAuxNet(BaseAuxNet):
    """Regress generator parameters from conv features ``[N, h, w, C_in]``.

    Layers (Table 2): ``[1, 7, 7, 512] conv, 64`` (collapses the spatial
    map of each segment), ``[3, 1, 1, 64] conv, 32`` and
    ``[3, 1, 1, 32] conv, 32`` (temporal kernel 3), then ``num_fcs`` fc
    layers after flattening::

        feats (B, N, C_in, h, w) -> (B, C_in, N, h, w) -conv1-> (B, 64, N, 1, 1)
            -conv2-> (B, 32, N, 1, 1) -conv3-> (B, 32, N, 1, 1)
            -flatten-> (B, 32N) -fc...-> theta (B, P)

    Args:
        in_channels (int): C_in of the backbone features (512 for ResNet34).
            Defaults to 512.
        spatial_size (int): h = w of the features (7 for 224 inputs). The
            first conv's kernel covers the whole map. Defaults to 7.
        channels (tuple[int]): Output channels of the three convs.
            Defaults to (64, 32, 32).
        **kwargs: See :class:`BaseAuxNet`.
    """

    input_type = 'conv'

    def __init__(self,
                 in_channels: int = 512,
                 spatial_size: int = 7,
                 channels: tuple = (64, 32, 32),
                 **kwargs) -> None:
        super().__init__(**kwargs)
        _check_positive_int('DATPConvAuxNet', 'in_channels', in_channels)
        _check_positive_int('DATPConvAuxNet', 'spatial_size', spatial_size)
        if len(channels) != 3:
            raise ValueError('DATPConvAuxNet: channels must hold 3 ints '
                             f'(conv1, conv2, conv3), got {channels!r}')
        self.in_channels = in_channels
        self.spatial_size = spatial_size
        c1, c2, c3 = channels
        s = spatial_size
        self.convs = nn.Sequential(
            nn.Conv3d(in_channels, c1, (1, s, s)), nn.ReLU(True),
            nn.Conv3d(c1, c2, (3, 1, 1), padding=(1, 0, 0)), nn.ReLU(True),
            nn.Conv3d(c2, c3, (3, 1, 1), padding=(1, 0, 0)), nn.ReLU(True))
        self._build_fcs(c3 * self.num_segments)

    def temporal(self, x: torch.Tensor) -> torch.Tensor:
        s = self.spatial_size
        if x.dim() != 5 or x.shape[2:] != (self.in_channels, s, s):
            raise ValueError(
                f'DATPConvAuxNet expects features of shape (B, N, '
                f'{self.in_channels}, {s}, {s}), got {tuple(x.shape)}; set '
                'in_channels / spatial_size to match the backbone output '
                '(e.g. spatial_size = input size / 32)')
        self._check_segments(x.shape[1])
        b, n = x.shape[:2]
        conv1, conv2, conv3 = self.convs[0], self.convs[2], self.convs[4]
        # The same maps as self.convs(x.transpose(1, 2)), with the same
        # parameters (checkpoints are unchanged), computed as what they are:
        # conv1's kernel covers a segment's whole (C_in, s, s) map, so it is
        # a matrix product on the flattened map, and conv2/conv3 slide over
        # time only, i.e. 1-d convs. This skips the copy of the transposed
        # feature tensor and cuDNN's 3-d convolutions, which on a GPU cost
        # more than the rest of the head (see tools/benchmark/
        # overhead_benchmark.py).
        h = F.relu(F.linear(x.reshape(b * n, -1), conv1.weight.flatten(1),
                            conv1.bias))  # B*N, c1
        h = h.view(b, n, -1).transpose(1, 2)  # B, c1, N
        h = F.relu(F.conv1d(h, conv2.weight.flatten(2), conv2.bias,
                            padding=1))
        h = F.relu(F.conv1d(h, conv3.weight.flatten(2), conv3.bias,
                            padding=1))
        return h  # B, c3, N: flattens in the same order as (B, c3, N, 1, 1)
