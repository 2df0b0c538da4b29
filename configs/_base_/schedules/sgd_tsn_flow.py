# The temporal stream's schedule: tsn-pytorch's flow recipe, 340 epochs, lr
# steps at 190 and 300, gradients clipped at 40; otherwise sgd_tsn.py. (The
# flow configs save a checkpoint every 10 epochs themselves: default_hooks
# comes from default_runtime.py, and two bases may not both set it.)
_base_ = './sgd_tsn.py'

max_epochs = 340
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[190, 300],
        gamma=0.1)
]
optim_wrapper = dict(clip_grad=dict(max_norm=40, norm_type=2))
