"""DATPConvAuxNet: the layers it declares, and checkpoints of its Conv3d
layout."""
import pytest
import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmdatp.models.aux_nets import DATPConvAuxNet

C_IN, S, N, P = 16, 3, 5, 6


def old_convs(c1=64, c2=32, c3=32) -> nn.Sequential:
    """The Conv3d layers the aux net stored before (same Table 2 maps)."""
    return nn.Sequential(
        nn.Conv3d(C_IN, c1, (1, S, S)), nn.ReLU(True),
        nn.Conv3d(c1, c2, (3, 1, 1), padding=(1, 0, 0)), nn.ReLU(True),
        nn.Conv3d(c2, c3, (3, 1, 1), padding=(1, 0, 0)), nn.ReLU(True))


def build() -> DATPConvAuxNet:
    return MODELS.build(
        dict(type='DATPConvAuxNet', in_channels=C_IN, spatial_size=S,
             num_segments=N, out_channels=P))


def old_state_dict(convs: nn.Sequential, seed: int = 0) -> dict:
    """An old checkpoint: Conv3d keys ``convs.{0,2,4}`` + fcs/regressor."""
    torch.manual_seed(seed)
    ref = build()
    state = {k: v for k, v in ref.state_dict().items()
             if not k.startswith(('conv1.', 'conv2.', 'conv3.'))}
    for p in convs.parameters():
        nn.init.normal_(p, 0, 0.3)
    for k, v in state.items():
        state[k] = torch.randn_like(v) * 0.3
    state.update({f'convs.{k}': v for k, v in convs.state_dict().items()})
    return state


def test_declares_the_layers_it_runs():
    net = build()
    assert isinstance(net.conv1, nn.Linear)
    assert isinstance(net.conv2, nn.Conv1d)
    assert isinstance(net.conv3, nn.Conv1d)
    assert not any(isinstance(m, nn.Conv3d) for m in net.modules())
    assert net.conv1.weight.shape == (64, C_IN * S * S)
    assert net.conv2.weight.shape == (32, 64, 3)
    out = net(torch.randn(2, N, C_IN, S, S))
    assert out.shape == (2, P)


def test_old_conv3d_checkpoint_loads_and_gives_identical_outputs():
    convs = old_convs().double()
    state = old_state_dict(convs)
    assert 'convs.0.weight' in state and state['convs.0.weight'].dim() == 5
    net = build().double()
    net.load_state_dict(state, strict=True)
    x = torch.randn(4, N, C_IN, S, S, dtype=torch.float64,
                    requires_grad=True)
    ours = net.temporal(x).flatten(1)
    ref = convs(x.transpose(1, 2)).flatten(1)  # (B, c3, N, 1, 1) flattened
    torch.testing.assert_close(ours, ref, rtol=0, atol=1e-12)
    torch.testing.assert_close(
        net(x), net.regressor(net.fcs(ref)), rtol=0, atol=1e-12)
    # and the same gradients for the input
    g = torch.randn_like(ref)
    torch.testing.assert_close(
        torch.autograd.grad(ours, x, g)[0], torch.autograd.grad(ref, x, g)[0])
    # saved again, it is in the new layout
    assert not any(k.startswith('convs.') for k in net.state_dict())


def test_old_keys_load_under_a_head_prefix():
    head = MODELS.build(
        dict(type='DATPHead', num_classes=7, in_channels=C_IN,
             num_segments=N, aux_net=dict(type='DATPConvAuxNet',
                                          spatial_size=S)))
    convs = old_convs()
    state = head.state_dict()
    new = [k for k in state if k.startswith('aux_net.conv')]
    assert new  # aux_net.conv1.weight, ...
    for k in new:
        del state[k]
    state.update({f'aux_net.convs.{k}': v
                  for k, v in convs.state_dict().items()})
    head.load_state_dict(state, strict=True)
    torch.testing.assert_close(head.aux_net.conv1.weight,
                               convs[0].weight.flatten(1))
    torch.testing.assert_close(head.aux_net.conv3.bias, convs[4].bias)


def test_old_checkpoint_of_other_shape_is_refused():
    state = old_state_dict(old_convs(c1=8))
    with pytest.raises(RuntimeError, match='conv1.weight'):
        build().load_state_dict(state, strict=True)


def test_bad_arguments():
    with pytest.raises(ValueError, match='channels must hold 3'):
        DATPConvAuxNet(channels=(8, 8))
    with pytest.raises(ValueError, match=r'channels\[i\]'):
        DATPConvAuxNet(channels=(8, 0, 8))
    with pytest.raises(ValueError, match=r'\(B, N, 16, 3, 3\)'):
        build()(torch.randn(2, N, C_IN, 2, 2))
