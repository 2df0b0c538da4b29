# Baseline P3 (Table 4): the plain TSN the paper compares against, "trained
# naively" -- TSNHead with average consensus of the segment class scores
# (logits) and cross-entropy on it, so every segment is pushed towards the
# video label -- with the same ResNet34, data and N=10 segments as DATP.
# Test it as in the paper with average pooling of softmax scores:
#   python tools/test.py configs/tsn_r34_hmdb51.py CKPT --pooling avg --num-segments 25
_base_ = [
    './_base_/models/tsn_r34.py', './_base_/datasets/hmdb51_rawframes.py',
    './_base_/schedules/sgd_tsn.py', 'mmaction::_base_/default_runtime.py'
]

# TSNHead has no aux net
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'cls_head.fc_cls': dict(lr_mult=5)}))
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=3))
