# Baseline P3 (Table 4): the same TSN-ResNet34 and N=10 segments, trained
# naively with average pooling of the softmax scores (no DATP).
_base_ = './datp_tsn_r34_hmdb51.py'

model = dict(cls_head=dict(pooling='avg'))

# the aux net is unused with average pooling
model_wrapper_cfg = dict(
    type='MMDistributedDataParallel', find_unused_parameters=True)
