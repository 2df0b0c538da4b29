"""Cross-modality initialisation of the flow backbone from RGB weights."""
import os.path as osp

import pytest
import torch
import torchvision
from mmaction.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


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


def test_offline_imagenet_default_says_how_to_pass_a_local_copy(
        monkeypatch, tmp_path):
    """The HMDB51 configs default to torchvision://resnet34; without network
    the error names the flag that takes a local checkpoint."""
    import urllib.error

    import mmaction.models.backbones.resnet as resnet_module
    from mmengine.config import Config

    cfg = Config.fromfile(osp.join(REPO, 'configs', 'datp_tsn_r34_hmdb51.py'))
    assert cfg.model.backbone.type == 'CrossModalityResNet'
    assert cfg.model.backbone.pretrained == 'torchvision://resnet34'
    flow = Config.fromfile(
        osp.join(REPO, 'configs', 'datp_tsn_r34_hmdb51_flow.py'))
    assert flow.model.backbone.pretrained == 'torchvision://resnet34'
    assert flow.model.backbone.in_channels == 10  # cross-modality init

    def no_network(*args, **kwargs):
        raise urllib.error.URLError('[Errno -3] Temporary failure in name '
                                    'resolution')

    monkeypatch.setattr(resnet_module, '_load_checkpoint', no_network)
    net = MODELS.build(cfg.model.backbone)
    with pytest.raises(RuntimeError) as e:
        net.init_weights()
    msg = str(e.value)
    assert "'torchvision://resnet34'" in msg and 'URLError' in msg
    assert '--cfg-options model.backbone.pretrained=PATH' in msg
    # a local file that fails to load is the file's error, not a network one
    bad = tmp_path / 'broken.pth'
    bad.write_bytes(b'not a checkpoint')
    monkeypatch.undo()
    net = MODELS.build(dict(cfg.model.backbone, pretrained=str(bad)))
    with pytest.raises(Exception) as e:
        net.init_weights()
    assert 'cfg-options' not in str(e.value)
