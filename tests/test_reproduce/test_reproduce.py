"""tools/reproduce.py end to end on a tiny real UCF101 mock (the official
layout, split derived from the groups), resume, dry run, disk check, the
HMDB51 names through extraction and lists, and the table over seeds."""
import importlib.util
import json
import os
import os.path as osp
from collections import namedtuple

import pytest
from mock_data import REPO, make_hmdb51, make_ucf101

from mmdatp.reproduce import (ROWS, DiskFullError, Options, check_disk,
                              plan_text)
from mmdatp.reproduce.stages import (check_settings, prepare, stage_frames,
                                     stage_lists)


def _tool():
    spec = importlib.util.spec_from_file_location(
        'reproduce_tool', osp.join(REPO, 'tools', 'reproduce.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_end_to_end_and_resume(tmp_path, capsys):
    root = make_ucf101(str(tmp_path / 'data'))
    work = str(tmp_path / 'w')
    argv = [root, '--dataset', 'ucf101', '--work-dir', work, '--scale',
            'test', '--num-workers', '0']
    main = _tool().main
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert '[stage 1/7 frames]' in out and '[stage 5/7 test] 20/20' in out
    with open(osp.join(work, 'table.json')) as f:
        table = json.load(f)
    assert table['columns'] == ['rgb', 'flow', 'fusion 1:1.5']
    assert [r['key'] for r in table['rows']] == [r.key for r in ROWS]
    for row in table['rows']:
        assert set(row['cells']) == {'rgb', 'flow', 'fusion 1:1.5'}
        assert 0 <= row['cells']['rgb']['mean'] <= 1
    head = table['header']
    assert 'derived from the group numbers' in head
    assert 'Farneback' in head and 'from scratch' in head
    md = open(osp.join(work, 'table.md')).read()
    assert 'stock TSN, mean logits, N=3' in md and '#### fusion 1:1.5' in md
    assert osp.isfile(osp.join(work, 'figures', 'sigma.png'))
    assert len(table['figures']) == 4  # sigma + 3 test videos
    # a rerun redoes nothing
    ckpt = osp.join(work, 'rgb', 'seed0', 'ft_uniform', 'epoch_1.pth')
    # K=2 from the uniform model (not the paper's protocol) starts from it
    with open(osp.join(work, 'rgb', 'seed0', 'ft_conv_k2_from_uniform',
                       'init_from_tsn.json')) as f:
        assert json.load(f)['checkpoint'] == ckpt
    mtime = os.stat(ckpt).st_mtime
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert 'trained;' not in out and '%; ETA' not in out
    assert '0 videos to extract' in out
    assert os.stat(ckpt).st_mtime == mtime
    # a kill mid-stage, simulated: a model and a row's dump are lost
    os.remove(ckpt)
    os.remove(osp.join(work, 'flow', 'seed0', 'dumps', 'p1.pkl'))
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.count('trained;') == 1 and 'rgb seed 0 ft_uniform trained' \
        in out
    assert 'rgb seed 0 uniform: ' in out and 'flow seed 0 p1: ' in out
    assert out.count('%; ETA') == 2
    # another scale in the same work dir is refused, by name
    with pytest.raises(SystemExit):
        main(argv[:-4] + ['--scale', 'cpu', '--num-workers', '0'])
    assert "reproduce.json: scale was 'test'" in capsys.readouterr().err


def test_models_train_after_the_model_they_start_from():
    from mmdatp.reproduce.plan import MODELS, training_order
    # a parent listed after its child still trains first
    order = training_order(['ft_conv_k2_from_uniform', 'ft_uniform',
                            'tsn_more', 'tsn'])
    assert order == ['tsn', 'ft_uniform', 'tsn_more',
                     'ft_conv_k2_from_uniform']
    order = training_order(list(MODELS))
    for model, spec in MODELS.items():
        if spec.parent is not None:
            assert order.index(spec.parent) < order.index(model)
    assert MODELS['ft_conv_k2_from_uniform'].parent == 'ft_uniform'


def test_dry_run_prints_plan_and_does_nothing(tmp_path):
    root = make_ucf101(str(tmp_path / 'data'))
    work = str(tmp_path / 'w')
    ctx = prepare(Options(root, 'ucf101', work, scale='cpu'),
                  probe_imagenet=False)
    text = plan_text(ctx)
    for stage in ('1. frames', '2. lists', '3. tsn', '4. datp', '5. test',
                  '6. fusion', '7. table'):
        assert stage in text
    assert 'configs/datp_tsn_r34_ucf101_flow.py' in text
    assert 'derived from the group numbers' in text
    assert 'total ~' in text and 'of disk' in text
    assert _tool().main([root, '--dataset', 'ucf101', '--work-dir', work,
                         '--dry-run']) == 0
    assert not osp.exists(work)


def test_work_dir_of_another_datp_recipe_is_refused(tmp_path):
    root = make_ucf101(str(tmp_path / 'data'))
    work = str(tmp_path / 'w')
    ctx = prepare(Options(root, 'ucf101', work, scale='test'),
                  probe_imagenet=False)
    os.makedirs(work)
    check_settings(ctx)
    path = osp.join(work, 'reproduce.json')
    with open(path) as f:
        settings = json.load(f)
    assert settings['datp_generator']['rgb'] == dict(
        type='MoGWeightGenerator', num_gaussians=2,
        normalize_components=True)
    check_settings(ctx)  # the same recipe goes on
    settings['datp_generator']['flow']['normalize_components'] = False
    with open(path, 'w') as f:
        json.dump(settings, f)
    with pytest.raises(ValueError, match='datp_generator was'):
        check_settings(ctx)


def test_disk_check(tmp_path, monkeypatch):
    check_disk(str(tmp_path / 'new' / 'dir'), 1, 'stage x')
    usage = namedtuple('usage', 'total used free')
    monkeypatch.setattr('shutil.disk_usage', lambda p: usage(10, 9, 1000))
    with pytest.raises(DiskFullError, match=r'stage tsn needs about 2\.0 '
                       r'kB .* has 1\.0 kB free'):
        check_disk(str(tmp_path), 2000, 'stage tsn')


def test_hmdb51_names_through_frames_and_lists(tmp_path):
    root = make_hmdb51(str(tmp_path / 'data'))
    work = str(tmp_path / 'w')
    ctx = prepare(Options(root, 'hmdb51', work, scale='test',
                          streams=['rgb'], num_workers=0),
                  probe_imagenet=False)
    stage_frames(ctx)
    stage_lists(ctx)
    for subset in ('train', 'val'):
        with open(ctx.lists('rgb')[subset]) as f:
            lines = f.read().splitlines()
        assert len(lines) == 2
        for line in lines:
            rel, frames, label = line.split(' ')
            assert int(frames) == 12 and label in ('0', '1')
            assert osp.isfile(osp.join(work, 'rawframes', rel,
                                       'img_00012.jpg'))


def test_table_over_seeds_has_ci_and_paired_differences(tmp_path):
    from mmdatp.reproduce.table import write_table
    root = make_ucf101(str(tmp_path / 'data'))
    ctx = prepare(Options(root, 'ucf101', str(tmp_path / 'w'),
                          scale='test', seeds=3, streams=['rgb']),
                  probe_imagenet=False)
    for seed, shift in ((0, 0.0), (1, 0.1), (2, 0.05)):
        top1 = {r.key: 0.5 + shift for r in ROWS}
        top1['datp_k2'] = 0.7 + shift  # +20 points on every seed
        path = osp.join(ctx.seed_dir('rgb', seed), 'results.json')
        os.makedirs(osp.dirname(path))
        with open(path, 'w') as f:
            json.dump(dict(top1=top1, trace={}), f)
    md = open(write_table(ctx, {})).read()
    with open(osp.join(ctx.opts.work_dir, 'table.json')) as f:
        rows = {r['key']: r['cells']['rgb'] for r in json.load(f)['rows']}
    assert rows['datp_k2']['diff_to_baseline'] == pytest.approx(0.2)
    assert rows['datp_k2']['diff_ci95'] == pytest.approx(0, abs=1e-9)
    assert rows['tsn_base']['ci95'] > 0
    assert 'Seeds: rgb 3 [0, 1, 2].' in md and '| better |' in md
    # a later run of the same work dir for the flow stream of seed 0 only
    # keeps the 3 RGB seeds in the table
    flow = osp.join(ctx.seed_dir('flow', 0), 'results.json')
    os.makedirs(osp.dirname(flow))
    with open(flow, 'w') as f:
        json.dump(dict(top1={r.key: 0.6 for r in ROWS}, trace={}), f)
    later = prepare(Options(root, 'ucf101', str(tmp_path / 'w'),
                            scale='test', seeds=1, streams=['flow']),
                    probe_imagenet=False)
    md = open(write_table(later, {})).read()
    assert 'Seeds: rgb 3 [0, 1, 2]; flow 1 [0].' in md
    with open(osp.join(ctx.opts.work_dir, 'table.json')) as f:
        cols = json.load(f)['rows'][0]['cells']
    assert len(cols['rgb']['per_seed']) == 3 and len(
        cols['flow']['per_seed']) == 1
