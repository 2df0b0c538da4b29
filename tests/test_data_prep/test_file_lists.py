"""Annotation lists of HMDB51 (3 splits), UCF101 and Kinetics-400 built
from extracted real clips, and what RawframeDataset makes of them."""
import os
import os.path as osp
import shutil

import numpy as np
import pytest
from mmaction.datasets import RawframeDataset
from mmdatp.datasets.preparation import (ExtractSpec, count_frames,
                                         extract_videos, find_videos,
                                         list_file_name)
from prep_utils import (HMDB51, hmdb51_expected, link_clip, load_tool,
                        make_hmdb51)

NUM_FRAMES = 8  # extracted per clip: 8 RGB frames, 7 flow pairs
build_file_list = load_tool('tools/data/build_file_list.py')
build_rawframes = load_tool('tools/data/build_rawframes.py')


@pytest.fixture(scope='module')
def hmdb51(tmp_path_factory):
    root = make_hmdb51(str(tmp_path_factory.mktemp('hmdb51')))
    summary = extract_videos(
        find_videos(osp.join(root, 'videos')),
        osp.join(root, 'rawframes'),
        ExtractSpec(
            task='both',
            flow_type='farneback',
            new_short=64,
            max_frames=NUM_FRAMES),
        num_workers=0,
        verbose=False)
    assert summary.ok and len(summary.processed) == 6
    return root


def read(path):
    with open(path) as f:
        return f.read().splitlines()


def test_hmdb51_lists_of_three_splits(hmdb51, tmp_path, capsys):
    out = str(tmp_path / 'lists')
    build_file_list.main([
        '--dataset', 'hmdb51', '--src-dir',
        osp.join(hmdb51, 'rawframes'), '--ann-dir',
        osp.join(hmdb51, 'annotations'), '--out-dir', out, '--format',
        'rawframes', 'flow', '--split', '1', '2', '3'
    ])
    assert 'split 3: 3 train / 2 val videos, 3 classes' in \
        capsys.readouterr().out
    assert sorted(os.listdir(out)) == sorted(
        [f'hmdb51_{s}_split_{k}_{f}.txt' for s in ('train', 'val')
         for k in (1, 2, 3) for f in ('rawframes', 'flow')] +
        ['hmdb51_classes.txt'])
    assert read(osp.join(out, 'hmdb51_classes.txt')) == sorted(HMDB51)
    for k in (1, 2, 3):
        train, val = hmdb51_expected(k)
        for subset, entries in (('train', train), ('val', val)):
            rgb = read(osp.join(out, f'hmdb51_{subset}_split_{k}_rawframes'
                                '.txt'))
            flow = read(osp.join(out, f'hmdb51_{subset}_split_{k}_flow.txt'))
            assert rgb == [f'{v} {NUM_FRAMES} {y}' for v, y in entries]
            assert flow == [f'{v} {NUM_FRAMES - 1} {y}' for v, y in entries]

    videos_out = str(tmp_path / 'video_lists')
    build_file_list.main([
        '--dataset', 'hmdb51', '--src-dir',
        osp.join(hmdb51, 'videos'), '--ann-dir',
        osp.join(hmdb51, 'annotations'), '--out-dir', videos_out,
        '--format', 'videos', '--split', '2'
    ])
    train, _ = hmdb51_expected(2)
    assert read(osp.join(videos_out, 'hmdb51_train_split_2_videos.txt')) == [
        f'{v}.avi {y}' for v, y in train
    ]


def _flow_dataset(ann_file, root, test_mode):
    return RawframeDataset(
        ann_file=ann_file,
        data_prefix=dict(img=root),
        filename_tmpl='{}_{:05d}.jpg',
        modality='Flow',
        test_mode=test_mode,
        pipeline=[
            dict(
                type='DATPSampleFrames',
                num_segments=10,
                clip_len=5,
                test_mode=test_mode),
            dict(type='RawFrameDecode'),
        ])


