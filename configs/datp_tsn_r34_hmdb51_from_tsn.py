# DATP fine-tuned from a plain TSN checkpoint (the paper starts DATP from a
# trained TSN): backbone and per-segment classifier load from the TSN, the
# aux net starts fresh. Train the TSN first, e.g.
#   python tools/train.py configs/tsn_r34_hmdb51.py --work-dir work_dirs/tsn
# then
#   python tools/train.py configs/datp_tsn_r34_hmdb51_from_tsn.py \
#       --cfg-options "custom_hooks.0.checkpoint=work_dirs/tsn/epoch_80.pth"
_base_ = ['./datp_tsn_r34_hmdb51.py']

# the TSN holds the ImageNet-initialised backbone already
model = dict(backbone=dict(pretrained=None))

custom_hooks = [
    dict(
        type='InitFromTSNHook',
        # an MMAction2 TSN-R34 checkpoint; logs and writes to
        # {work_dir}/init_from_tsn.json exactly which keys were new
        checkpoint='work_dirs/tsn_r34_hmdb51/epoch_80.pth',
        # a Kinetics-400 TSN classifies 400 classes: drop its classifier
        # to fine-tune on HMDB51's 51 (otherwise a shape error says so)
        # drop_prefixes=('cls_head.fc_cls.', ),
    )
]
