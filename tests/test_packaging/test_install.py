"""A plain (non-editable) `pip install .` gives a working plugin that carries
its configs: a user's config anywhere can inherit `mmdatp::...` and
MMAction2's own tools/train.py trains it, without the repository."""
import importlib.util
import os
import os.path as osp
import subprocess
import sys
import textwrap

import pytest
from mmdatp.datasets.preparation import (ExtractSpec, VideoJob, count_frames,
                                         extract_videos)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# MMAction2's training script, as its wheel ships it
MMACTION_TRAIN = osp.join(
    list(importlib.util.find_spec('mmaction').submodule_search_locations)[0],
    '.mim', 'tools', 'train.py')


@pytest.fixture(scope='module')
def site_dir(tmp_path_factory):
    """`pip install --target` of the repository (one build per module)."""
    target = tmp_path_factory.mktemp('install') / 'site'
    build = subprocess.run([
        sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps',
        '--no-build-isolation', '--no-index', '--target',
        str(target), REPO
    ],
                           capture_output=True,
                           text=True,
                           timeout=300)
    assert build.returncode == 0, build.stderr[-2000:]
    return target


def test_plain_pip_install_registers_the_plugin(site_dir, tmp_path):
    target = site_dir
    assert (target / 'mmdatp' / 'models' / 'heads' / 'datp_head.py').is_file()
    code = (
        'import importlib.metadata as md, mmdatp\n'
        'from mmaction.registry import MODELS, TRANSFORMS\n'
        'print(mmdatp.__file__)\n'
        "for n in ('DATPHead', 'MoGWeightGenerator', 'DATPConvAuxNet',\n"
        "          'DATPScoreAuxNet', 'DiscreteWeightGenerator'):\n"
        '    assert MODELS.get(n) is not None, n\n'
        "assert TRANSFORMS.get('DATPSampleFrames') is not None\n"
        "print(' '.join(md.requires('mmdatp')))\n")
    env = dict(os.environ, PYTHONPATH=str(target))
    run = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True,
                         cwd=str(tmp_path),
                         env=env,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    first, requires = run.stdout.strip().splitlines()[-2:]
    assert first.startswith(str(target))  # the installed copy, not the repo
    assert 'mmaction2==1.2.0' in requires and 'importlib_metadata' in requires


# A user's config in a folder of their own: the paper's RGB model from the
# installed package, which reads RGB rawframes, on the frames of a tiny
# synthetic dataset at 32x32 (ResNet34 then ends in 1x1 maps, hence the aux
# net's spatial_size=1).
USER_CONFIG = '''
_base_ = 'mmdatp::datp_tsn_r34_hmdb51.py'

data_root = {data_root!r}
model = dict(
    backbone=dict(pretrained=None),
    cls_head=dict(num_classes=3, aux_net=dict(spatial_size=1)))
pipeline = [
    dict(type='DATPSampleFrames', num_segments=10, clip_len=1),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs', algorithm_keys=('segment_times', ))
]
train_dataloader = dict(
    batch_size=3,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        ann_file={ann_file!r},
        data_prefix=dict(img=data_root),
        pipeline=pipeline))
train_cfg = dict(max_epochs=1)
'''


def _rawframes(meta, videos_root, frames_root, list_file):
    """The training videos of a synthetic dataset as RGB rawframes (the
    extractor of tools/data/build_rawframes.py, frames kept at 32x32) and
    their rawframes list (``<dir> <#frames> <label>``)."""
    videos = meta['splits']['train']['videos']
    jobs = [VideoJob(osp.join(videos_root, v['path']),
                     osp.splitext(v['path'])[0]) for v in videos]
    summary = extract_videos(jobs, frames_root,
                             ExtractSpec(task='rgb', new_short=0),
                             verbose=False, num_workers=0)
    assert summary.ok, summary.format()
    with open(list_file, 'w') as f:
        for job, v in zip(jobs, videos):
            num = count_frames(osp.join(frames_root, job.rel), 'rgb')
            f.write(f'{job.rel} {num} {v["label"]}\n')


