# datp_tsn_r34_hmdb51.py with the training JPEGs decoded on the
# GPU: the data workers read bytes and draw the crop/flip (MMAction2's lazy
# transforms), JPEGDecodeDataPreprocessor decodes the batch with nvjpeg
# (torchvision.io.decode_jpeg) and crops, resizes and flips it on the
# device. Validation and test decode on the CPU as before (the same
# preprocessor passes decoded inputs through).
_base_ = './datp_tsn_r34_hmdb51.py'

model = dict(data_preprocessor=dict(type='JPEGDecodeDataPreprocessor'))

# the CPU training pipeline, each step in its GPU-decode form: the bytes
# loaded in place of RawFrameDecode, the same random draws recorded, not
# applied (lazy), the clip packed undecoded (FormatShape: on the device)
train_pipeline = [
    {
        'RawFrameDecode': dict(type='LoadEncodedFrames'),
        'Resize': dict(step, lazy=True),
        'MultiScaleCrop': dict(step, lazy=True),
        'Flip': dict(step, lazy=True),
        'PackActionInputs': dict(
            type='PackEncodedInputs',
            algorithm_keys=step.get('algorithm_keys')),
    }.get(step.type, step)
    for step in _base_.train_pipeline if step.type != 'FormatShape'
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
