# DATP on the spatial stream of Kinetics-400 as the paper trains it
# (Sec. 4.2): fine-tuned from a trained Kinetics-400 TSN, whose backbone and
# per-segment classifier load; the aux net starts fresh. Train the TSN first:
#   python tools/train.py configs/tsn_r34_kinetics400.py
# then
#   python tools/train.py configs/datp_tsn_r34_kinetics400_from_tsn.py
# (another TSN: --cfg-options custom_hooks.0.checkpoint=PATH)
_base_ = ['./datp_tsn_r34_kinetics400.py']

# the TSN holds the ImageNet-initialised backbone already
model = dict(backbone=dict(pretrained=None))

custom_hooks = [
    dict(
        type='InitFromTSNHook',
        # an MMAction2 TSN-R34 checkpoint of 400 classes (the last of
        # tsn_r34_kinetics400.py's 100 epochs); writes
        # {work_dir}/init_from_tsn.json with the keys that were new
        checkpoint='work_dirs/tsn_r34_kinetics400/epoch_100.pth')
]
