# The temporal stream's stage 1 of "K=2 from the uniform model" (not the
# paper's protocol; see datp_tsn_r34_hmdb51_uniform.py): uniform weights
# fine-tuned from the flow TSN.
#   python tools/train.py configs/tsn_r34_hmdb51_flow.py
#   python tools/train.py configs/datp_tsn_r34_hmdb51_flow_uniform.py
#   python tools/train.py configs/datp_tsn_r34_hmdb51_flow_from_uniform.py
_base_ = ['./datp_tsn_r34_hmdb51_flow.py']

# the TSN holds the cross-modality-initialised backbone already; avg
# pooling regresses nothing
model = dict(
    backbone=dict(pretrained=None),
    cls_head=dict(pooling='avg', aux_net=None))
custom_hooks = [
    dict(
        type='InitFromTSNHook',
        checkpoint='work_dirs/tsn_r34_hmdb51_flow/epoch_340.pth')
]
