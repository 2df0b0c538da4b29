# Kinetics-400, trained on the training set and tested on the validation set
# (paper Sec. 4.1): hmdb51_rawframes.py (the same pipelines) on Kinetics-400's
# RGB rawframes (rawframes_train / rawframes_val, as MMAction2 lays
# out Kinetics). Frames and lists come from
#   python tools/data/build_rawframes.py data/kinetics400/videos_train \
#       data/kinetics400/rawframes_train --task rgb
#   python tools/data/build_rawframes.py data/kinetics400/videos_val \
#       data/kinetics400/rawframes_val --task rgb
#   python tools/data/build_file_list.py --dataset kinetics400 \
#       --src-dir data/kinetics400/rawframes_train \
#       --val-src-dir data/kinetics400/rawframes_val --format rawframes
# (--task both and --format rawframes flow also give the flow configs' data)
_base_ = './hmdb51_rawframes.py'

data_root = 'data/kinetics400/rawframes_train'
data_root_val = 'data/kinetics400/rawframes_val'
ann_file_train = 'data/kinetics400/kinetics400_train_list_rawframes.txt'
ann_file_val = 'data/kinetics400/kinetics400_val_list_rawframes.txt'
ann_file_test = ann_file_val

train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(img=data_root)))
val_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_val, data_prefix=dict(img=data_root_val)))
test_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_test, data_prefix=dict(img=data_root_val)))
