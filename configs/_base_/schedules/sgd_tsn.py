# TSN's recipe (tsn-pytorch), which the DATP paper builds on; the paper does
# not state its optimiser settings. RGB: lr 1e-3, 80 epochs, steps 30/60;
# the flow config overrides epochs and steps (340, 190/300).
max_epochs = 80

train_cfg = dict(
    type='EpochBasedTrainLoop',
    max_epochs=max_epochs,
    val_begin=1,
    val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[30, 60],
        gamma=0.1)
]

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.001, momentum=0.9, weight_decay=5e-4),
    # The classifier and the aux net start from scratch: larger steps.
    paramwise_cfg=dict(
        custom_keys={
            'cls_head.fc_cls': dict(lr_mult=5),
            'cls_head.aux_net': dict(lr_mult=10)
        }),
    clip_grad=dict(max_norm=20, norm_type=2))

# lr above is for a total batch of 32 videos (2 GPUs x 16, as in the paper's
# 2 Titan X); `--auto-scale-lr` rescales it to the actual batch.
auto_scale_lr = dict(enable=False, base_batch_size=32)
