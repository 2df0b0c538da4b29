# The embedded default: DATP (conv-feature aux net, MoG K=2, N=10) on the
# synthetic key-action dataset that `make demo` generates with
#   python tools/data/make_synthetic.py data/synthetic
# 5 classes, 64x64 videos of 48 frames; trains from scratch on 2 CPU cores in
# a few minutes. Same model as the HMDB51 configs, sized for 64x64 input.
_base_ = [
    './_base_/models/datp_tsn_r34.py', './_base_/schedules/sgd_tsn.py',
    'mmaction::_base_/default_runtime.py'
]

data_root = 'data/synthetic'
num_classes = 5
num_segments = 10
input_size = 64

model = dict(
    # from scratch and offline (no ImageNet weights): BN statistics must be
    # learnt, so no partial BN
    backbone=dict(pretrained=None, partial_bn=False),
    cls_head=dict(
        num_classes=num_classes,
        num_segments=num_segments,
        aux_net=dict(spatial_size=input_size // 32),
        dropout_ratio=0.5,
        init_std=0.01))

pack = dict(type='PackActionInputs', algorithm_keys=('segment_times', ))
train_pipeline = [
    dict(type='DecordInit'),
    dict(type='DATPSampleFrames', num_segments=num_segments),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'), pack
]
test_pipeline = [
    dict(type='DecordInit'),
    dict(type='DATPSampleFrames', num_segments=num_segments, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'), pack
]


def _loader(split, pipeline, shuffle, batch_size=8):
    return dict(
        batch_size=batch_size,
        num_workers=2,
        persistent_workers=True,
        sampler=dict(type='DefaultSampler', shuffle=shuffle),
        dataset=dict(
            type='CheckedVideoDataset',  # names bad files (see README)
            ann_file=f'{data_root}/{split}_list.txt',
            data_prefix=dict(video=data_root),
            pipeline=pipeline,
            test_mode=not shuffle))


train_dataloader = _loader('train', train_pipeline, True)
val_dataloader = _loader('val', test_pipeline, False)
test_dataloader = _loader('test', test_pipeline, False)
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator

max_epochs = 20
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.1,
        by_epoch=True,
        begin=0,
        end=1,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
# from scratch on tiny data: a larger lr than the fine-tuning recipe
optim_wrapper = dict(
    optimizer=dict(lr=0.02, weight_decay=1e-4),
    paramwise_cfg=dict(
        custom_keys={
            'cls_head.fc_cls': dict(lr_mult=1),
            'cls_head.aux_net': dict(lr_mult=1)
        }))
default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=5, max_keep_ckpts=1))