def test_flow_list_indices_all_exist(hmdb51, tmp_path):
    """The flow list counts pairs: every index DATPSampleFrames draws for
    clip_len=5 is an existing x_/y_ pair; an RGB count would not be."""
    from mmdatp.datasets.preparation import write_file_lists
    from mmdatp.datasets.preparation.splits import parse_hmdb51_splits
    classes, splits = parse_hmdb51_splits(
        osp.join(hmdb51, 'annotations'), (1, ))
    root = osp.join(hmdb51, 'rawframes')
    write_file_lists('hmdb51', classes, splits, root, str(tmp_path),
                     ('flow', ))
    ann = str(tmp_path / 'hmdb51_train_split_1_flow.txt')
    np.random.seed(0)
    for test_mode in (False, True):
        dataset = _flow_dataset(ann, root, test_mode)
        assert len(dataset) == 3
        for i in range(len(dataset)):
            for _ in range(3):
                results = dataset[i]
                assert results['total_frames'] == NUM_FRAMES - 1
                assert results['frame_inds'].max() == NUM_FRAMES - 1
                # 10 segments x 5 frames, x and y stacked
                assert len(results['imgs']) == 50
                assert results['imgs'][0].shape == (64, 85, 2)
    # MMAction2's list builder gives flow the RGB count: index 8 is missing
    rgb_counted = str(tmp_path / 'rgb_counted.txt')
    with open(ann) as f, open(rgb_counted, 'w') as g:
        for line in f:
            video, num, label = line.split()
            g.write(f'{video} {int(num) + 1} {label}\n')
    with pytest.raises(Exception, match='x_00008.jpg'):
        _flow_dataset(rgb_counted, root, True)[0]


def test_missing_videos_are_an_error_unless_skipped(hmdb51, tmp_path,
                                                    capsys):
    raw = str(tmp_path / 'rawframes')
    shutil.copytree(osp.join(hmdb51, 'rawframes'), raw, symlinks=True)
    gone = 'cartwheel/' + HMDB51['cartwheel'][0]
    shutil.rmtree(osp.join(raw, gone))
    # a video with RGB frames only has no flow pairs
    only_rgb = 'chew/' + HMDB51['chew'][0]
    for name in os.listdir(osp.join(raw, only_rgb)):
        if name.startswith(('x_', 'y_', '.')):
            os.remove(osp.join(raw, only_rgb, name))
    assert count_frames(osp.join(raw, only_rgb), 'rgb') == NUM_FRAMES
    assert count_frames(osp.join(raw, only_rgb), 'flow') == 0
    args = [
        '--dataset', 'hmdb51', '--src-dir', raw, '--ann-dir',
        osp.join(hmdb51, 'annotations'), '--out-dir',
        str(tmp_path / 'lists'), '--split', '1'
    ]
    with pytest.raises(SystemExit) as exc:
        build_file_list.main(args)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert '2 videos of the splits are missing' in err and gone in err
    assert '--skip-missing' in err
    assert not osp.exists(str(tmp_path / 'lists'))  # nothing half-written
    build_file_list.main(args + ['--skip-missing'])
    printed = capsys.readouterr().out
    assert 'left out 2 videos missing' in printed
    assert f'{gone} (no rawframes, flow)' in printed
    assert f'{only_rgb} (no flow)' in printed
    train = read(str(tmp_path / 'lists' / 'hmdb51_train_split_1_flow.txt'))
    assert len(train) == 1 and gone not in ' '.join(train)
    rgb = read(str(tmp_path / 'lists' /
                   'hmdb51_train_split_1_rawframes.txt'))
    assert [line.split()[0] for line in rgb] == [
        'brush_hair/' + HMDB51['brush_hair'][0], only_rgb
    ]


