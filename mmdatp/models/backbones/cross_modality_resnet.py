"""ResNet with TSN's cross-modality initialisation for stacked optical flow."""
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
    do that after the stock loading. Everything else is ``ResNet``.

    Args:
        **kwargs: Arguments of :class:`mmaction.models.ResNet`.
    """

    def init_weights(self) -> None:
        super().init_weights()
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
