# Stage 2 of "K=2 from the uniform model" (not the paper's protocol; see
# datp_tsn_r34_hmdb51_uniform.py): the paper's DATP (conv aux net, K=2)
# fine-tuned from the uniform-weights model instead of from the TSN. The
# backbone and classifier load from it, the aux net starts fresh, so the
# mixture starts at the paper's initial values.
_base_ = ['./datp_tsn_r34_hmdb51_from_tsn.py']

custom_hooks = [
    dict(
        type='InitFromTSNHook',
        checkpoint='work_dirs/datp_tsn_r34_hmdb51_uniform/epoch_80.pth')
]
