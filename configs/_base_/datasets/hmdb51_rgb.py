# HMDB51 split 1, RGB frames decoded from the videos, N segments of 1 frame.
# Lay out the data with MMAction2's tools/data/hmdb51 scripts.
# VideoDataset that names a malformed list line or a missing/corrupt video;
# add on_bad_video='skip' to a loader's dataset to skip them with a warning
dataset_type = 'CheckedVideoDataset'
data_root = 'data/hmdb51/videos'
split = 1
ann_file_train = f'data/hmdb51/hmdb51_train_split_{split}_videos.txt'
ann_file_val = f'data/hmdb51/hmdb51_val_split_{split}_videos.txt'
ann_file_test = ann_file_val
num_segments = 10

file_client_args = dict(io_backend='disk')
# segment_times (the t_i of Eq. 1) travel to the head in the data samples
pack = dict(type='PackActionInputs', algorithm_keys=('segment_times', ))

train_pipeline = [
    dict(type='DecordInit', **file_client_args),
    dict(type='DATPSampleFrames', num_segments=num_segments, clip_len=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    # random cropping and horizontal flipping (paper Sec. 4.2)
    dict(
        type='MultiScaleCrop',
        input_size=224,
        scales=(1, 0.875, 0.75, 0.66),
        random_crop=False,
        max_wh_scale_gap=1),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'), pack
]
val_pipeline = [
    dict(type='DecordInit', **file_client_args),
    dict(
        type='DATPSampleFrames',
        num_segments=num_segments,
        clip_len=1,
        test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'), pack
]
test_pipeline = val_pipeline

train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_val,
        data_prefix=dict(video=data_root),
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_test,
        data_prefix=dict(video=data_root),
        pipeline=test_pipeline,
        test_mode=True))

val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator
