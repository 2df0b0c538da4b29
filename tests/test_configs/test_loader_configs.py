"""Where the configs read their input: the main RGB configs read rawframes
(the paper's input, and about 10x faster per data worker than videos),
their ``*_video.py`` siblings the videos with decord, and the two differ
only in the data side; the GPU-decode variants differ from their parents
only in training decoding. On real frames extracted from a test clip, both
loaders give a batch and the same test input."""
import os.path as osp

import numpy as np
import pytest
import torch
from conftest import REPO, TEST_DATA
from mmaction.datasets import RawframeDataset, VideoDataset
from mmaction.registry import DATASETS
from mmdatp.apis import video_test_pipeline
from mmdatp.datasets.preparation import (ExtractSpec, VideoJob, count_frames,
                                         extract_videos, list_file_name)
from mmengine.config import Config
from mmengine.runner import Runner

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
# (dataset, main configs)
MAIN = {
    'hmdb51': ('datp_tsn_r34_hmdb51.py', 'tsn_r34_hmdb51.py'),
    'ucf101': ('datp_tsn_r34_ucf101.py', 'tsn_r34_ucf101.py'),
    'kinetics400': ('datp_tsn_r34_kinetics400.py', 'tsn_r34_kinetics400.py'),
}
RGB = [(ds, name) for ds, names in MAIN.items() for name in names]
# (dataset, split, config): the main configs and the children that inherit
# them (other splits, fine-tuning from TSN, GPU decoding)
READ_RAWFRAMES = [(ds, 1, name) for ds, name in RGB] + [
    (ds, k, f'{model}_{ds}_split{k}.py')
    for model in ('datp_tsn_r34', 'tsn_r34') for ds in ('hmdb51', 'ucf101')
    for k in (2, 3)
] + [
    ('hmdb51', 1, 'datp_tsn_r34_hmdb51_from_tsn.py'),
    ('kinetics400', 1, 'datp_tsn_r34_kinetics400_from_tsn.py'),
    ('hmdb51', 1, 'datp_tsn_r34_hmdb51_gpu_decode.py'),
]
# the data side: the loaders and the variables the dataset bases define
DATA_KEYS = LOADERS + (
    'dataset_type', 'data_root', 'data_root_val', 'ann_file_train',
    'ann_file_val', 'ann_file_test', 'train_pipeline', 'val_pipeline',
    'test_pipeline', 'file_client_args', '_video')


def _cfg(name):
    return Config.fromfile(osp.join(REPO, 'configs', name))


def _video(name):
    return name.replace('.py', '_video.py')


def _types(pipeline):
    return [step['type'] for step in pipeline]


def _dataset_class(dataset_cfg):
    return DATASETS.get(dataset_cfg.type)


@pytest.mark.parametrize(
    'dataset,split,name', READ_RAWFRAMES, ids=[c[2] for c in READ_RAWFRAMES])
def test_main_rgb_configs_read_rawframes(dataset, split, name):
    cfg = _cfg(name)
    for loader in LOADERS:
        ds = cfg[loader].dataset
        assert issubclass(_dataset_class(ds), RawframeDataset)
        assert ds.type == 'CheckedRawframeDataset'
        assert ds.get('modality', 'RGB') == 'RGB'
        # the lists and folders of build_file_list.py --format rawframes
        # and build_rawframes.py
        subset = 'train' if loader == 'train_dataloader' else 'val'
        assert ds.ann_file == f'data/{dataset}/' + list_file_name(
            dataset, subset, split, 'rawframes')
        assert list(ds.data_prefix) == ['img']
        assert ds.data_prefix.img.startswith(f'data/{dataset}/rawframes')
        types = _types(ds.pipeline)
        # sample, then read the frames: no video is opened
        assert types[0] == 'DATPSampleFrames'
        decode = 'LoadEncodedFrames' if (
            name.endswith('_gpu_decode.py')
            and loader == 'train_dataloader') else 'RawFrameDecode'
        assert types[1] == decode
        assert not [t for t in types if 'Decord' in t]


@pytest.mark.parametrize('dataset,name', RGB, ids=[c[1] for c in RGB])
def test_video_siblings_read_the_videos_with_decord(dataset, name):
    cfg = _cfg(_video(name))
    for loader, subset in zip(LOADERS, ('train', 'val', 'val')):
        ds = cfg[loader].dataset
        assert issubclass(_dataset_class(ds), VideoDataset)
        assert ds.type == 'CheckedVideoDataset'
        assert ds.ann_file == f'data/{dataset}/' + list_file_name(
            dataset, subset, 1, 'videos')
        assert list(ds.data_prefix) == ['video']
        assert ds.data_prefix.video.startswith(f'data/{dataset}/videos')
        types = _types(ds.pipeline)
        assert types[:3] == ['DecordInit', 'DATPSampleFrames', 'DecordDecode']
        assert 'RawFrameDecode' not in types


