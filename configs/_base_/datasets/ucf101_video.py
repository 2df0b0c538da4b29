# UCF101 split 1: hmdb51_video.py (the same pipelines) on UCF101's
# videos. The lists (docs/en/data_preparation.md, "UCF101 and
# Kinetics-400") come from
#   python tools/data/build_file_list.py --dataset ucf101 \
#       --src-dir data/ucf101/videos --format videos --split 1 2 3
_base_ = './hmdb51_video.py'

data_root = 'data/ucf101/videos'
split = 1
ann_file_train = f'data/ucf101/ucf101_train_split_{split}_videos.txt'
ann_file_val = f'data/ucf101/ucf101_val_split_{split}_videos.txt'
ann_file_test = ann_file_val

train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(video=data_root)))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, data_prefix=dict(video=data_root)))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file_test, data_prefix=dict(video=data_root)))
