# DATP on the spatial (RGB) stream of HMDB51 split 3: datp_tsn_r34_hmdb51.py
# (split 1) on the lists of split 3, written by tools/data/build_file_list.py
# (docs/en/data_preparation.md).
_base_ = './datp_tsn_r34_hmdb51.py'

split = 3
ann_file_train = f'data/hmdb51/hmdb51_train_split_{split}_rawframes.txt'
ann_file_val = f'data/hmdb51/hmdb51_val_split_{split}_rawframes.txt'
ann_file_test = ann_file_val
train_dataloader = dict(dataset=dict(ann_file=ann_file_train))
val_dataloader = dict(dataset=dict(ann_file=ann_file_val))
test_dataloader = dict(dataset=dict(ann_file=ann_file_test))
