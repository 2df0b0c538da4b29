# tsn_r34_kinetics400.py (the same model and schedule) reading the videos
# (decord) instead of rawframes (configs/README.md, "Rawframes or videos").
_base_ = [
    './_base_/models/tsn_r34.py',
    './_base_/datasets/kinetics400_video.py',
    './_base_/schedules/sgd_tsn_kinetics400.py',
    'mmaction::_base_/default_runtime.py'
]

model = dict(cls_head=dict(num_classes=400, dropout_ratio=0.4))
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=3))
