# HMDB51 split 1, TV-L1 optical flow as rawframes (x_/y_ jpgs), N segments
# of 5 stacked flow frames = 10 input channels (paper Sec. 4.2).
# Prepare with tools/data/build_rawframes.py (x_00001..x_{F-1}.jpg for a
# video of F frames) and tools/data/build_file_list.py --format flow (README,
# "Prepare HMDB51").
_base_ = './hmdb51_rgb.py'

# RawframeDataset that names a malformed list line or a missing frame dir
# (on_bad_video='skip' to skip them with a warning)
dataset_type = 'CheckedRawframeDataset'
data_root = 'data/hmdb51/rawframes'
split = 1
# The *_flow.txt lists record the number of flow pairs (F-1), not of RGB
# frames: with RawframeDataset's start_index=1 every index DATPSampleFrames
# draws, 1..F-1, names an existing x_/y_ pair.
ann_file_train = f'data/hmdb51/hmdb51_train_split_{split}_flow.txt'
ann_file_val = f'data/hmdb51/hmdb51_val_split_{split}_flow.txt'
num_segments = 10
clip_len = 5

pack = dict(type='PackActionInputs', algorithm_keys=('segment_times', ))
train_pipeline = [
    dict(
        type='DATPSampleFrames', num_segments=num_segments,
        clip_len=clip_len),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(
        type='MultiScaleCrop',
        input_size=224,
        scales=(1, 0.875, 0.75),
        random_crop=False,
        max_wh_scale_gap=1),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    # Flip negates the x flow of flipped clips (MMAction2 handles Flow)
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'), pack
]
val_pipeline = [
    dict(
        type='DATPSampleFrames',
        num_segments=num_segments,
        clip_len=clip_len,
        test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'), pack
]
test_pipeline = val_pipeline

_flow = dict(
    type=dataset_type,
    data_prefix=dict(img=data_root),
    filename_tmpl='{}_{:05d}.jpg',  # x_00001.jpg / y_00001.jpg
    start_index=1,  # flow pairs are numbered from 1, like img_00001.jpg
    modality='Flow')
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        ann_file=ann_file_train,
        pipeline=train_pipeline,
        **_flow))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        ann_file=ann_file_val,
        pipeline=val_pipeline,
        test_mode=True,
        **_flow))
test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        ann_file=ann_file_val,
        pipeline=test_pipeline,
        test_mode=True,
        **_flow))
