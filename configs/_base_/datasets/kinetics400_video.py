# Kinetics-400, trained on the training set and tested on the validation set
# (paper Sec. 4.1): hmdb51_video.py (the same pipelines) on Kinetics-400's
# videos (videos_train/<class>/<video>, videos_val/...). The lists come
# from
#   python tools/data/build_file_list.py --dataset kinetics400 \
#       --src-dir data/kinetics400/videos_train \
#       --val-src-dir data/kinetics400/videos_val --format videos
_base_ = './hmdb51_video.py'

data_root = 'data/kinetics400/videos_train'
data_root_val = 'data/kinetics400/videos_val'
ann_file_train = 'data/kinetics400/kinetics400_train_list_videos.txt'
ann_file_val = 'data/kinetics400/kinetics400_val_list_videos.txt'
ann_file_test = ann_file_val

train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, data_prefix=dict(video=data_root)))
val_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_val, data_prefix=dict(video=data_root_val)))
test_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_test, data_prefix=dict(video=data_root_val)))
