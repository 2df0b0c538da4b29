"""Every shipped config loads (with mmaction:: inheritance) and builds."""
import glob
import os.path as osp

import pytest
import torch
from mmaction.registry import MODELS, TRANSFORMS
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', '*.py')))


def test_there_are_configs():
    names = {osp.basename(c) for c in CONFIGS}
    assert {
        'datp_tsn_r34_hmdb51.py', 'datp_tsn_r34_hmdb51_flow.py',
        'tsn_r34_hmdb51.py', 'datp_tsn_r34_synthetic.py'
    } <= names


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_loads_and_builds(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmaction'
    assert 'mmdatp' in cfg.custom_imports['imports']
    features = cfg.model.type == 'FeatureRecognizer'
    if not features:  # video models are TSN-ResNet34
        assert cfg.model.backbone.depth == 34
    model = MODELS.build(cfg.model)
    head = cfg.model.cls_head
    # the P3 baseline is plain TSN, every other config uses DATP
    expected = 'TSNHead' if osp.basename(path).startswith('tsn_') \
        else 'DATPHead'
    assert type(model.cls_head).__name__ == head.type == expected
    # pipelines build and use the DATP sampler with the head's N
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        pipeline = cfg[loader].dataset.pipeline
        steps = [TRANSFORMS.build(step) for step in pipeline]
        # SampleFeatureSegments subclasses DATPSampleFrames
        samplers = [s for s in steps if type(s).__name__ in (
            'DATPSampleFrames', 'SampleFeatureSegments')]
        assert len(samplers) == 1
        assert samplers[0].num_segments == head.get('num_segments', 10)
        assert samplers[0].test_mode == (loader != 'train_dataloader')
        pack = steps[-1]  # PackActionInputs or PackFeatureInputs
        assert 'segment_times' in pack.algorithm_keys


def test_hmdb51_rgb_is_the_papers_setting():
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'datp_tsn_r34_hmdb51.py'))
    head = cfg.model.cls_head
    assert head.num_segments == 10
    assert head.aux_net.type == 'DATPConvAuxNet'
    assert head.aux_net.spatial_size == 7
    assert head.weight_generator == dict(
        type='MoGWeightGenerator', num_gaussians=2)
    assert head.num_classes == 51 and head.in_channels == 512
    # ImageNet ResNet34 by default (paper Sec. 4.2); offline here
    assert cfg.model.backbone.pretrained == 'torchvision://resnet34'
    cfg.model.backbone.pretrained = None
    model = MODELS.build(cfg.model)
    model.init_weights()
    x = torch.randn(1, 10, 3, 224, 224)  # one video, N=10 segments
    feats, kwargs = model.extract_feat(x)
    assert feats.shape == (10, 512, 7, 7)
    assert model.cls_head(feats, **kwargs).shape == (1, 51)


def test_flow_config_stacks_ten_channels():
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'datp_tsn_r34_hmdb51_flow.py'))
    assert cfg.model.backbone.in_channels == 10
    sampler = [
        s for s in cfg.train_dataloader.dataset.pipeline
        if s.type == 'DATPSampleFrames'
    ][0]
    assert sampler.clip_len == 5
    assert cfg.train_dataloader.dataset.modality == 'Flow'
    model = MODELS.build(cfg.model)
    feats, _ = model.extract_feat(torch.randn(1, 10, 10, 64, 64))
    assert feats.shape == (10, 512, 2, 2)
