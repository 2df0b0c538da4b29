# tsn_r34_ucf101.py (the same model and schedule) reading the videos
# (decord) instead of rawframes (configs/README.md, "Rawframes or videos").
_base_ = [
    './_base_/models/tsn_r34.py', './_base_/datasets/ucf101_video.py',
    './_base_/schedules/sgd_tsn.py', 'mmaction::_base_/default_runtime.py'
]

model = dict(cls_head=dict(num_classes=101))
# TSNHead has no aux net
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'cls_head.fc_cls': dict(lr_mult=5)}))
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=3))
