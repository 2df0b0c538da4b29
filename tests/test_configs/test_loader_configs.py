"""The input-pipeline configs: RGB rawframes (the paper's input) and the
GPU-decode variants differ from their parents only where they should."""
import os.path as osp

from conftest import REPO
from mmdatp.datasets.preparation import list_file_name
from mmengine.config import Config


def _cfg(name):
    return Config.fromfile(osp.join(REPO, 'configs', name))


def _drop(cfg, *keys):
    d = cfg.to_dict()
    for key in keys:
        d.pop(key, None)
    return d


def test_rgb_rawframes_config_reads_the_rawframes_lists():
    videos = _cfg('datp_tsn_r34_hmdb51.py')
    frames = _cfg('datp_tsn_r34_hmdb51_rawframes.py')
    for loader, subset in (('train_dataloader', 'train'),
                           ('val_dataloader', 'val'),
                           ('test_dataloader', 'val')):
        ds = frames[loader].dataset
        assert ds.type == 'CheckedRawframeDataset'
        assert ds.ann_file == 'data/hmdb51/' + list_file_name(
            'hmdb51', subset, 1, 'rawframes')
        assert ds.data_prefix == dict(img='data/hmdb51/rawframes')
        assert ds.get('modality', 'RGB') == 'RGB'
        # the video pipeline with RawFrameDecode for DecordInit/Decode
        steps = [s['type'] for s in videos[loader].dataset.pipeline]
        steps.remove('DecordInit')
        steps[steps.index('DecordDecode')] = 'RawFrameDecode'
        assert [s['type'] for s in ds.pipeline] == steps
        assert ds.pipeline[0] == videos[loader].dataset.pipeline[1]
        for name in ('batch_size', 'num_workers', 'persistent_workers'):
            assert frames[loader][name] == videos[loader][name]
    # model, schedule and runtime unchanged
    keep = ('train_dataloader', 'val_dataloader', 'test_dataloader',
            'dataset_type', 'data_root', 'ann_file_train', 'ann_file_val',
            'ann_file_test', 'train_pipeline', 'val_pipeline',
            'test_pipeline', '_frames')
    assert _drop(frames, *keep) == _drop(videos, *keep)


def test_gpu_decode_configs_change_only_training_decoding():
    for parent, child in (
        ('datp_tsn_r34_hmdb51_rawframes.py',
         'datp_tsn_r34_hmdb51_rawframes_gpu_decode.py'),
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
