"""The encoded-frames training pipeline (LoadEncodedFrames ... lazy crop/flip
... PackEncodedInputs, then decode_clips) gives the tensors of the reference
CPU pipeline of our rawframes configs, on the real test rawframes."""
import os
import os.path as osp
import random

import numpy as np
import pytest
import torch
import cv2
from conftest import REPO, TEST_DATA
from mmdatp.datasets.transforms.encoded_frames import jpeg_shape
from mmdatp.models import decode_clips
from mmengine.config import Config
from mmengine.dataset import Compose

from mmaction.registry import TRANSFORMS

FRAMES = osp.join(TEST_DATA, 'rawframes')
# tests/data/rawframes: img_00001..10.jpg (320x240), x_/y_00001..5.jpg
INFO = {
    'RGB':
    dict(frame_dir=FRAMES, total_frames=10, label=3, start_index=1,
         filename_tmpl='img_{:05d}.jpg', modality='RGB'),
    'Flow':
    dict(frame_dir=FRAMES, total_frames=5, label=3, start_index=1,
         filename_tmpl='{}_{:05d}.jpg', modality='Flow'),
}
CONFIGS = {  # modality: (reference config, encoded config)
    'RGB': ('datp_tsn_r34_hmdb51.py', 'datp_tsn_r34_hmdb51_gpu_decode.py'),
    'Flow': ('datp_tsn_r34_hmdb51_flow.py',
             'datp_tsn_r34_hmdb51_flow_gpu_decode.py'),
}


def _pipelines(modality, flip_ratio=None, fuse=False):
    """(reference, encoded) training pipelines of our configs; ``fuse``
    makes the reference MMAction2's lazy version (one resize, ``Fuse``)."""
    pipelines = []
    for name in CONFIGS[modality]:
        steps = Config.fromfile(osp.join(
            REPO, 'configs', name)).train_dataloader.dataset.pipeline
        for step in steps:
            if step['type'] == 'Flip' and flip_ratio is not None:
                step['flip_ratio'] = flip_ratio
            if fuse and step['type'] in ('Resize', 'MultiScaleCrop', 'Flip'):
                step['lazy'] = True
        if fuse and not pipelines:
            steps.insert(-2, dict(type='Fuse'))  # before FormatShape
        pipelines.append(Compose(steps))
    return pipelines


def _run(pipeline, info, seed):
    # DATPSampleFrames and Flip draw from numpy, MultiScaleCrop from random
    np.random.seed(seed)
    random.seed(seed)
    return pipeline(dict(info))


@pytest.fixture(scope='module')
def frames256(tmp_path_factory):
    """The test rawframes as tools/data/build_rawframes.py stores them:
    short side 256 (341x256), JPEG quality 95."""
    root = str(tmp_path_factory.mktemp('frames256'))
    for name in sorted(os.listdir(FRAMES)):
        img = cv2.imread(osp.join(FRAMES, name), cv2.IMREAD_UNCHANGED)
        img = cv2.resize(img, (341, 256), interpolation=cv2.INTER_LINEAR)
        cv2.imwrite(osp.join(root, name), img, [cv2.IMWRITE_JPEG_QUALITY, 95])
    return root


@pytest.mark.parametrize('modality', ['RGB', 'Flow'])
@pytest.mark.parametrize('stored', ['short256', 'original'])
def test_encoded_pipeline_gives_the_reference_tensors(modality, stored,
                                                      frames256):
    """Frames stored at short side 256 (our extraction): the config's
    eager pipeline, whose first Resize is then the identity. Other sizes:
    MMAction2's lazy version of it (crop, one resize: ``Fuse``), since two
    resizes and one differ by more than rounding."""
    # MMAction2's own lazy flip (Fuse) never negates the x flow: compare
    # lazily resized flow without flips. The eager Flip negates it (with
    # mmdatp's FLOWFLIP stack fix), so flow is compared with flips there.
    flip = 0.0 if modality == 'Flow' and stored == 'original' else None
    ref_pipe, enc_pipe = _pipelines(modality, flip,
                                    fuse=stored == 'original')
    info = dict(INFO[modality])
    if stored == 'short256':
        info['frame_dir'] = frames256
    flips = set()
    for seed in range(6):
        ref = _run(ref_pipe, info, seed)
        enc = _run(enc_pipe, info, seed)
        meta = enc['data_samples'].metainfo
        flips.add(meta['flip'])
        # the same draws: frames, segment times, label
        assert torch.equal(
            torch.as_tensor(ref['data_samples'].segment_times),
            torch.as_tensor(enc['data_samples'].segment_times))
        assert ref['data_samples'].gt_label == enc['data_samples'].gt_label
        # bytes only in the worker
        assert enc['inputs'].dtype == torch.uint8 and enc['inputs'].ndim == 1
        assert enc['inputs'].numel() == sum(meta['encoded_sizes'])
        assert len(meta['encoded_sizes']) == 10 * (1 if modality == 'RGB'
                                                   else 10)
        decoded = decode_clips([enc['inputs']], [enc['data_samples']],
                               'cpu')[0]
        expected = ref['inputs']  # uint8 (10, C, 224, 224)
        assert decoded.dtype == torch.uint8
        assert decoded.shape == expected.shape == (
            10, 3 if modality == 'RGB' else 10, 224, 224)
        # one bilinear resize in float vs OpenCV's fixed point: <= 1 level
        diff = (decoded.int() - expected.int()).abs()
        assert diff.max() <= 1, (seed, diff.max())
        assert diff.float().mean() < 0.2
    if flip is None:
        assert flips == {False, True}  # both cases were compared


