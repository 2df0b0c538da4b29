# MMAction2's TSN Kinetics-400 RGB schedule (the paper gives none): 100
# epochs, lr steps at 40 and 80, lr 0.01 per 256 videos (0.00125 per our
# base batch of 32), weight decay 1e-4; otherwise sgd_tsn.py.
_base_ = './sgd_tsn.py'

max_epochs = 100
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[40, 80],
        gamma=0.1)
]
optim_wrapper = dict(
    optimizer=dict(lr=0.00125, weight_decay=1e-4),
    clip_grad=dict(max_norm=40, norm_type=2))
