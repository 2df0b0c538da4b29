# HMDB51 split 1, RGB frames read from rawframes (img_00001.jpg, ...), N
# segments of 1 frame, as the paper trains. Random access to 10 JPEGs per
# video instead of seeking in the video makes a data worker about 10x
# faster (docs/en/benchmarks.md, "Input pipeline"). Prepare the frames and
# lists (docs/en/data_preparation.md) with
#   python tools/data/build_rawframes.py data/hmdb51/videos \
#       data/hmdb51/rawframes --task both
#   python tools/data/build_file_list.py --dataset hmdb51 \
#       --src-dir data/hmdb51/rawframes --format rawframes flow --split 1 2 3
# hmdb51_video.py reads the same clips from the videos instead.
# RawframeDataset that names a malformed list line or a missing frame dir
# (add on_bad_video='skip' to a loader's dataset to skip them with a
# warning); its defaults read img_{:05d}.jpg from start_index=1 as RGB
dataset_type = 'CheckedRawframeDataset'
data_root = 'data/hmdb51/rawframes'
split = 1
ann_file_train = f'data/hmdb51/hmdb51_train_split_{split}_rawframes.txt'
ann_file_val = f'data/hmdb51/hmdb51_val_split_{split}_rawframes.txt'
ann_file_test = ann_file_val
num_segments = 10

# segment_times (the t_i of Eq. 1) travel to the head in the data samples
pack = dict(type='PackActionInputs', algorithm_keys=('segment_times', ))

train_pipeline = [
    dict(type='DATPSampleFrames', num_segments=num_segments, clip_len=1),
    dict(type='RawFrameDecode'),
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
    dict(
        type='DATPSampleFrames',
        num_segments=num_segments,
        clip_len=1,
        test_mode=True),
    dict(type='RawFrameDecode'),
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
        data_prefix=dict(img=data_root),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_val,
        data_prefix=dict(img=data_root),
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
        data_prefix=dict(img=data_root),
        pipeline=test_pipeline,
        test_mode=True))

val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator
