# tsn_r34_hmdb51.py (the same model and schedule) reading the videos
# (decord) instead of rawframes (configs/README.md, "Rawframes or videos").
_base_ = [
    './_base_/models/tsn_r34.py', './_base_/datasets/hmdb51_video.py',
    './_base_/schedules/sgd_tsn.py', 'mmaction::_base_/default_runtime.py'
]

# TSNHead has no aux net
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'cls_head.fc_cls': dict(lr_mult=5)}))
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=3))
