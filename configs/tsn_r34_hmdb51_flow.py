# Baseline P3 (Table 4), temporal stream: the plain TSN (TSNHead, average
# consensus) on HMDB51 split 1 flow, with the same ResNet34, data, N=10
# segments and schedule as datp_tsn_r34_hmdb51_flow.py. Test it as in the
# paper with average pooling of 25 segments:
#   python tools/test.py configs/tsn_r34_hmdb51_flow.py CKPT \
#       --pooling avg --num-segments 25
_base_ = [
    './_base_/models/tsn_r34.py', './_base_/datasets/hmdb51_flow.py',
    './_base_/schedules/sgd_tsn_flow.py', 'mmaction::_base_/default_runtime.py'
]

model = dict(
    # 10 input channels (5 stacked x/y flow pairs); conv1 gets the mean of
    # the ImageNet RGB filters (cross-modality initialisation)
    backbone=dict(type='CrossModalityResNet', in_channels=10),
    cls_head=dict(dropout_ratio=0.7),
    # one mean/std per input channel (see datp_tsn_r34_hmdb51_flow.py)
    data_preprocessor=dict(mean=[128, 128] * 5, std=[128, 128] * 5))

# TSNHead has no aux net (the flow schedule: sgd_tsn_flow.py)
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'cls_head.fc_cls': dict(lr_mult=5)}))
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3))
