"""Bad input in annotation lists and videos: errors that name the file, or
skipping by option; a video with fewer frames than segments."""
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import torch
from conftest import TEST_DATA
from mmaction.registry import DATASETS

from mmdatp.datasets import check_labels

N = 8

PIPELINE = [
    dict(type='DecordInit'),
    dict(type='DATPSampleFrames', num_segments=N, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs', algorithm_keys=('segment_times', ))
]


def _write_video(path, num_frames, size=64):
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 10,
                             (size, size))
    for i in range(num_frames):
        frame = np.full((size, size, 3), 40 * i % 256, np.uint8)
        writer.write(frame)
    writer.release()


@pytest.fixture()
def videos(tmp_path):
    root = tmp_path / 'videos'
    root.mkdir()
    shutil.copy(osp.join(TEST_DATA, 'videos', 'test.mp4'), root / 'good.mp4')
    _write_video(str(root / 'short.mp4'), 3)
    (root / 'corrupt.mp4').write_bytes(
        np.random.default_rng(0).integers(0, 256, 4096,
                                          dtype=np.uint8).tobytes())
    return root


def _video_ds(root, lines, **kwargs):
    ann = osp.join(str(root), 'list.txt')
    with open(ann, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return DATASETS.build(
        dict(
            type='CheckedVideoDataset',
            ann_file=ann,
            data_prefix=dict(video=str(root)),
            pipeline=PIPELINE,
            **kwargs))


def test_malformed_line_names_file_and_line(videos):
    with pytest.raises(ValueError) as e:
        _video_ds(videos, ['good.mp4 0', 'short.mp4 one'])
    assert 'list.txt, line 2' in str(e.value)
    assert '<video path> <label>' in str(e.value)
    with pytest.raises(ValueError, match='line 1'):
        _video_ds(videos, ['good.mp4 0 1'])


def test_missing_video_raises_or_is_skipped(videos):
    lines = ['good.mp4 0', 'gone.mp4 1', 'short.mp4 1']
    with pytest.raises(FileNotFoundError) as e:
        _video_ds(videos, lines)
    assert 'line 2' in str(e.value) and 'gone.mp4' in str(e.value)
    ds = _video_ds(videos, lines, on_bad_video='skip')
    assert len(ds) == 2
    assert ds.skipped == [str(videos / 'gone.mp4')]
    with pytest.raises(ValueError, match='on_bad_video'):
        _video_ds(videos, lines, on_bad_video='ignore')


def test_corrupt_video(videos):
    lines = ['corrupt.mp4 0', 'good.mp4 1']
    ds = _video_ds(videos, lines)
    with pytest.raises(RuntimeError) as e:
        ds[0]
    assert 'corrupt.mp4' in str(e.value) and 'list.txt' in str(e.value)

    # training with skip: another sample is returned instead
    ds = _video_ds(videos, lines, on_bad_video='skip')
    sample = ds[0]
    assert sample['data_samples'].gt_label.item() == 1
    # mmengine refetches a random index, which may hit the corrupt video
    # again: every skip is recorded, and nothing else is skipped
    assert ds.skipped and set(ds.skipped) == {str(videos / 'corrupt.mp4')}

    # testing never skips: the metric would silently change
    ds = _video_ds(videos, lines, on_bad_video='skip', test_mode=True)
    with pytest.raises(RuntimeError, match='corrupt.mp4'):
        ds[0]


def test_video_with_fewer_frames_than_segments(videos):
    ds = _video_ds(videos, ['short.mp4 0'])
    sample = ds[0]
    assert sample['inputs'].shape == (N, 3, 32, 32)
    times = sample['data_samples'].segment_times
    assert len(times) == N
    assert np.all(np.diff(times) >= 0) and times.min() >= 0 \
        and times.max() <= 1
    # 3 frames over 8 segments: every frame is used, none invented
    means = sample['inputs'].float().mean(dim=(1, 2, 3))
    assert len(torch.unique(means)) == 3


def test_rawframes_checks(tmp_path):
    root = tmp_path / 'rawframes'
    root.mkdir()
    os.symlink(osp.join(TEST_DATA, 'rawframes'), root / 'clip')
    ann = str(tmp_path / 'list.txt')
    build = dict(
        type='CheckedRawframeDataset',
        ann_file=ann,
        data_prefix=dict(img=str(root)),
        pipeline=[])
    with open(ann, 'w') as f:
        f.write('clip 5 0\nclip five 0\n')
    with pytest.raises(ValueError, match='line 2.*<frame dir> <total frames>'):
        DATASETS.build(build)
    with open(ann, 'w') as f:
        f.write('clip 5 0\nnowhere 5 1\n')
    with pytest.raises(FileNotFoundError, match='line 2: .*nowhere'):
        DATASETS.build(build)
    ds = DATASETS.build(dict(build, on_bad_video='skip'))
    assert len(ds) == 1 and ds[0]['frame_dir'].endswith('clip')


def test_check_labels_names_lines_and_range(videos):
    ds = _video_ds(videos, ['good.mp4 0', 'gone.mp4 9', 'short.mp4 7',
                            'good.mp4 -3', 'short.mp4 2'],
                   on_bad_video='skip')
    with pytest.raises(ValueError, match=r'1 of 4 .*0\.\.9 .*label -3\.'):
        check_labels(ds, 10)
    with pytest.raises(ValueError) as e:
        check_labels(ds, 5)
    # line numbers of the list, although gone.mp4 (line 2) was skipped
    assert str(e.value).startswith(
        f'{videos / "list.txt"}: 2 of 4 entries have a label outside the '
        "model's classes 0..4 (num_classes=5): line 3 (short.mp4): label 7; "
        'line 4 (good.mp4): label -3.')
    # a line without a label (MMAction2 reads it as -1) cannot be trained
    ds = _video_ds(videos, ['good.mp4 1', 'short.mp4'])
    check_labels(_video_ds(videos, ['good.mp4 1', 'short.mp4 4']), 5)
    with pytest.raises(ValueError, match=r'line 2 \(short.mp4\): label -1 '
                       r'\(no label on the line\)'):
        check_labels(ds, 5)


def test_check_labels_multi_class(videos):
    ds = _video_ds(videos, ['good.mp4 0 4', 'short.mp4 1 5'],
                   multi_class=True, num_classes=6)
    check_labels(ds, 6)
    with pytest.raises(ValueError, match=r'line 2 \(short.mp4\): label 5'):
        check_labels(ds, 5)


def test_empty_list_names_the_file(videos):
    """Before: "need at least one array to concatenate"."""
    with pytest.raises(ValueError,
                       match=r'list.txt is empty; expected one '
                       '"<video path> <label>" per line'):
        _video_ds(videos, [])  # one blank line
    (videos / 'list.txt').write_text('')  # zero bytes
    with pytest.raises(ValueError, match=r'annotation list .*list.txt is '
                       'empty'):
        DATASETS.build(
            dict(
                type='CheckedRawframeDataset',
                ann_file=str(videos / 'list.txt'),
                pipeline=[]))
    with pytest.raises(FileNotFoundError, match='none of the 2 listed'):
        _video_ds(videos, ['gone.mp4 0', 'lost.mp4 1'], on_bad_video='skip')
