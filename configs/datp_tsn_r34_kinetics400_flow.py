# DATP on the temporal (TV-L1 flow) stream of Kinetics-400:
# datp_tsn_r34_hmdb51_flow.py's model and data pipeline on 400 classes, with
# MMAction2's TSN Kinetics-400 flow schedule (the paper gives none): 110
# epochs, lr steps at 70 and 100, lr 0.005 per 256 videos (0.000625 per our
# base batch of 32), weight decay 1e-4, dropout 0.4. Flow and lists
# (rawframes_train / rawframes_val, as MMAction2 lays out Kinetics) come from
#   python tools/data/build_rawframes.py data/kinetics400/videos_train \
#       data/kinetics400/rawframes_train --task flow
#   python tools/data/build_rawframes.py data/kinetics400/videos_val \
#       data/kinetics400/rawframes_val --task flow
#   python tools/data/build_file_list.py --dataset kinetics400 \
#       --src-dir data/kinetics400/rawframes_train \
#       --val-src-dir data/kinetics400/rawframes_val --format flow
_base_ = './datp_tsn_r34_hmdb51_flow.py'

data_root = 'data/kinetics400/rawframes_train'
data_root_val = 'data/kinetics400/rawframes_val'
ann_file_train = 'data/kinetics400/kinetics400_train_list_flow.txt'
ann_file_val = 'data/kinetics400/kinetics400_val_list_flow.txt'
ann_file_test = ann_file_val

model = dict(cls_head=dict(num_classes=400, dropout_ratio=0.4))
train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(img=data_root)))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, data_prefix=dict(img=data_root_val)))
test_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_test, data_prefix=dict(img=data_root_val)))

max_epochs = 110
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[70, 100],
        gamma=0.1)
]
optim_wrapper = dict(
    optimizer=dict(lr=0.000625, weight_decay=1e-4),
    clip_grad=dict(max_norm=40, norm_type=2))
