"""The two-stage option "K=2 from the uniform model" (not the paper's
protocol): each stage's InitFromTSNHook points at the checkpoint the
previous config writes by default, and loads into the next model with
exactly the aux net new."""
import os.path as osp

import pytest
import torch
from mmaction.registry import MODELS
from mmdatp.engine.checkpoint import load_tsn_checkpoint
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# stream -> the chain of configs, first to last
CHAINS = {
    'rgb': ('tsn_r34_hmdb51', 'datp_tsn_r34_hmdb51_uniform',
            'datp_tsn_r34_hmdb51_from_uniform'),
    'flow': ('tsn_r34_hmdb51_flow', 'datp_tsn_r34_hmdb51_flow_uniform',
             'datp_tsn_r34_hmdb51_flow_from_uniform'),
}


def _cfg(name):
    return Config.fromfile(osp.join(REPO, 'configs', f'{name}.py'))


def _default_ckpt(name):
    """What ``tools/train.py configs/<name>.py`` writes last."""
    return (f'work_dirs/{name}/epoch_'
            f'{_cfg(name).train_cfg.max_epochs}.pth')


def _model(cfg):
    cfg.model.backbone.pretrained = None
    model = MODELS.build(cfg.model)
    model.init_weights()  # as the Runner, before InitFromTSNHook loads
    return model


def _init_hook(cfg):
    hooks = [h for h in cfg.custom_hooks if h.type == 'InitFromTSNHook']
    assert len(hooks) == 1
    return hooks[0]


def test_from_tsn_points_at_the_tsn_checkpoint():
    cfg = _cfg('datp_tsn_r34_hmdb51_from_tsn')
    assert _init_hook(cfg).checkpoint == _default_ckpt('tsn_r34_hmdb51')


@pytest.mark.parametrize('stream', list(CHAINS))
def test_chain_tsn_uniform_k2(stream, tmp_path):
    tsn_name, uniform_name, k2_name = CHAINS[stream]
    uniform_cfg, k2_cfg = _cfg(uniform_name), _cfg(k2_name)
    # each stage starts from the previous one's default checkpoint
    assert _init_hook(uniform_cfg).checkpoint == _default_ckpt(tsn_name)
    assert _init_hook(k2_cfg).checkpoint == _default_ckpt(uniform_name)
    # stage 1 is uniform weights without an aux net; stage 2 is the
    # paper's model, as the main config of the stream
    head = uniform_cfg.model.cls_head
    assert head.pooling == 'avg' and head.aux_net is None
    main = _cfg(k2_name.replace('_from_uniform', ''))
    assert k2_cfg.model.cls_head == main.model.cls_head
    assert k2_cfg.train_dataloader == main.train_dataloader
    # the checkpoints load along the chain: the uniform model takes all
    # of the TSN, the K=2 model all of the uniform model but its aux net
    tsn, uniform, k2 = (_model(c) for c in (_cfg(tsn_name), uniform_cfg,
                                            k2_cfg))
    with torch.no_grad():
        for p in tsn.parameters():
            p.add_(1.0)
    tsn_file = str(tmp_path / 'tsn.pth')
    torch.save(dict(state_dict=tsn.state_dict()), tsn_file)
    report = load_tsn_checkpoint(uniform, tsn_file)
    assert report['new'] == [] and report['dropped'] == []
    assert torch.equal(uniform.cls_head.fc_cls.weight,
                       tsn.cls_head.fc_cls.weight)
    uniform_file = str(tmp_path / 'uniform.pth')
    torch.save(dict(state_dict=uniform.state_dict()), uniform_file)
    report = load_tsn_checkpoint(k2, uniform_file)
    assert report['new'] and all(
        k.startswith('cls_head.aux_net.') for k in report['new'])
    assert set(report['new']) == {
        k for k in k2.state_dict() if k.startswith('cls_head.aux_net.')}
    assert torch.equal(k2.backbone.conv1.conv.weight,
                       tsn.backbone.conv1.conv.weight)
    # so the mixture starts at the paper's initial values (means 1/3 and
    # 2/3, variance 0.2) for any video
    k2.eval()
    with torch.no_grad():
        _, d = k2.cls_head(torch.randn(2 * 10, 512, 7, 7), 10,
                           return_details=True)
    torch.testing.assert_close(d['mu'], torch.tensor([[1 / 3, 2 / 3]] * 2))
    torch.testing.assert_close(d['sigma']**2, torch.full((2, 2), 0.2))
