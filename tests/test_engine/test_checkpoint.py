"""Fine-tuning DATP from a plain TSN checkpoint, and refusing checkpoints
that do not fit (another num_classes, another model)."""
import json
import os.path as osp
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest
import torch
from mmaction.registry import MODELS
from mmdatp.apis import setup_train_cfg
from mmdatp.engine.checkpoint import (check_checkpoint, load_tsn_checkpoint,
                                    read_state_dict)
from mmdatp.engine import InitFromTSNHook
from mmengine.config import Config
from mmengine.runner import Runner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TSN_CFG = osp.join(REPO, 'configs', 'tsn_r34_hmdb51.py')
DATP_CFG = osp.join(REPO, 'configs', 'datp_tsn_r34_synthetic.py')
NUM_CLASSES = 5


def _build(config, num_classes, seed):
    cfg = Config.fromfile(config)
    cfg.model.backbone.pretrained = None
    cfg.model.cls_head.num_classes = num_classes
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def _save(model, path):
    # the MMAction2 checkpoint layout
    torch.save(
        dict(meta=dict(epoch=1), state_dict=model.state_dict()), str(path))
    return str(path)


@pytest.fixture(scope='module')
def tsn_ckpts(tmp_path_factory):
    out = tmp_path_factory.mktemp('tsn')
    return dict(
        same=_save(_build(TSN_CFG, NUM_CLASSES, 1), out / 'tsn5.pth'),
        kinetics=_save(_build(TSN_CFG, 400, 2), out / 'tsn400.pth'))


def _aux_keys(model):
    return sorted(k for k in model.state_dict()
                  if k.startswith('cls_head.aux_net.'))


def test_tsn_checkpoint_loads_backbone_and_classifier(tsn_ckpts):
    model = _build(DATP_CFG, NUM_CLASSES, 0)
    fresh_aux = {k: v.clone() for k, v in model.state_dict().items()
                 if k.startswith('cls_head.aux_net.')}
    report = load_tsn_checkpoint(model, tsn_ckpts['same'])
    tsn = read_state_dict(tsn_ckpts['same'])
    state = model.state_dict()
    # every TSN tensor loaded, the aux net exactly is new and kept its init
    assert report['loaded'] == sorted(tsn)
    assert report['new'] == _aux_keys(model) and report['new']
    assert report['dropped'] == []
    assert all(torch.equal(state[k], tsn[k]) for k in tsn)
    assert any(k.startswith('backbone.') for k in report['loaded'])
    assert 'cls_head.fc_cls.weight' in report['loaded']
    assert all(torch.equal(state[k], v) for k, v in fresh_aux.items())


def test_other_num_classes_is_an_error_unless_classifier_dropped(tsn_ckpts):
    model = _build(DATP_CFG, NUM_CLASSES, 0)
    with pytest.raises(ValueError) as e:
        load_tsn_checkpoint(model, tsn_ckpts['kinetics'])
    msg = str(e.value)
    assert 'tsn400.pth' in msg and 'cls_head.fc_cls.weight' in msg
    assert 'classifies 400 classes and the model 5' in msg

    fc_before = model.cls_head.fc_cls.weight.clone()
    report = load_tsn_checkpoint(
        model, tsn_ckpts['kinetics'], drop_prefixes=('cls_head.fc_cls.', ))
    assert report['dropped'] == ['cls_head.fc_cls.bias',
                                 'cls_head.fc_cls.weight']
    assert set(report['new']) == set(_aux_keys(model)) | set(
        report['dropped'])
    assert torch.equal(model.cls_head.fc_cls.weight, fc_before)
    kin = read_state_dict(tsn_ckpts['kinetics'])
    assert torch.equal(model.backbone.conv1.conv.weight,
                       kin['backbone.conv1.conv.weight'])


def test_not_a_tsn_of_this_backbone(tsn_ckpts, tmp_path):
    state = read_state_dict(tsn_ckpts['same'])
    state['backbone.extra.weight'] = torch.zeros(1)
    del state['backbone.layer4.1.conv2.conv.weight']
    bad = str(tmp_path / 'bad.pth')
    torch.save(dict(state_dict=state), bad)
    with pytest.raises(ValueError, match='not a TSN checkpoint') as e:
        load_tsn_checkpoint(_build(DATP_CFG, NUM_CLASSES, 0), bad)
    assert 'backbone.layer4.1.conv2.conv.weight' in str(e.value)
    assert 'backbone.extra.weight' in str(e.value)


def test_check_checkpoint(tsn_ckpts, tmp_path):
    datp = _build(DATP_CFG, NUM_CLASSES, 0)
    own = _save(datp, tmp_path / 'datp.pth')
    assert check_checkpoint(datp, own)['missing'] == []
    # a TSN checkpoint lacks the aux net: fine only where it is not used
    with pytest.raises(ValueError, match='missing'):
        check_checkpoint(datp, tsn_ckpts['same'])
    check_checkpoint(
        datp, tsn_ckpts['same'], allow_missing=('cls_head.aux_net.', ))


