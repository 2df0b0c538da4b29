# DATP on the spatial (RGB) stream of UCF101 split 1: datp_tsn_r34_hmdb51.py
# (the same model, data pipeline and schedule) on UCF101's 101 classes. The
# lists (docs/en/data_preparation.md, "UCF101 and Kinetics-400") come from
#   python tools/data/build_file_list.py --dataset ucf101 \
#       --src-dir data/ucf101/videos --format videos --split 1 2 3
_base_ = './datp_tsn_r34_hmdb51.py'

data_root = 'data/ucf101/videos'
split = 1
ann_file_train = f'data/ucf101/ucf101_train_split_{split}_videos.txt'
ann_file_val = f'data/ucf101/ucf101_val_split_{split}_videos.txt'
ann_file_test = ann_file_val

model = dict(cls_head=dict(num_classes=101))
train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(video=data_root)))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, data_prefix=dict(video=data_root)))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file_test, data_prefix=dict(video=data_root)))