def test_ucf101_rawframes_and_flow_lists(tmp_path, capsys):
    root = tmp_path / 'ucf101'
    ann = root / 'annotations'
    ann.mkdir(parents=True)
    classes = ['ApplyEyeMakeup', 'YoYo']
    (ann / 'classInd.txt').write_text('1 ApplyEyeMakeup\n2 YoYo\n')
    names = {c: [f'v_{c}_g0{g}_c01' for g in (1, 2)] for c in classes}
    for i, c in enumerate(classes):
        for j, name in enumerate(names[c]):
            link_clip(('test.avi', 'demo.mp4')[j],
                      str(root / 'videos' / c / f'{name}.avi'))
    for k in (1, 2, 3):
        (ann / f'trainlist0{k}.txt').write_text(''.join(
            f'{c}/{names[c][0]}.avi {i + 1}\n'
            for i, c in enumerate(classes)))
        (ann / f'testlist0{k}.txt').write_text(''.join(
            f'{c}/{names[c][1]}.avi\n' for c in classes))
    raw = str(root / 'rawframes')
    status = build_rawframes.main([
        str(root / 'videos'), raw, '--task', 'both', '--flow-type', 'tvl1',
        '--new-short', '48', '--max-frames', '3', '--num-workers', '0',
        '--quiet'
    ])
    assert status == 0
    assert '4 videos extracted' in capsys.readouterr().out
    build_file_list.main([
        '--dataset', 'ucf101', '--src-dir', raw, '--ann-dir',
        str(ann), '--out-dir',
        str(root)
    ])
    assert read(str(root / 'ucf101_val_split_3_flow.txt')) == [
        f'ApplyEyeMakeup/{names["ApplyEyeMakeup"][1]} 2 0',
        f'YoYo/{names["YoYo"][1]} 2 1'
    ]
    assert read(str(root / 'ucf101_train_split_1_rawframes.txt'))[1] == \
        f'YoYo/{names["YoYo"][0]} 3 1'


def test_kinetics400_video_lists(tmp_path):
    root = tmp_path / 'kinetics400'
    ann = root / 'annotations'
    ann.mkdir(parents=True)
    header = 'label,youtube_id,time_start,time_end,split,is_cc\n'
    (ann / 'kinetics_train.csv').write_text(
        header + 'air drumming,--nQbRBEz2s,104,114,train,0\n'
        'abseiling,-3B32lodo2M,59,69,train,0\n')
    (ann / 'kinetics_val.csv').write_text(
        header + 'air drumming,0wR5jVB-WPk,417,427,val,0\n')
    # MMAction2's layout: videos_train/ and videos_val/
    link_clip('test.mp4', str(root / 'videos_train' / 'air_drumming' /
                              '--nQbRBEz2s_000104_000114.mp4'))
    link_clip('demo.mp4', str(root / 'videos_train' / 'abseiling' /
                              '-3B32lodo2M_000059_000069.mp4'))
    link_clip('test.avi', str(root / 'videos_val' / 'air_drumming' /
                              '0wR5jVB-WPk_000417_000427.mkv'))
    build_file_list.main([
        '--dataset', 'kinetics400', '--src-dir',
        str(root / 'videos_train'), '--val-src-dir',
        str(root / 'videos_val'), '--ann-dir',
        str(ann), '--out-dir',
        str(root), '--format', 'videos'
    ])
    assert list_file_name('kinetics400', 'train', 1, 'videos') == \
        'kinetics400_train_list_videos.txt'
    assert read(str(root / 'kinetics400_train_list_videos.txt')) == [
        'air_drumming/--nQbRBEz2s_000104_000114.mp4 1',
        'abseiling/-3B32lodo2M_000059_000069.mp4 0'
    ]
    # whatever container the download left
    assert read(str(root / 'kinetics400_val_list_videos.txt')) == [
        'air_drumming/0wR5jVB-WPk_000417_000427.mkv 1'
    ]
    assert read(str(root / 'kinetics400_classes.txt')) == [
        'abseiling', 'air_drumming'
    ]


def test_cli_argument_errors(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        build_file_list.main([
            '--dataset', 'hmdb51', '--src-dir',
            str(tmp_path), '--format', 'videos', 'flow'
        ])
    assert exc.value.code == 2
    assert 'run them separately' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        build_file_list.main([
            '--dataset', 'kinetics400', '--src-dir',
            str(tmp_path), '--ann-dir',
            str(tmp_path)
        ])
    assert "none of ['kinetics_train.csv', 'train.csv']" in \
        capsys.readouterr().err
    with pytest.raises(SystemExit):
        build_rawframes.main([
            str(tmp_path),
            str(tmp_path / 'out'), '--new-short', '256', '--new-width', '340',
            '--new-height', '256'
        ])
    assert 'either new_short or new_width' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        build_rawframes.main([str(tmp_path / 'none'), str(tmp_path)])
    assert 'does not exist' in capsys.readouterr().err
