# The plain TSN baseline on the spatial (RGB) stream of UCF101 split 1:
# tsn_r34_hmdb51.py (the same model, data pipeline and schedule) on UCF101's
# 101 classes, from RGB rawframes (_base_/datasets/ucf101_rawframes.py: how
# to make them). tsn_r34_ucf101_video.py decodes the videos instead.
_base_ = [
    './_base_/models/tsn_r34.py', './_base_/datasets/ucf101_rawframes.py',
    './_base_/schedules/sgd_tsn.py', 'mmaction::_base_/default_runtime.py'
]

model = dict(cls_head=dict(num_classes=101))
# TSNHead has no aux net
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'cls_head.fc_cls': dict(lr_mult=5)}))
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=3))
