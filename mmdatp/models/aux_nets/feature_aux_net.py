"""Auxiliary ConvNet on pre-pooled per-segment feature vectors."""
import torch
import torch.nn as nn
from mmaction.registry import MODELS

from .base import BaseAuxNet, _check_positive_int


@MODELS.register_module()
class DATPFeatureAuxNet(BaseAuxNet):
    """Regress generator parameters from feature vectors ``[N, C_in]``.

    The counterpart of :class:`DATPConvAuxNet` (Table 2, right) for
    features that are already spatially pooled (precomputed features, or a
    head with ``spatial_type=None``): the first conv sees a 1x1 "map", so it
    is a per-segment linear projection, followed by the same two temporal
    convs of kernel 3 and ``num_fcs`` fc layers::

        feats (B, N, C_in) -> (B, C_in, N) -conv1 (k=1)-> (B, 64, N)
            -conv2 (k=3)-> (B, 32, N) -conv3 (k=3)-> (B, 32, N)
            -flatten-> (B, 32N) -fc...-> theta (B, P)

    The head sees it as a ``'conv'`` aux net: it feeds the features it
    classifies and fills in ``in_channels`` itself.

    Args:
        in_channels (int): C_in, the feature dimension. Defaults to 512.
        channels (tuple[int]): Output channels of the three convs.
            Defaults to (64, 32, 32).
        **kwargs: See :class:`BaseAuxNet`.
    """

    input_type = 'conv'

    def __init__(self,
                 in_channels: int = 512,
                 channels: tuple = (64, 32, 32),
                 **kwargs) -> None:
        super().__init__(**kwargs)
        _check_positive_int('DATPFeatureAuxNet', 'in_channels', in_channels)
        if len(channels) != 3:
            raise ValueError('DATPFeatureAuxNet: channels must hold 3 ints '
                             f'(conv1, conv2, conv3), got {channels!r}')
        for c in channels:
            _check_positive_int('DATPFeatureAuxNet', 'channels[i]', c)
        self.in_channels = in_channels
        c1, c2, c3 = channels
        self.convs = nn.Sequential(
            nn.Conv1d(in_channels, c1, 1), nn.ReLU(True),
            nn.Conv1d(c1, c2, 3, padding=1), nn.ReLU(True),
            nn.Conv1d(c2, c3, 3, padding=1), nn.ReLU(True))
        self._build_fcs(c3 * self.num_segments)

    def temporal(self, x: torch.Tensor) -> torch.Tensor:
        # accept (B, N, C_in) or a 1x1 map (B, N, C_in, 1, 1)
        if x.dim() == 5 and x.shape[3:] == (1, 1):
            x = x.flatten(2)
        if x.dim() != 3 or x.shape[2] != self.in_channels:
            raise ValueError(
                f'DATPFeatureAuxNet expects features of shape (B, N, '
                f'{self.in_channels}), got {tuple(x.shape)}; for spatial '
                'maps use DATPConvAuxNet')
        self._check_segments(x.shape[1])
        return self.convs(x.transpose(1, 2))
