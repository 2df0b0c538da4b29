# DATP on the spatial (RGB) stream of Kinetics-400, trained on the training
# set and tested on the validation set (paper Sec. 4.1):
# datp_tsn_r34_hmdb51.py's model and data pipeline on 400 classes, from RGB
# rawframes (_base_/datasets/kinetics400_rawframes.py: how to make them),
# with MMAction2's TSN Kinetics-400 schedule (the paper gives none; see
# _base_/schedules/sgd_tsn_kinetics400.py) and dropout 0.4.
# datp_tsn_r34_kinetics400_video.py decodes the videos instead.
_base_ = [
    './_base_/models/datp_tsn_r34.py',
    './_base_/datasets/kinetics400_rawframes.py',
    './_base_/schedules/sgd_tsn_kinetics400.py',
    'mmaction::_base_/default_runtime.py'
]

model = dict(cls_head=dict(num_classes=400, dropout_ratio=0.4))
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=3))
