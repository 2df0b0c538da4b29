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
    layers after flattening. The first conv's kernel covers a segment's
    whole ``(C_in, s, s)`` map, so it is a linear layer on the flattened
    map; the other two slide over time only, so they are 1-d convs. The
    module declares them as what they compute::

        feats (B, N, C_in, s, s) -flatten-> (B*N, C_in*s*s)
            -conv1 (Linear)-> (B*N, 64) -> (B, 64, N)
            -conv2 (Conv1d, k=3)-> (B, 32, N) -conv3 (Conv1d, k=3)-> (B, 32, N)
            -flatten-> (B, 32N) -fc...-> theta (B, P)

    Checkpoints saved when these were ``Conv3d`` layers (``convs.0``,
    ``convs.2``, ``convs.4`` of 5-d weights) load unchanged: a state-dict
    pre-hook renames and reshapes them (:meth:`_load_from_state_dict`),
    and they compute the same outputs.

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

    #: Old (``Conv3d``) parameter names -> the layers that replace them
    _OLD_KEYS = {'convs.0.': 'conv1.', 'convs.2.': 'conv2.',
                 'convs.4.': 'conv3.'}

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
        for c in channels:
            _check_positive_int('DATPConvAuxNet', 'channels[i]', c)
        self.in_channels = in_channels
        self.spatial_size = spatial_size
        c1, c2, c3 = channels
        s = spatial_size
        self.conv1 = nn.Linear(in_channels * s * s, c1)
        self.conv2 = nn.Conv1d(c1, c2, 3, padding=1)
        self.conv3 = nn.Conv1d(c2, c3, 3, padding=1)
        self._build_fcs(c3 * self.num_segments)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata,
                              strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        """Read the ``Conv3d`` layout of older checkpoints.

        ``convs.0.weight`` (c1, C_in, 1, s, s) flattens to ``conv1.weight``
        (c1, C_in*s*s) in the order the features flatten;
        ``convs.{2,4}.weight`` (c_out, c_in, 3, 1, 1) drop their unit
        spatial axes to become ``conv{2,3}.weight`` (c_out, c_in, 3).
        """
        for old, new in self._OLD_KEYS.items():
            for name in ('weight', 'bias'):
                key = prefix + old + name
                if key not in state_dict:
                    continue
                value = state_dict.pop(key)
                if name == 'weight':
                    value = value.flatten(1) if new == 'conv1.' else \
                        value.flatten(2)
                state_dict[prefix + new + name] = value
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)

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
        h = F.relu(self.conv1(x.reshape(b * n, -1)))  # B*N, c1
        h = h.view(b, n, -1).transpose(1, 2)  # B, c1, N
        h = F.relu(self.conv2(h))  # B, c2, N
        return F.relu(self.conv3(h))  # B, c3, N