@pytest.mark.parametrize('dataset,name', RGB, ids=[c[1] for c in RGB])
def test_video_sibling_differs_only_in_the_data(dataset, name):
    frames, videos = _cfg(name), _cfg(_video(name))

    def rest(cfg):
        d = cfg.to_dict()
        for key in DATA_KEYS:
            d.pop(key, None)
        return d

    # model, schedule, runtime, evaluators: equal
    assert rest(frames) == rest(videos)
    for loader in LOADERS:
        a, b = frames[loader], videos[loader]
        # batch size, workers, sampler: equal
        assert dict(a, dataset=None) == dict(b, dataset=None)
        # the dataset: type, list, folder and decoding only
        for key in ('type', 'ann_file', 'data_prefix', 'pipeline'):
            assert a.dataset[key] != b.dataset[key]
        assert dict(a.dataset, type=None, ann_file=None, data_prefix=None,
                    pipeline=None) == dict(
                        b.dataset, type=None, ann_file=None,
                        data_prefix=None, pipeline=None)
        # the same steps, DecordInit + DecordDecode for RawFrameDecode
        steps = [dict(s) for s in b.dataset.pipeline]
        assert steps[0] == dict(type='DecordInit', io_backend='disk')
        steps = [dict(type='RawFrameDecode') if s['type'] == 'DecordDecode'
                 else s for s in steps[1:]]
        assert steps == [dict(s) for s in a.dataset.pipeline]
    # and video_test_pipeline (demo, inference) gives the sibling's
    assert video_test_pipeline(frames) == [
        dict(s) for s in videos.test_dataloader.dataset.pipeline
    ]


def test_gpu_decode_configs_change_only_training_decoding():
    for parent, child in (
        ('datp_tsn_r34_hmdb51.py', 'datp_tsn_r34_hmdb51_gpu_decode.py'),
        ('datp_tsn_r34_hmdb51_flow.py',
         'datp_tsn_r34_hmdb51_flow_gpu_decode.py'),
    ):
        a, b = _cfg(parent), _cfg(child)
        assert b.model.data_preprocessor.type == 'JPEGDecodeDataPreprocessor'
        pre_a = dict(a.model.data_preprocessor, type=None)
        assert dict(b.model.data_preprocessor, type=None) == pre_a
        assert b.val_dataloader == a.val_dataloader
        assert b.test_dataloader == a.test_dataloader
        train_a = dict(a.train_dataloader.dataset, pipeline=None)
        assert dict(b.train_dataloader.dataset, pipeline=None) == train_a
        # the same steps and arguments, lazy, bytes in and out
        steps_a = [s for s in a.train_dataloader.dataset.pipeline
                   if s['type'] not in ('RawFrameDecode', 'FormatShape')]
        steps_b = b.train_dataloader.dataset.pipeline
        assert steps_b[1] == dict(type='LoadEncodedFrames')
        assert steps_b[-1]['type'] == 'PackEncodedInputs'
        assert steps_b[-1]['algorithm_keys'] == steps_a[-1]['algorithm_keys']
        middle = [dict(s) for s in steps_b[2:-1]]
        for s in middle:
            assert s.pop('lazy') is True
        assert [steps_b[0]] + middle == steps_a[:-1]


CLIP = 'test.mp4'  # 300 frames of 340x256: stored at short side 256 as is


@pytest.fixture(scope='module')
def clip_data(tmp_path_factory):
    """tests/data/videos/test.mp4 as the data preparation lays it out:
    RGB rawframes by build_rawframes.py's extractor (short side 256, JPEG
    95) under rawframes/, and a rawframes and a videos list naming the clip
    twice."""
    root = tmp_path_factory.mktemp('clip_data')
    frames = str(root / 'rawframes')
    summary = extract_videos(
        [VideoJob(osp.join(TEST_DATA, 'videos', CLIP), 'test_mp4')],
        frames, ExtractSpec(task='rgb'), verbose=False, num_workers=0)
    assert summary.ok, summary.format()
    num = count_frames(osp.join(frames, 'test_mp4'), 'rgb')
    lists = dict(rawframes=root / 'rawframes.txt', videos=root / 'videos.txt')
    lists['rawframes'].write_text(f'test_mp4 {num} 3\n' * 2)
    lists['videos'].write_text(f'{CLIP} 3\n' * 2)
    return dict(frames=frames, num=num,
                lists={k: str(v) for k, v in lists.items()})


def _loader(cfg, loader, clip_data, fmt):
    loader = cfg[loader]
    loader.batch_size = 2
    loader.num_workers = 0
    loader.persistent_workers = False
    loader.dataset.ann_file = clip_data['lists'][fmt]
    loader.dataset.data_prefix = dict(img=clip_data['frames']) if (
        fmt == 'rawframes') else dict(video=osp.join(TEST_DATA, 'videos'))
    return Runner.build_dataloader(loader.to_dict(), seed=0)


@pytest.mark.parametrize('loader', ['train_dataloader', 'test_dataloader'])
def test_main_config_and_video_sibling_load_a_real_clip(clip_data, loader):
    name = 'datp_tsn_r34_hmdb51.py'
    assert clip_data['num'] == 300  # every frame of the clip
    batches = {
        fmt: next(iter(_loader(_cfg(config), loader, clip_data, fmt)))
        for fmt, config in (('rawframes', name), ('videos', _video(name)))
    }
    for batch in batches.values():
        inputs = torch.stack(batch['inputs'])
        # 2 videos, N=10 segments of one 224x224 RGB frame
        assert inputs.shape == (2, 10, 3, 224, 224)
        assert inputs.dtype == torch.uint8 and inputs.float().std() > 10
        for sample in batch['data_samples']:
            assert int(sample.gt_label) == 3
            assert len(sample.segment_times) == 10
    if loader == 'test_dataloader':
        # deterministic sampling and centre crop: the same frames, up to
        # the JPEG compression of the stored frames
        frames = torch.stack(batches['rawframes']['inputs']).float()
        videos = torch.stack(batches['videos']['inputs']).float()
        np.testing.assert_allclose(
            [s.segment_times for s in batches['rawframes']['data_samples']],
            [s.segment_times for s in batches['videos']['data_samples']])
        assert (frames - videos).abs().mean() < 3