def test_installed_configs_train_with_mmaction_train_py(site_dir, tmp_path,
                                                        make_synthetic_data):
    target = site_dir
    mim = target / 'mmdatp' / '.mim'
    # the configs travel with the package, as mmaction/.mim/configs does
    for rel in ('configs/datp_tsn_r34_hmdb51.py',
                'configs/datp_tsn_r34_hmdb51_video.py',
                'configs/_base_/models/datp_tsn_r34.py',
                'configs/_base_/datasets/hmdb51_video.py',
                'configs/ablations/datp_tsn_r34_hmdb51_flow_k3.py',
                'configs/metafile.yml', 'model-index.yml', 'tools/train.py'):
        assert (mim / rel).is_file(), rel
    # the hook that lets mmengine resolve mmdatp:: (site-packages runs it)
    assert (target / '_mmdatp_mim.pth').is_file()

    videos_root = str(tmp_path / 'data')
    meta = make_synthetic_data(
        videos_root,
        train_per_class=2,
        val_per_class=0,
        test_per_class=0,
        num_frames=10,
        key_len=10,
        seed=0)
    data_root = str(tmp_path / 'rawframes')
    ann_file = str(tmp_path / 'train_list_rawframes.txt')
    _rawframes(meta, videos_root, data_root, ann_file)
    user = tmp_path / 'user'
    user.mkdir()
    config = user / 'my_datp.py'
    config.write_text(
        USER_CONFIG.format(data_root=data_root, ann_file=ann_file))
    work_dir = tmp_path / 'work'
    # site.addsitedir is what Python's start-up does to site-packages: it
    # runs the .pth files (a --target folder on PYTHONPATH is not a site
    # dir). Then MMAction2's train.py runs as `python train.py CONFIG ...`.
    code = textwrap.dedent(f'''
        import runpy, site, sys
        site.addsitedir({str(target)!r})
        sys.argv = [{MMACTION_TRAIN!r}, {str(config)!r}, '--work-dir',
                    {str(work_dir)!r}, '--no-validate']
        runpy.run_path(sys.argv[0], run_name='__main__')
        import _mmdatp_mim, mmdatp
        print('MMDATP', mmdatp.__file__)
        print('BASE', _mmdatp_mim.resolve('mmdatp::datp_tsn_r34_hmdb51.py'))
        ''')
    env = dict(os.environ, PYTHONPATH=str(target))
    run = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True,
                         cwd=str(user),
                         env=env,
                         timeout=300)
    assert run.returncode == 0, (run.stdout[-2000:], run.stderr[-3000:])
    lines = dict(
        line.split(' ', 1) for line in run.stdout.splitlines()
        if line.startswith(('MMDATP ', 'BASE ')))
    # the installed package and its configs, not the repository's
    assert lines['MMDATP'].startswith(str(target))
    assert lines['BASE'] == str(mim / 'configs' / 'datp_tsn_r34_hmdb51.py')
    assert (work_dir / 'epoch_1.pth').is_file(), run.stderr[-3000:]


@pytest.mark.parametrize('mmengine_first', [False, True])
def test_checkout_resolves_mmdatp_configs(tmp_path, mmengine_first):
    """A checkout or editable install reads mmdatp:: from its configs/,
    whether the hook is installed before mmengine is imported (at start-up,
    by the .pth) or after."""
    config = tmp_path / 'mine.py'
    config.write_text(
        "_base_ = 'mmdatp::ablations/datp_tsn_r34_hmdb51_flow_k3.py'\n")
    first = 'import mmengine.config' if mmengine_first else ''
    code = textwrap.dedent(f'''
        {first}
        import _mmdatp_mim
        _mmdatp_mim.install()
        from mmengine.config import Config
        cfg = Config.fromfile({str(config)!r}, import_custom_modules=False)
        assert cfg.model.cls_head.weight_generator.num_gaussians == 3
        print(_mmdatp_mim.resolve('mmdatp::tsn_r34_ucf101.py'))
        try:
            _mmdatp_mim.resolve('mmdatp::no_such_config.py')
        except FileNotFoundError as e:
            print('ERROR', e)
        ''')
    env = dict(os.environ, PYTHONPATH=REPO)
    run = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True,
                         cwd=str(tmp_path),
                         env=env,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout.splitlines()
    assert out[0] == osp.join(REPO, 'configs', 'tsn_r34_ucf101.py')
    assert out[1].startswith('ERROR mmdatp::no_such_config.py: no config')
