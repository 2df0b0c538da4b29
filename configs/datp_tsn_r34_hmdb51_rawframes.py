# DATP on the spatial (RGB) stream of HMDB51 split 1 from RGB rawframes
# (img_00001.jpg, ...), as the paper trains, instead of decoding the videos:
# random access to 10 JPEGs per video instead of seeking in the video makes
# a data worker about 10x faster (docs/en/benchmarks.md, "Input pipeline").
# Prepare the frames with tools/data/build_rawframes.py (--task rgb or both)
# and the lists with tools/data/build_file_list.py --format rawframes.
_base_ = './datp_tsn_r34_hmdb51.py'

dataset_type = 'CheckedRawframeDataset'
data_root = 'data/hmdb51/rawframes'
split = 1
ann_file_train = f'data/hmdb51/hmdb51_train_split_{split}_rawframes.txt'
ann_file_val = f'data/hmdb51/hmdb51_val_split_{split}_rawframes.txt'
num_segments = 10

pack = dict(type='PackActionInputs', algorithm_keys=('segment_times', ))
# the video pipeline with RawFrameDecode in place of DecordInit/DecordDecode
train_pipeline = [
    dict(type='DATPSampleFrames', num_segments=num_segments, clip_len=1),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
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

# RawframeDataset's defaults: img_{:05d}.jpg, start_index=1, modality RGB
_frames = dict(type=dataset_type, data_prefix=dict(img=data_root))
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        ann_file=ann_file_train,
        pipeline=train_pipeline,
        **_frames))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        ann_file=ann_file_val,
        pipeline=val_pipeline,
        test_mode=True,
        **_frames))
test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        ann_file=ann_file_val,
        pipeline=test_pipeline,
        test_mode=True,
        **_frames))
