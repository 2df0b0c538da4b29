# HMDB51 split 1 as hmdb51_rgb.py, with the RGB frames read from rawframes
# (img_00001.jpg, ...), as the paper trains, instead of decoded from the
# videos: random access to 10 JPEGs per video instead of seeking in the
# video makes a data worker about 10x faster (docs/en/benchmarks.md, "Input
# pipeline"). Prepare the frames with tools/data/build_rawframes.py (--task
# rgb or both) and the lists with tools/data/build_file_list.py --format
# rawframes.
_base_ = './hmdb51_rgb.py'

# RawframeDataset that names a malformed list line or a missing frame dir
# (on_bad_video='skip' to skip them with a warning); its defaults read
# img_{:05d}.jpg from start_index=1 as modality RGB
dataset_type = 'CheckedRawframeDataset'
data_root = 'data/hmdb51/rawframes'
split = 1
ann_file_train = f'data/hmdb51/hmdb51_train_split_{split}_rawframes.txt'
ann_file_val = f'data/hmdb51/hmdb51_val_split_{split}_rawframes.txt'

# the video pipelines with RawFrameDecode in place of DecordInit/DecordDecode
train_pipeline = [
    dict(type='RawFrameDecode') if step.type == 'DecordDecode' else step
    for step in _base_.train_pipeline if step.type != 'DecordInit'
]
val_pipeline = [
    dict(type='RawFrameDecode') if step.type == 'DecordDecode' else step
    for step in _base_.val_pipeline if step.type != 'DecordInit'
]
test_pipeline = val_pipeline

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        data_prefix=dict(_delete_=True, img=data_root),
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_val,
        data_prefix=dict(_delete_=True, img=data_root),
        pipeline=val_pipeline))
test_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_val,
        data_prefix=dict(_delete_=True, img=data_root),
        pipeline=test_pipeline))
