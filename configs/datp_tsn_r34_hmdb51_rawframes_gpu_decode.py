# datp_tsn_r34_hmdb51_rawframes.py with the training JPEGs decoded on the
# GPU: the data workers read bytes and draw the crop/flip (MMAction2's lazy
# transforms), JPEGDecodeDataPreprocessor decodes the batch with nvjpeg
# (torchvision.io.decode_jpeg) and crops, resizes and flips it on the
# device. Validation and test decode on the CPU as before (the same
# preprocessor passes decoded inputs through).
_base_ = './datp_tsn_r34_hmdb51_rawframes.py'

model = dict(data_preprocessor=dict(type='JPEGDecodeDataPreprocessor'))

num_segments = 10
train_pipeline = [
    dict(type='DATPSampleFrames', num_segments=num_segments, clip_len=1),
    dict(type='LoadEncodedFrames'),
    # the same random draws as the CPU pipeline, recorded, not applied
    dict(type='Resize', scale=(-1, 256), lazy=True),
    dict(
        type='MultiScaleCrop',
        input_size=224,
        scales=(1, 0.875, 0.75, 0.66),
        random_crop=False,
        max_wh_scale_gap=1,
        lazy=True),
    dict(type='Resize', scale=(224, 224), keep_ratio=False, lazy=True),
    dict(type='Flip', flip_ratio=0.5, lazy=True),
    dict(type='PackEncodedInputs', algorithm_keys=('segment_times', ))
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
