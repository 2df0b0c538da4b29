"""ResNet with TSN's cross-modality initialisation for stacked optical flow."""
import os.path as osp

import torch
from mmaction.models.backbones import ResNet
from mmaction.registry import MODELS
from mmengine.logging import MMLogger
from mmengine.runner.checkpoint import _load_checkpoint


@MODELS.register_module()
class CrossModalityResNet(ResNet):
    """MMAction2's ResNet whose first conv accepts any number of channels.

    With ``in_channels != 3`` (10 for 5 stacked x/y flow frames) the stock
    ResNet silently leaves ``conv1`` random when loading ImageNet weights,
    because the shapes differ. TSN's cross-modality initialisation (Wang et
    al., 2016, Sec. 3.2) averages the RGB filters of ``conv1`` over the
    colour channels and replicates the average over the input channels; we
    do that after the stock loading. Everything else is ``ResNet``; with
    ``in_channels=3`` it is exactly ``ResNet``, except that a pretrained
    checkpoint that cannot be fetched (no network) raises an error that
    says how to pass a local copy.

    Args:
        **kwargs: Arguments of :class:`mmaction.models.ResNet`.
    """

    def init_weights(self) -> None:
        try:
            super().init_weights()
        except (OSError, RuntimeError) as e:  # URLError is an OSError
            if not isinstance(self.pretrained, str) or \
                    osp.isfile(self.pretrained):
                raise
            raise RuntimeError(
                f'CrossModalityResNet: cannot load the pretrained weights '
                f'{self.pretrained!r} ({type(e).__name__}: {e}). Without '
                'network access, download the torchvision ResNet'
                f'{self.depth} checkpoint on another machine and pass its '
                'path with --cfg-options model.backbone.pretrained=PATH '
                '(or pretrained=None to train from scratch).') from e
        if self.in_channels == 3 or not isinstance(self.pretrained, str) \
                or not self.torchvision_pretrain:
            return
        state = _load_checkpoint(self.pretrained, map_location='cpu')
        state = state.get('state_dict', state)
        if 'conv1.weight' not in state:
            raise KeyError(f'CrossModalityResNet: {self.pretrained} has no '
                           "'conv1.weight'; expected a torchvision ResNet "
                           'checkpoint')
        rgb = state['conv1.weight']  # out, 3, k, k
        conv = self.conv1.conv
        if rgb.shape[0] != conv.weight.shape[0] or \
                rgb.shape[2:] != conv.weight.shape[2:]:
            raise ValueError(
                f'CrossModalityResNet: conv1 of {self.pretrained} has shape '
                f'{tuple(rgb.shape)}, incompatible with '
                f'{tuple(conv.weight.shape)}')
        with torch.no_grad():
            conv.weight.copy_(
                rgb.mean(dim=1, keepdim=True).expand_as(conv.weight))
        MMLogger.get_current_instance().info(
            f'CrossModalityResNet: conv1 initialised for {self.in_channels} '
            'input channels from the mean of the RGB filters')
