"""The flow DATP config trains on what the preparation tools write.

Real clips laid out like HMDB51 -> TV-L1 flow rawframes -> HMDB51 split-1
flow lists -> ``configs/datp_tsn_r34_hmdb51_flow.py`` (RawframeDataset,
modality Flow, clip_len 5, CrossModalityResNet with 10 input channels),
retargeted only in size, class count and schedule, trained for a few
iterations on CPU.
"""
import copy
import math
import os.path as osp

import torch
from mmdatp.apis import setup_train_cfg
from mmdatp.datasets.preparation import (ExtractSpec, extract_videos,
                                         find_videos, parse_hmdb51_splits,
                                         write_file_lists)
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner
from prep_utils import REPO, make_hmdb51

CONFIG = osp.join(REPO, 'configs', 'datp_tsn_r34_hmdb51_flow.py')
SIZE = 32


class Recorder(Hook):
    """Keeps the weights at the start of training and every loss."""

    def __init__(self):
        self.initial, self.losses = None, []

    def before_train(self, runner):
        self.initial = copy.deepcopy(runner.model.state_dict())

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.losses.append(float(outputs['loss']))


def retarget(cfg, data_root, ann_dir, num_classes):
    """Point the flow config at the tiny extracted data, small and fast."""
    cfg.model.cls_head.num_classes = num_classes
    cfg.model.cls_head.aux_net.spatial_size = max(SIZE // 32, 1)
    for split in ('train', 'val', 'test'):
        loader = cfg[f'{split}_dataloader']
        loader.num_workers, loader.persistent_workers = 0, False
        loader.batch_size = 1
        dataset = loader.dataset
        subset = 'train' if split == 'train' else 'val'
        # the names build_file_list writes, as in the config
        assert osp.basename(dataset.ann_file) == \
            f'hmdb51_{subset}_split_1_flow.txt'
        dataset.ann_file = osp.join(ann_dir, osp.basename(dataset.ann_file))
        dataset.data_prefix = dict(img=data_root)
        for step in dataset.pipeline:
            if step.type == 'Resize':
                step.scale = (-1, SIZE + 8) if step.scale[0] == -1 else (
                    SIZE, SIZE)
            elif step.type == 'MultiScaleCrop':
                step.input_size = SIZE
            elif step.type == 'CenterCrop':
                step.crop_size = SIZE
    cfg.train_cfg.max_epochs = 1
    cfg.param_scheduler = [dict(type='ConstantLR', factor=1.0)]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    cfg.default_hooks.logger.interval = 1
    cfg.load_from = None
    return cfg


def test_flow_datp_trains_on_extracted_tvl1_flow(tmp_path):
    root = make_hmdb51(str(tmp_path / 'hmdb51'))
    raw = osp.join(root, 'rawframes')
    summary = extract_videos(
        find_videos(osp.join(root, 'videos')),
        raw,
        ExtractSpec(task='flow', flow_type='tvl1', new_short=48,
                    max_frames=9),
        num_workers=0,
        verbose=False)
    assert summary.ok and summary.flow_pairs == 6 * 8
    classes, splits = parse_hmdb51_splits(
        osp.join(root, 'annotations'), (1, ))
    write_file_lists('hmdb51', classes, splits, raw, root, ('flow', ))

    cfg = Config.fromfile(CONFIG)
    assert cfg.train_dataloader.dataset.modality == 'Flow'
    assert cfg.model.backbone.in_channels == 10
    # ImageNet weights by default; this test trains offline from scratch
    assert cfg.model.backbone.pretrained == 'torchvision://resnet34'
    cfg.model.backbone.pretrained = None
    retarget(cfg, raw, root, num_classes=len(classes))
    setup_train_cfg(cfg, work_dir=str(tmp_path / 'work'), seed=0,
                    no_validate=True)
    runner = Runner.from_cfg(cfg)
    recorder = Recorder()
    runner.register_hook(recorder)
    runner.train()

    assert runner.iter == 3  # 3 training videos, one per batch
    assert len(recorder.losses) == 3
    assert all(math.isfinite(v) for v in recorder.losses), recorder.losses
    final = runner.model.state_dict()
    conv1 = 'backbone.conv1.conv.weight'
    assert final[conv1].shape[1] == 10  # 5 stacked (x, y) flow frames
    for name in (conv1, 'cls_head.fc_cls.weight',
                 'cls_head.aux_net.regressor.weight'):
        assert not torch.equal(recorder.initial[name], final[name]), name
