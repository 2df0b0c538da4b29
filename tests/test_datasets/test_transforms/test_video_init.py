"""``DecordInit`` (mmdatp's :class:`PathDecordInit`): local files are opened
by path and truncated or unreadable ones raise an error naming the file.

The crash it prevents (decord's segfault on a truncated AVI read from
``BytesIO``) would kill pytest itself, so the end-to-end check through the
tools runs in subprocesses: ``tests/test_tools/test_bad_input.py``.
"""
import io
import os.path as osp

import decord
import numpy as np
import pytest
from conftest import TEST_DATA
from mmaction.registry import TRANSFORMS

from mmdatp.datasets.transforms import (BadVideoError, PathDecordInit,
                                        check_video_file)

AVI = osp.join(TEST_DATA, 'videos', 'test.avi')
MP4 = osp.join(TEST_DATA, 'videos', 'test.mp4')


def truncated_copy(src, dst, fraction=0.5):
    """The first ``fraction`` of ``src``, as a partial download leaves it."""
    with open(src, 'rb') as f:
        data = f.read()
    with open(dst, 'wb') as f:
        f.write(data[:int(len(data) * fraction)])
    return str(dst), len(data)


def test_registered_as_decord_init():
    init = TRANSFORMS.build(dict(type='DecordInit'))
    assert isinstance(init, PathDecordInit)


@pytest.mark.parametrize('src', [AVI, MP4])
def test_same_frames_as_mmaction_bytesio_path(src):
    results = TRANSFORMS.build(dict(type='DecordInit'))(dict(filename=src))
    with open(src, 'rb') as f:
        ref = decord.VideoReader(io.BytesIO(f.read()))
    assert results['total_frames'] == len(ref)
    assert results['avg_fps'] == pytest.approx(ref.get_avg_fps())
    # every frame, read in order: decord 0.6.0 returns a varying last frame
    # of this xvid AVI after a seek (about 1 read in 6, by path and from
    # BytesIO alike: frame 163 differs between two readers of the same
    # bytes), while an in-order read is the same on every run
    inds = np.arange(len(ref))
    got = results['video_reader'].get_batch(inds).asnumpy()
    np.testing.assert_array_equal(got, ref.get_batch(inds).asnumpy())


@pytest.mark.parametrize('src,why', [
    (AVI, 'RIFF header declares {full} bytes, the file has {cut}'),
    (MP4, "'mdat' box at byte 40 declares"),
])
def test_truncated_video_names_file_and_sizes(tmp_path, src, why):
    dst, full = truncated_copy(src, tmp_path / ('part' + osp.splitext(src)[1]))
    cut = full // 2
    with pytest.raises(BadVideoError) as e:
        TRANSFORMS.build(dict(type='DecordInit'))(dict(filename=dst))
    msg = str(e.value)
    assert dst in msg and 'truncated' in msg
    assert why.format(full=full, cut=cut) in msg
    # the intact files pass the same check
    check_video_file(src)


def test_truncated_avi_readable_part_with_check_off(tmp_path):
    """Opened by path (not BytesIO), decord reads what is there."""
    dst, _ = truncated_copy(AVI, tmp_path / 'part.avi')
    init = TRANSFORMS.build(dict(type='DecordInit', check_truncation=False))
    results = init(dict(filename=dst))
    full = len(decord.VideoReader(AVI))
    assert 0 < results['total_frames'] < full
    frame = results['video_reader'].get_batch([0]).asnumpy()
    assert frame.shape == (1, 240, 320, 3)


def test_empty_and_unreadable_files_name_the_file(tmp_path):
    empty = tmp_path / 'empty.mp4'
    empty.write_bytes(b'')
    with pytest.raises(BadVideoError, match=r'empty\.mp4 is empty \(0 bytes'):
        TRANSFORMS.build(dict(type='DecordInit'))(dict(filename=str(empty)))
    junk = tmp_path / 'junk.mp4'
    junk.write_bytes(bytes(range(256)) * 16)
    with pytest.raises(BadVideoError, match='cannot open video .*junk.mp4'):
        TRANSFORMS.build(dict(type='DecordInit'))(dict(filename=str(junk)))
    with pytest.raises(FileNotFoundError, match='gone.mp4 does not exist'):
        TRANSFORMS.build(dict(type='DecordInit'))(
            dict(filename=str(tmp_path / 'gone.mp4')))


def test_other_containers_only_checked_for_emptiness(tmp_path):
    """A format whose size fields are not parsed is not judged truncated."""
    other = tmp_path / 'clip.mkv'
    with open(MP4, 'rb') as f:  # EBML magic, then no RIFF or ISO layout
        other.write_bytes(b'\x1aE\xdf\xa3' + f.read()[:1000])
    check_video_file(str(other))
