# HMDB51 split 1, TV-L1 optical flow as rawframes (x_/y_ jpgs), N segments
# of 5 stacked flow frames = 10 input channels (paper Sec. 4.2).
# Prepare with tools/data/build_rawframes.py (x_00001..x_{F-1}.jpg for a
# video of F frames) and tools/data/build_file_list.py --format flow (README,
# "Prepare HMDB51").
_base_ = './hmdb51_rawframes.py'

# The *_flow.txt lists record the number of flow pairs (F-1), not of RGB
# frames: with RawframeDataset's start_index=1 every index DATPSampleFrames
# draws, 1..F-1, names an existing x_/y_ pair.
ann_file_train = f'data/hmdb51/hmdb51_train_split_{_base_.split}_flow.txt'
ann_file_val = f'data/hmdb51/hmdb51_val_split_{_base_.split}_flow.txt'
clip_len = 5

# the RGB rawframes pipelines with clip_len stacked frames per segment and
# TSN's flow crop scales (no 0.66); Flip negates the x flow of flipped clips
# (MMAction2 handles Flow)
train_pipeline = [
    dict(step, clip_len=clip_len) if step.type == 'DATPSampleFrames' else
    dict(step, scales=(1, 0.875, 0.75)) if step.type == 'MultiScaleCrop' else
    step for step in _base_.train_pipeline
]
val_pipeline = [
    dict(step, clip_len=clip_len) if step.type == 'DATPSampleFrames' else step
    for step in _base_.val_pipeline
]
test_pipeline = val_pipeline

_flow = dict(
    filename_tmpl='{}_{:05d}.jpg',  # x_00001.jpg / y_00001.jpg
    start_index=1,  # flow pairs are numbered from 1, like img_00001.jpg
    modality='Flow')
train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, pipeline=train_pipeline, **_flow))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, pipeline=val_pipeline, **_flow))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, pipeline=test_pipeline, **_flow))