def test_flow_flip_negates_x_only():
    _, plain = _pipelines('Flow', 0.0)
    _, flipped = _pipelines('Flow', 1.0)
    for seed in range(3):
        a = _run(plain, INFO['Flow'], seed)
        b = _run(flipped, INFO['Flow'], seed)
        assert b['data_samples'].metainfo['flip']
        assert torch.equal(a['inputs'], b['inputs'])  # same frames
        x = decode_clips([a['inputs']], [a['data_samples']], 'cpu')[0]
        y = decode_clips([b['inputs']], [b['data_samples']], 'cpu')[0]
        # channels x1, y1, ..., x5, y5: mirrored, and x -> 255 - x (-u)
        expected = x.flip(-1)
        expected[:, 0::2] = 255 - expected[:, 0::2]
        assert (y.int() - expected.int()).abs().max() <= 1


def test_load_encoded_frames_reads_bytes_and_shape():
    load = TRANSFORMS.build(dict(type='LoadEncodedFrames'))
    results = load(
        dict(INFO['Flow'], frame_inds=np.array([1, 2, 2]), clip_len=3))
    # x then y of every index; the repeated index reads the same files
    names = ['x_00001', 'y_00001', 'x_00002', 'y_00002', 'x_00002',
             'y_00002']
    for data, name in zip(results['encoded_frames'], names):
        with open(osp.join(FRAMES, name + '.jpg'), 'rb') as f:
            assert data == f.read()
    assert results['img_shape'] == results['original_shape'] == (240, 320)
    with open(osp.join(FRAMES, 'img_00001.jpg'), 'rb') as f:
        assert jpeg_shape(f.read()) == (240, 320)
    assert 'imgs' not in results


def test_without_lazy_ops_the_whole_frame_is_packed():
    steps = [
        dict(type='DATPSampleFrames', num_segments=2, test_mode=True),
        dict(type='LoadEncodedFrames'),
        dict(type='PackEncodedInputs', algorithm_keys=('segment_times', ))
    ]
    packed = Compose(steps)(dict(INFO['RGB']))
    meta = packed['data_samples'].metainfo
    assert meta['flip'] is False and meta['img_shape'] == (240, 320)
    assert meta['crop_bbox'].tolist() == [0, 0, 320, 240]
    decoded = decode_clips([packed['inputs']], [packed['data_samples']],
                           'cpu')[0]
    assert decoded.shape == (2, 3, 240, 320)


def test_errors_name_the_problem():
    load = TRANSFORMS.build(dict(type='LoadEncodedFrames'))
    with pytest.raises(ValueError, match="modality must be 'RGB' or 'Flow'"):
        load(dict(INFO['RGB'], modality='Audio', frame_inds=np.array([1])))
    with pytest.raises(ValueError, match='backend_args'):
        TRANSFORMS.build(dict(type='LoadEncodedFrames', backend_args='disk'))
    pack = TRANSFORMS.build(dict(type='PackEncodedInputs'))
    with pytest.raises(KeyError, match='put LoadEncodedFrames before it'):
        pack(dict(imgs=np.zeros((1, 4, 4, 3), np.uint8)))
    steps = [
        dict(type='DATPSampleFrames', num_segments=2, test_mode=True),
        dict(type='LoadEncodedFrames'),
        dict(type='Resize', scale=(64, 64), keep_ratio=False,
             interpolation='nearest', lazy=True),
        dict(type='PackEncodedInputs')
    ]
    with pytest.raises(ValueError, match='only bilinear'):
        Compose(steps)(dict(INFO['RGB']))
