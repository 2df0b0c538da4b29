"""mmdatp.reproduce.configs builds its runs from the project's main configs,
which read RGB rawframes; it turns every loader into a rawframes loader over
``W/rawframes`` whatever the config reads, so the runs are those it built
when the main RGB configs read the videos (now their ``*_video.py``
siblings)."""
import os.path as osp

import pytest
from mmengine.config import Config

from mmdatp.reproduce import configs
from mmdatp.reproduce.plan import MODELS, SCALES

LISTS = dict(train='W/lists/train.txt', val='W/lists/val.txt')
# config variables the loaders were built from; reproduce replaces the
# loaders, so these stay as the config has them and are never read
UNUSED = ('dataset_type', 'data_root', 'data_root_val', 'ann_file_train',
          'ann_file_val', 'ann_file_test', 'train_pipeline', 'val_pipeline',
          'test_pipeline', 'file_client_args', '_video', 'split')


def _runs(dataset):
    """Every run reproduce.py builds for the RGB stream of ``dataset``."""
    out = {}
    for scale in ('test', 'paper'):
        for model in MODELS:
            cfg = configs.model_cfg(model, dataset, 'rgb', 9, SCALES[scale],
                                    'W/rawframes', LISTS, 2,
                                    imagenet=scale == 'paper')
            d = cfg.to_dict()
            for key in UNUSED + ('filename', ):
                d.pop(key, None)
            out[scale, model] = d
    return out


@pytest.mark.parametrize('dataset', ['ucf101', 'hmdb51'])
def test_runs_are_those_of_the_video_configs(dataset, monkeypatch):
    main = configs.config_file(dataset, 'rgb', 'datp')
    assert Config.fromfile(main).train_dataloader.dataset.type == \
        'CheckedRawframeDataset'
    runs = _runs(dataset)
    for run in runs.values():
        for split in ('train', 'test'):
            ds = run[f'{split}_dataloader']['dataset']
            assert ds['type'] == 'CheckedRawframeDataset'
            assert ds['data_prefix'] == dict(img='W/rawframes')
            types = [step['type'] for step in ds['pipeline']]
            assert types[:2] == ['DATPSampleFrames', 'RawFrameDecode']

    real = configs.config_file

    def video_sibling(*args, **kwargs):
        path = real(*args, **kwargs)
        video = path.replace('.py', '_video.py')
        assert osp.isfile(video), video
        return video

    monkeypatch.setattr(configs, 'config_file', video_sibling)
    assert Config.fromfile(configs.config_file(
        dataset, 'rgb', 'datp')).train_dataloader.dataset.type == \
        'CheckedVideoDataset'
    assert _runs(dataset) == runs
