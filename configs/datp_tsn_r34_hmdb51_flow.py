# DATP on the temporal stream of HMDB51 split 1: 5 stacked TV-L1 flow frames
# per segment (10 channels), ImageNet weights adapted by cross-modality init.
_base_ = [
    './_base_/models/datp_tsn_r34.py', './_base_/datasets/hmdb51_flow.py',
    './_base_/schedules/sgd_tsn_flow.py', 'mmaction::_base_/default_runtime.py'
]

model = dict(
    # 10 input channels; conv1 gets the mean of the ImageNet RGB filters
    backbone=dict(type='CrossModalityResNet', in_channels=10),
    cls_head=dict(dropout_ratio=0.7),
    # FormatShape('NCHW') stacks a Flow clip as 10 channels (x1, y1, ...,
    # x5, y5), so mean/std need one entry per channel: 128 maps the
    # quantised flow (0 px -> 127.5, +-20 px -> 0/255) to about [-1, 1].
    # (Two entries, as before, fail on the real rawframes: tests/
    # test_data_prep/test_flow_training.py.)
    data_preprocessor=dict(mean=[128, 128] * 5, std=[128, 128] * 5))
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3))
