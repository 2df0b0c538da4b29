"""Cross-modality initialisation of the flow backbone from RGB weights."""
import pytest
import torch
import torchvision
from mmaction.registry import MODELS


@pytest.fixture(scope='module')
def tv_checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    net = torchvision.models.resnet34(weights=None)
    path = tmp_path_factory.mktemp('tv') / 'resnet34.pth'
    torch.save(net.state_dict(), path)
    return str(path), net.state_dict()


def test_flow_conv1_is_mean_of_rgb_filters(tv_checkpoint):
    path, state = tv_checkpoint
    net = MODELS.build(
        dict(
            type='CrossModalityResNet',
            depth=34,
            in_channels=10,
            pretrained=path))
    net.init_weights()
    w = net.conv1.conv.weight
    assert w.shape == (64, 10, 7, 7)
    expected = state['conv1.weight'].mean(1, keepdim=True).expand(-1, 10, -1,
                                                                    -1)
    torch.testing.assert_close(w.detach(), expected)
    # the rest is the stock torchvision loading
    torch.testing.assert_close(net.layer4[2].conv2.conv.weight.detach(),
                               state['layer4.2.conv2.weight'])
    out = net(torch.randn(2, 10, 64, 64))
    assert out.shape == (2, 512, 2, 2)


def test_rgb_is_untouched(tv_checkpoint):
    path, state = tv_checkpoint
    net = MODELS.build(
        dict(type='CrossModalityResNet', depth=34, pretrained=path))
    net.init_weights()
    torch.testing.assert_close(net.conv1.conv.weight.detach(),
                               state['conv1.weight'])
