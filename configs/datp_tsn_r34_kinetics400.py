# DATP on the spatial (RGB) stream of Kinetics-400, trained on the training
# set and tested on the validation set (paper Sec. 4.1):
# datp_tsn_r34_hmdb51.py's model and data pipeline on 400 classes, with
# MMAction2's TSN Kinetics-400 schedule (the paper gives none): 100 epochs,
# lr steps at 40 and 80, lr 0.01 per 256 videos (0.00125 per our base batch
# of 32), weight decay 1e-4, dropout 0.4. The lists come from
#   python tools/data/build_file_list.py --dataset kinetics400 \
#       --src-dir data/kinetics400/videos_train \
#       --val-src-dir data/kinetics400/videos_val --format videos
_base_ = './datp_tsn_r34_hmdb51.py'

data_root = 'data/kinetics400/videos_train'
data_root_val = 'data/kinetics400/videos_val'
ann_file_train = 'data/kinetics400/kinetics400_train_list_videos.txt'
ann_file_val = 'data/kinetics400/kinetics400_val_list_videos.txt'
ann_file_test = ann_file_val

model = dict(cls_head=dict(num_classes=400, dropout_ratio=0.4))
train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(video=data_root)))
val_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_val, data_prefix=dict(video=data_root_val)))
test_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_test, data_prefix=dict(video=data_root_val)))

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
