# UCF101 split 1: hmdb51_rawframes.py (the same pipelines) on UCF101's
# RGB rawframes. Frames and lists (docs/en/data_preparation.md, "UCF101 and
# Kinetics-400") come from
#   python tools/data/build_rawframes.py data/ucf101/videos \
#       data/ucf101/rawframes --task both
#   python tools/data/build_file_list.py --dataset ucf101 \
#       --src-dir data/ucf101/rawframes --format rawframes flow --split 1 2 3
_base_ = './hmdb51_rawframes.py'

data_root = 'data/ucf101/rawframes'
split = 1
ann_file_train = f'data/ucf101/ucf101_train_split_{split}_rawframes.txt'
ann_file_val = f'data/ucf101/ucf101_val_split_{split}_rawframes.txt'
ann_file_test = ann_file_val

train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(img=data_root)))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, data_prefix=dict(img=data_root)))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file_test, data_prefix=dict(img=data_root)))
