# DATP on precomputed per-segment features: synthetic (T=60, D=32) feature
# sequences in which only a short window carries the label and most other
# rows show a weaker pattern of a wrong class (mmdatp/datasets/
# synthetic_features.py). No backbone: FeatureRecognizer feeds N=10 sampled
# feature vectors per video to DATPHead(spatial_type=None). Trains in
# seconds on a CPU:
#   python -c "from mmdatp.datasets.synthetic_features import \
#       make_feature_dataset as m; m('data/synthetic_features', \
#       videos_per_class=60)"
#   python tools/train.py configs/datp_features_synthetic.py
default_scope = 'mmaction'
custom_imports = dict(imports=['mmdatp'], allow_failed_imports=False)

data_root = 'data/synthetic_features'
num_classes = 5
feature_dim = 32  # D of the .npy arrays (dim of make_feature_dataset)
num_segments = 10  # N, in training and testing

model = dict(
    type='FeatureRecognizer',
    # stacks the (N, D) inputs into (B, N, D); no mean/std for features
    data_preprocessor=dict(type='ActionDataPreprocessor'),
    cls_head=dict(
        type='DATPHead',
        num_classes=num_classes,
        in_channels=feature_dim,
        num_segments=num_segments,
        spatial_type=None,  # features are already vectors
        # 1-D temporal convs over the N feature vectors + 2 fc layers; for
        # the softmax-score input use dict(type='DATPScoreAuxNet')
        aux_net=dict(type='DATPFeatureAuxNet', num_fcs=2, fc_channels=64),
        # K=2 Gaussians. The paper's initial variance 0.2 spans the whole
        # video and moves slowly on 60 videos per class; 0.05 (sigma ~0.22)
        # localises within a few epochs. K=1 also learns, but on one of
        # six data seeds its sigma collapsed to min_sigma off the window.
        weight_generator=dict(
            type='MoGWeightGenerator', num_gaussians=2, init_variance=0.05),
        pooling='datp',
        score_mode='mixture',
        dropout_ratio=0.0,
        init_std=0.01,
        average_clips='prob'))

train_pipeline = [
    dict(type='SampleFeatureSegments', num_segments=num_segments),
    dict(type='PackFeatureInputs')  # inputs (N, D) + segment_times
]
test_pipeline = [
    dict(type='SampleFeatureSegments', num_segments=num_segments,
         test_mode=True),
    dict(type='PackFeatureInputs')
]


def _loader(split, pipeline, shuffle, batch_size=16):
    return dict(
        batch_size=batch_size,
        num_workers=0,  # loading a few rows of an .npy is cheap
        sampler=dict(type='DefaultSampler', shuffle=shuffle),
        dataset=dict(
            type='SegmentFeatureDataset',
            ann_file=f'{data_root}/{split}_list.txt',
            data_prefix=dict(feature=data_root),
            feature_dim=feature_dim,
            pipeline=pipeline,
            test_mode=not shuffle))


train_dataloader = _loader('train', train_pipeline, True)
val_dataloader = _loader('val', test_pipeline, False)
test_dataloader = val_dataloader
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator

max_epochs = 25
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True,
         begin=0, end=max_epochs)
]
optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=3e-3, weight_decay=1e-4),
    clip_grad=dict(max_norm=20, norm_type=2))

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, ignore_last=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=1),
    sampler_seed=dict(type='DistSamplerSeedHook'))
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))
log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='ActionVisualizer', vis_backends=vis_backends)
log_level = 'INFO'
load_from = None
resume = False
