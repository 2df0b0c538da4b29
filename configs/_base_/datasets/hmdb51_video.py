# HMDB51 split 1 as hmdb51_rawframes.py, with the RGB frames decoded from the
# videos (decord) instead of read from rawframes: only the dataset type, the
# lists, data_prefix and the decoding steps change. No frame extraction
# needed, but a data worker is about 10x slower (docs/en/benchmarks.md,
# "Input pipeline"). The lists come from
#   python tools/data/build_file_list.py --dataset hmdb51 \
#       --src-dir data/hmdb51/videos --format videos --split 1 2 3
_base_ = './hmdb51_rawframes.py'

# VideoDataset that names a malformed list line or a missing/corrupt video;
# add on_bad_video='skip' to a loader's dataset to skip them with a warning
dataset_type = 'CheckedVideoDataset'
data_root = 'data/hmdb51/videos'
split = 1
ann_file_train = f'data/hmdb51/hmdb51_train_split_{split}_videos.txt'
ann_file_val = f'data/hmdb51/hmdb51_val_split_{split}_videos.txt'
ann_file_test = ann_file_val

file_client_args = dict(io_backend='disk')


# the rawframes pipelines read from the videos: DecordInit opens the video
# before the sampler (which needs its length), DecordDecode decodes in
# place of RawFrameDecode
train_pipeline = [dict(type='DecordInit', **file_client_args)] + [
    dict(type='DecordDecode') if step.type == 'RawFrameDecode' else step
    for step in _base_.train_pipeline
]
val_pipeline = [dict(type='DecordInit', **file_client_args)] + [
    dict(type='DecordDecode') if step.type == 'RawFrameDecode' else step
    for step in _base_.val_pipeline
]
test_pipeline = val_pipeline

_video = dict(
    type=dataset_type, data_prefix=dict(_delete_=True, video=data_root))
train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, pipeline=train_pipeline, **_video))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, pipeline=val_pipeline, **_video))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file_test, pipeline=test_pipeline, **_video))
