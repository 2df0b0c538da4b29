# DATP on the spatial (RGB) stream of UCF101 split 3: datp_tsn_r34_ucf101.py
# (split 1) on the lists of split 3, written by tools/data/build_file_list.py
# (docs/en/data_preparation.md).
_base_ = './datp_tsn_r34_ucf101.py'

split = 3
ann_file_train = f'data/ucf101/ucf101_train_split_{split}_rawframes.txt'
ann_file_val = f'data/ucf101/ucf101_val_split_{split}_rawframes.txt'
ann_file_test = ann_file_val
train_dataloader = dict(dataset=dict(ann_file=ann_file_train))
val_dataloader = dict(dataset=dict(ann_file=ann_file_val))
test_dataloader = dict(dataset=dict(ann_file=ann_file_test))
