# The plain TSN baseline on the spatial (RGB) stream of Kinetics-400: the
# data (RGB rawframes), pipeline and schedule of datp_tsn_r34_kinetics400.py
# (MMAction2's TSN Kinetics-400 schedule, see there), with TSN's own head --
# average consensus of the segment logits -- instead of DATP's, as in
# tsn_r34_hmdb51.py. tsn_r34_kinetics400_video.py decodes the videos instead.
_base_ = [
    './_base_/models/tsn_r34.py',
    './_base_/datasets/kinetics400_rawframes.py',
    './_base_/schedules/sgd_tsn_kinetics400.py',
    'mmaction::_base_/default_runtime.py'
]

# _base_/models/tsn_r34.py's TSNHead (average consensus, average_clips
# 'prob') on 400 classes
model = dict(cls_head=dict(num_classes=400, dropout_ratio=0.4))
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=3))
