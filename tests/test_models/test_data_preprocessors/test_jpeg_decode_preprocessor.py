"""JPEGDecodeDataPreprocessor: a batch from the encoded pipeline gives what
ActionDataPreprocessor gives on the reference pipeline's batch; decoded
batches pass through; the configs' models train on encoded batches."""
import os.path as osp
import random

import numpy as np
import pytest
import torch
from conftest import REPO, TEST_DATA
from mmdatp.models import JPEGDecodeDataPreprocessor, decode_clips
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.optim import OptimWrapper

from mmaction.registry import MODELS

FLOW = dict(frame_dir=osp.join(TEST_DATA, 'rawframes'), total_frames=5,
            label=2, start_index=1, filename_tmpl='{}_{:05d}.jpg',
            modality='Flow')


def _cfg(name):
    return Config.fromfile(osp.join(REPO, 'configs', name))


def _batch(pipeline, seeds):
    samples = []
    for seed in seeds:
        np.random.seed(seed)
        random.seed(seed)
        samples.append(pipeline(dict(FLOW)))
    return pseudo_collate(samples)


def _no_flip(cfg):
    steps = cfg.train_dataloader.dataset.pipeline
    for step in steps:
        if step['type'] == 'Flip':
            step['flip_ratio'] = 0.0
    return Compose(steps)


def test_encoded_batch_normalises_like_the_reference_batch():
    ref_cfg = _cfg('datp_tsn_r34_hmdb51_flow.py')
    enc_cfg = _cfg('datp_tsn_r34_hmdb51_flow_gpu_decode.py')
    ref_pre = MODELS.build(ref_cfg.model.data_preprocessor)
    enc_pre = MODELS.build(enc_cfg.model.data_preprocessor)
    assert isinstance(enc_pre, JPEGDecodeDataPreprocessor)
    ref = ref_pre(_batch(_no_flip(ref_cfg), [0, 1, 2]), training=True)
    enc_batch = _batch(_no_flip(enc_cfg), [0, 1, 2])
    assert enc_pre.is_encoded(enc_batch['inputs'])
    enc = enc_pre(enc_batch, training=True)
    assert enc['inputs'].shape == ref['inputs'].shape == (3, 10, 10, 224,
                                                          224)
    assert enc['inputs'].dtype == torch.float32
    # 320x240 test frames: one resize here, two in the reference pipeline;
    # for frames stored at short side 256 the difference is <= 1 level
    # (tests/test_datasets/test_transforms/test_encoded_frames.py)
    diff = (enc['inputs'] - ref['inputs']).abs() * 128  # in levels
    assert diff.mean() < 1.0
    assert [s.gt_label.item() for s in enc['data_samples']] == [2, 2, 2]


def test_decoded_inputs_pass_through_unchanged():
    cfg = _cfg('datp_tsn_r34_hmdb51_flow.py')
    batch = _batch(Compose(cfg.train_dataloader.dataset.pipeline), [0, 1])
    ref = MODELS.build(cfg.model.data_preprocessor)(batch)
    cfg.model.data_preprocessor.type = 'JPEGDecodeDataPreprocessor'
    pre = MODELS.build(cfg.model.data_preprocessor)
    assert not pre.is_encoded(batch['inputs'])
    assert torch.equal(pre(batch)['inputs'], ref['inputs'])


def test_gpu_decode_configs_train_on_encoded_batches():
    """One train_step of the flow config's model on a batch of the encoded
    pipeline (small input to keep it quick), and the loss is finite."""
    cfg = _cfg('datp_tsn_r34_hmdb51_flow_gpu_decode.py')
    cfg.model.backbone.pretrained = None
    cfg.model.cls_head.aux_net.spatial_size = 2
    steps = cfg.train_dataloader.dataset.pipeline
    for step in steps:  # 64 px instead of 224 px
        if step['type'] == 'MultiScaleCrop':
            step['input_size'] = 64
        if step['type'] == 'Resize' and not step.get('keep_ratio', True):
            step['scale'] = (64, 64)
    model = MODELS.build(cfg.model)
    model.init_weights()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=1e-3))
    log = model.train_step(_batch(Compose(steps), [0, 1]), wrapper)
    assert torch.isfinite(log['loss'])


def test_decode_clips_checks_its_inputs():
    cfg = _cfg('datp_tsn_r34_hmdb51_flow_gpu_decode.py')
    batch = _batch(Compose(cfg.train_dataloader.dataset.pipeline), [0])
    inputs, samples = batch['inputs'], batch['data_samples']
    with pytest.raises(ValueError, match='1 inputs but 2 data samples'):
        decode_clips(inputs, samples * 2, 'cpu')
    with pytest.raises(ValueError, match='frames add up to'):
        decode_clips([inputs[0][:-1]], samples, 'cpu')
    rgb = samples[0].clone()
    rgb.set_metainfo(dict(modality='RGB'))
    with pytest.raises(ValueError, match='all RGB or all Flow'):
        decode_clips(inputs * 2, [samples[0], rgb], 'cpu')