def test_tools_test_refuses_other_num_classes(tmp_path):
    ckpt = _save(_build(DATP_CFG, 3, 0), tmp_path / 'datp3.pth')
    proc = subprocess.run([
        sys.executable,
        osp.join(REPO, 'tools', 'test.py'), DATP_CFG, ckpt, '--work-dir',
        str(tmp_path / 'w')
    ],
                          capture_output=True,
                          text=True,
                          cwd=REPO,
                          timeout=300)
    assert proc.returncode != 0
    assert 'classifies 3 classes and the model 5' in proc.stderr


def test_hook_in_a_training_run(tsn_ckpts, tmp_path, make_synthetic_data,
                                make_synthetic_cfg):
    root = str(tmp_path / 'data')
    make_synthetic_data(
        root,
        num_classes=NUM_CLASSES,
        train_per_class=1,
        val_per_class=1,
        test_per_class=1,
        num_frames=12,
        key_len=6,
        seed=0)
    cfg = make_synthetic_cfg(root, batch_size=5, num_classes=NUM_CLASSES)
    cfg.param_scheduler = []
    cfg.optim_wrapper.optimizer.lr = 0.0  # weights stay where they loaded
    cfg.custom_hooks = [
        dict(type='InitFromTSNHook', checkpoint=tsn_ckpts['same'])
    ]
    work_dir = str(tmp_path / 'work')
    setup_train_cfg(cfg, work_dir=work_dir, seed=0)
    runner = Runner.from_cfg(cfg)
    runner.train()
    tsn = read_state_dict(tsn_ckpts['same'])
    params = dict(runner.model.named_parameters())
    for key in ('backbone.conv1.conv.weight', 'cls_head.fc_cls.weight',
                'backbone.layer3.0.conv1.conv.weight'):
        assert torch.equal(params[key], tsn[key])
    with open(osp.join(work_dir, 'init_from_tsn.json')) as f:
        report = json.load(f)
    assert report['new'] == _aux_keys(runner.model)
    assert len(report['loaded']) == len(tsn)


def test_hook_refuses_load_from_and_skips_resume(tsn_ckpts):
    hook = InitFromTSNHook(tsn_ckpts['same'])
    runner = SimpleNamespace(_resume=False, iter=0, _load_from='x.pth')
    with pytest.raises(ValueError, match='keep one'):
        hook.before_train(runner)
    logs = []
    runner = SimpleNamespace(
        _resume=True,
        iter=10,
        _load_from=None,
        logger=SimpleNamespace(info=logs.append))
    hook.before_train(runner)  # nothing loaded, nothing raised
    assert 'resumed' in logs[0] and hook.report is None
    with pytest.raises(ValueError, match='file path'):
        InitFromTSNHook('')


def _bad_checkpoints(tmp_path):
    """A real checkpoint in torch's zip format and in the legacy pickle
    format, cut in half as a partial download leaves them; an empty file;
    a text file."""
    state = dict(state_dict=torch.nn.Linear(64, 64).state_dict())
    files = {}
    for name, zip_format in (('zip', True), ('legacy', False)):
        whole = tmp_path / f'{name}.pth'
        torch.save(
            state, str(whole), _use_new_zipfile_serialization=zip_format)
        data = whole.read_bytes()
        files[f'half_{name}'] = tmp_path / f'half_{name}.pth'
        files[f'half_{name}'].write_bytes(data[:len(data) // 2])
        files[name] = whole
    files['empty'] = tmp_path / 'empty.pth'
    files['empty'].write_bytes(b'')
    files['text'] = tmp_path / 'notes.pth'
    files['text'].write_text('not a checkpoint')
    return {k: str(v) for k, v in files.items()}


def test_unreadable_checkpoints_name_the_file(tmp_path):
    """Before: bare EOFError (empty), "OSError: [Errno 22] Invalid argument"
    (half a zip), a miniz error, "KeyError: 110" (text)."""
    files = _bad_checkpoints(tmp_path)
    for ok in ('zip', 'legacy'):
        assert set(read_state_dict(files[ok])) == {'weight', 'bias'}
    expected = {
        'empty': r'checkpoint {} is empty \(0 bytes\); expected a torch '
        'checkpoint',
        'half_zip': r'checkpoint {} is truncated or damaged \(\d+ bytes; '
        'its zip directory is unreadable',
        'half_legacy': r'cannot read checkpoint {} \(truncated or '
        r'damaged\?\): RuntimeError: unexpected EOF',
        'text': r"checkpoint {} is not a torch checkpoint \(it starts with "
        r"b'not '\)",
    }
    for name, pattern in expected.items():
        with pytest.raises(ValueError,
                           match=pattern.format(re.escape(files[name]))):
            read_state_dict(files[name])
    with pytest.raises(FileNotFoundError, match='gone.pth does not exist'):
        read_state_dict(str(tmp_path / 'gone.pth'))
