# DATP on the spatial (RGB) stream of HMDB51 split 1 from RGB rawframes
# (img_00001.jpg, ...), as the paper trains, instead of decoding the videos:
# datp_tsn_r34_hmdb51.py with its dataset read from rawframes
# (_base_/datasets/hmdb51_rawframes.py: how to prepare them, and why).
_base_ = [
    './_base_/models/datp_tsn_r34.py', './_base_/datasets/hmdb51_rawframes.py',
    './_base_/schedules/sgd_tsn.py', 'mmaction::_base_/default_runtime.py'
]

default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=3))
