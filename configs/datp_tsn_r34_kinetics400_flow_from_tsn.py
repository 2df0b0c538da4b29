# DATP on the temporal stream of Kinetics-400 as the paper trains it
# (Sec. 4.2): fine-tuned from a trained Kinetics-400 flow TSN, whose backbone
# and per-segment classifier load; the aux net starts fresh. Train the TSN
# first:
#   python tools/train.py configs/tsn_r34_kinetics400_flow.py
# then
#   python tools/train.py configs/datp_tsn_r34_kinetics400_flow_from_tsn.py
# (another TSN: --cfg-options custom_hooks.0.checkpoint=PATH)
_base_ = ['./datp_tsn_r34_kinetics400_flow.py']

# the TSN holds the ImageNet-initialised backbone already
model = dict(backbone=dict(pretrained=None))

custom_hooks = [
    dict(
        type='InitFromTSNHook',
        # an MMAction2 TSN-R34 flow checkpoint of 400 classes (the last of
        # tsn_r34_kinetics400_flow.py's 110 epochs)
        checkpoint='work_dirs/tsn_r34_kinetics400_flow/epoch_110.pth')
]
