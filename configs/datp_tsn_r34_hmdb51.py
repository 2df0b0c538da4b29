# DATP on the spatial (RGB) stream of HMDB51 split 1: TSN-ResNet34,
# conv-feature aux net, MoG K=2, N=10 (paper Sec. 4.2-4.3), reading RGB
# rawframes as the paper trains (_base_/datasets/hmdb51_rawframes.py: how to
# make them). datp_tsn_r34_hmdb51_video.py decodes the videos instead.
#   python tools/train.py configs/datp_tsn_r34_hmdb51.py \
#       --cfg-options model.backbone.pretrained=checkpoints/resnet34.pth
_base_ = [
    './_base_/models/datp_tsn_r34.py', './_base_/datasets/hmdb51_rawframes.py',
    './_base_/schedules/sgd_tsn.py', 'mmaction::_base_/default_runtime.py'
]

default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=3))
