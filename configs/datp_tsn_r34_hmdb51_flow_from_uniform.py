# The temporal stream's stage 2 of "K=2 from the uniform model" (not the
# paper's protocol; see datp_tsn_r34_hmdb51_uniform.py): DATP (conv aux
# net, K=2) fine-tuned from the flow uniform-weights model; aux net fresh.
_base_ = ['./datp_tsn_r34_hmdb51_flow.py']

model = dict(backbone=dict(pretrained=None))
custom_hooks = [
    dict(
        type='InitFromTSNHook',
        checkpoint='work_dirs/datp_tsn_r34_hmdb51_flow_uniform/epoch_340.pth')
]
