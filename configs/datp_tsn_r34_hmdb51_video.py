# datp_tsn_r34_hmdb51.py (the same model and schedule) reading the videos
# (decord) instead of rawframes: no frame extraction, but slower data
# loading (configs/README.md, "Rawframes or videos").
_base_ = [
    './_base_/models/datp_tsn_r34.py', './_base_/datasets/hmdb51_video.py',
    './_base_/schedules/sgd_tsn.py', 'mmaction::_base_/default_runtime.py'
]

default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=3))
