# Baseline P3 (Table 4), temporal stream: the plain TSN (TSNHead, average
# consensus) on HMDB51 split 1 flow, with the same ResNet34, data, N=10
# segments and schedule as datp_tsn_r34_hmdb51_flow.py. Test it as in the
# paper with average pooling of 25 segments:
#   python tools/test.py configs/tsn_r34_hmdb51_flow.py CKPT \
#       --pooling avg --num-segments 25
_base_ = [
    './_base_/models/tsn_r34.py', './_base_/datasets/hmdb51_flow.py',
    './_base_/schedules/sgd_tsn.py', 'mmaction::_base_/default_runtime.py'
]

model = dict(
    # 10 input channels (5 stacked x/y flow pairs); conv1 gets the mean of
    # the ImageNet RGB filters (cross-modality initialisation)
    backbone=dict(type='CrossModalityResNet', in_channels=10),
    cls_head=dict(dropout_ratio=0.7),
    # one mean/std per input channel (see datp_tsn_r34_hmdb51_flow.py)
    data_preprocessor=dict(mean=[128, 128] * 5, std=[128, 128] * 5))

# tsn-pytorch's flow recipe: 340 epochs, lr steps at 190 and 300
max_epochs = 340
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[190, 300],
        gamma=0.1)
]
# TSNHead has no aux net
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'cls_head.fc_cls': dict(lr_mult=5)}),
    clip_grad=dict(max_norm=40, norm_type=2))
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3))
