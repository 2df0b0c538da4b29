"""Tests of :class:`mmdatp.datasets.transforms.DATPSampleFrames`.

Expected frame indices are worked out by hand from the sampling rule
(``F`` frames, ``span = (clip_len - 1) * frame_interval + 1``,
``valid = F - span + 1``, ``b_i = floor(i * valid / N)``), never by calling
the implementation.
"""
import os.path as osp

import mmdatp  # noqa: F401  (must precede mmaction.models; registers)
import numpy as np
import pytest
from conftest import TEST_DATA
from mmengine.dataset import Compose

from mmaction.registry import TRANSFORMS
from mmdatp.datasets.transforms import DATPSampleFrames

VIDEO = osp.join(TEST_DATA, 'videos', 'test.mp4')
RAWFRAMES = osp.join(TEST_DATA, 'rawframes')


def _compose(cfgs):
    """Build each transform through mmaction's registry, then chain them."""
    return Compose([TRANSFORMS.build(cfg) for cfg in cfgs])


def _sample(total_frames, start_index=0, **kwargs):
    sampler = DATPSampleFrames(**kwargs)
    return sampler(
        dict(
            total_frames=total_frames,
            start_index=start_index,
            filename='some_video.mp4'))


@pytest.mark.parametrize('start_index', [0, 1])
def test_test_mode_takes_segment_centres(start_index):
    # F=100, N=10: valid=100, b_i=10i, centre offset 10//2=5.
    results = _sample(
        100, start_index=start_index, num_segments=10, test_mode=True)
    expected = np.array([5, 15, 25, 35, 45, 55, 65, 75, 85, 95])
    assert results['frame_inds'].dtype == np.int32
    np.testing.assert_array_equal(results['frame_inds'],
                                  expected + start_index)
    assert results['num_clips'] == 10
    assert results['clip_len'] == 1
    assert results['frame_interval'] == 1
    times = results['segment_times']
    assert times.dtype == np.float32
    assert times.shape == (10, )
    np.testing.assert_allclose(times, expected / 99, rtol=1e-6)
    # deterministic
    again = _sample(
        100, start_index=start_index, num_segments=10, test_mode=True)
    np.testing.assert_array_equal(again['frame_inds'], results['frame_inds'])


def test_start_index_defaults_to_zero():
    sampler = DATPSampleFrames(num_segments=4, test_mode=True)
    # F=8, N=4: b=[0,2,4,6,8], centres 1,3,5,7.
    results = sampler(dict(total_frames=8))
    np.testing.assert_array_equal(results['frame_inds'], [1, 3, 5, 7])


@pytest.mark.parametrize('clip_len,frame_interval', [(1, 1), (5, 1), (3, 2)])
def test_train_mode_stays_inside_segments(clip_len, frame_interval):
    np.random.seed(0)
    total_frames, num_segs, start_index = 53, 7, 1
    span = (clip_len - 1) * frame_interval + 1
    valid = total_frames - span + 1
    bounds = [i * valid // num_segs for i in range(num_segs + 1)]
    sampler = DATPSampleFrames(
        num_segments=num_segs,
        clip_len=clip_len,
        frame_interval=frame_interval,
        test_mode=False)
    draws = []
    for _ in range(200):
        results = sampler(
            dict(total_frames=total_frames, start_index=start_index))
        inds = results['frame_inds']
        assert inds.dtype == np.int32
        assert inds.shape == (num_segs * clip_len, )
        clips = inds.reshape(num_segs, clip_len) - start_index
        starts = clips[:, 0]
        for i in range(num_segs):
            assert bounds[i] <= starts[i] < bounds[i + 1]
            np.testing.assert_array_equal(
                clips[i], starts[i] + frame_interval * np.arange(clip_len))
        assert clips.max() <= total_frames - 1
        expected_times = (starts + (span - 1) / 2) / (total_frames - 1)
        np.testing.assert_allclose(
            results['segment_times'], expected_times, rtol=1e-6)
        draws.append(tuple(inds))
    assert len(set(draws)) > 1


def test_train_mode_follows_numpy_seed():
    sampler = DATPSampleFrames(num_segments=5)
    np.random.seed(123)
    first = sampler(dict(total_frames=100))['frame_inds'].copy()
    np.random.seed(123)
    second = sampler(dict(total_frames=100))['frame_inds']
    np.testing.assert_array_equal(first, second)


def test_stacked_flow_test_mode():
    # F=40, clip_len=5: span=5, valid=36, b=[0,12,24,36],
    # starts 0+6, 12+6, 24+6 = 6, 18, 30; plus start_index 1.
    results = _sample(
        40, start_index=1, num_segments=3, clip_len=5, test_mode=True)
    expected = [7, 8, 9, 10, 11, 19, 20, 21, 22, 23, 31, 32, 33, 34, 35]
    np.testing.assert_array_equal(results['frame_inds'], expected)
    assert results['clip_len'] == 5
    assert results['num_clips'] == 3
    # clip centres 8, 20, 32 over F-1 = 39
    np.testing.assert_allclose(
        results['segment_times'], np.array([8, 20, 32]) / 39, rtol=1e-6)


def test_frame_interval_test_mode():
    # F=20, clip_len=3, interval=2: span=5, valid=16, b=[0,8,16],
    # starts 4, 12; centres 6, 14.
    results = _sample(
        20, num_segments=2, clip_len=3, frame_interval=2, test_mode=True)
    np.testing.assert_array_equal(results['frame_inds'],
                                  [4, 6, 8, 12, 14, 16])
    assert results['frame_interval'] == 2
    np.testing.assert_allclose(
        results['segment_times'], np.array([6, 14]) / 19, rtol=1e-6)


@pytest.mark.parametrize('test_mode', [False, True])
@pytest.mark.parametrize('start_index', [0, 1])
def test_short_video_repeats_frames(test_mode, start_index):
    # F=4 < N=10: start_i = floor(4i/10), identical in train and test.
    results = _sample(
        4, start_index=start_index, num_segments=10, test_mode=test_mode)
    expected = np.array([0, 0, 0, 1, 1, 2, 2, 2, 3, 3])
    np.testing.assert_array_equal(results['frame_inds'],
                                  expected + start_index)
    times = results['segment_times']
    assert times.shape == (10, )
    assert np.all((times >= 0) & (times <= 1))
    np.testing.assert_allclose(times, expected / 3, rtol=1e-6)


@pytest.mark.parametrize('test_mode', [False, True])
@pytest.mark.parametrize('start_index', [0, 1])
@pytest.mark.parametrize('out_of_bound_opt,clip', [
    ('repeat_last', [0, 1, 2, 2, 2]),
    ('loop', [0, 1, 2, 0, 1]),
])
def test_video_shorter_than_one_clip(test_mode, start_index,
                                     out_of_bound_opt, clip):
    # F=3, clip_len=5: valid=-1, every segment starts at 0.
    num_segs, total_frames = 4, 3
    results = _sample(
        total_frames,
        start_index=start_index,
        num_segments=num_segs,
        clip_len=5,
        test_mode=test_mode,
        out_of_bound_opt=out_of_bound_opt)
    inds = results['frame_inds']
    assert len(inds) == num_segs * 5
    assert inds.min() >= start_index
    assert inds.max() <= total_frames - 1 + start_index
    np.testing.assert_array_equal(inds,
                                  np.tile(clip, num_segs) + start_index)
    times = results['segment_times']
    assert times.shape == (num_segs, )
    assert np.all((times >= 0) & (times <= 1))
    # clip centre 0 + 2 = 2, clipped to F-1 = 2, divided by 2.
    np.testing.assert_allclose(times, np.ones(num_segs))


@pytest.mark.parametrize('out_of_bound_opt', ['loop', 'repeat_last'])
def test_single_frame_video(out_of_bound_opt):
    results = _sample(
        1,
        start_index=1,
        num_segments=3,
        clip_len=5,
        out_of_bound_opt=out_of_bound_opt)
    np.testing.assert_array_equal(results['frame_inds'], np.ones(15))
    np.testing.assert_array_equal(results['segment_times'], np.zeros(3))


@pytest.mark.parametrize('key', ['filename', 'frame_dir'])
def test_empty_video_names_file(key):
    sampler = DATPSampleFrames(num_segments=3)
    with pytest.raises(ValueError, match='broken_video_42') as err:
        sampler({'total_frames': 0, key: '/data/broken_video_42'})
    assert 'total_frames must be' in str(err.value)


@pytest.mark.parametrize('kwargs,message', [
    (dict(num_segments=0), 'num_segments'),
    (dict(num_segments=2.5), 'num_segments'),
    (dict(clip_len=0), 'clip_len'),
    (dict(frame_interval=-1), 'frame_interval'),
    (dict(test_mode='yes'), 'test_mode'),
    (dict(out_of_bound_opt='x'), 'out_of_bound_opt'),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DATPSampleFrames(**kwargs)


def test_repr_lists_arguments():
    text = repr(
        DATPSampleFrames(
            num_segments=3,
            clip_len=5,
            frame_interval=2,
            test_mode=True,
            out_of_bound_opt='loop'))
    for part in ('DATPSampleFrames(', 'num_segments=3', 'clip_len=5',
                 'frame_interval=2', 'test_mode=True',
                 "out_of_bound_opt='loop'"):
        assert part in text


def test_build_from_registry():
    sampler = TRANSFORMS.build(dict(type='DATPSampleFrames', num_segments=3))
    assert isinstance(sampler, DATPSampleFrames)
    assert sampler.num_segments == 3


def test_rgb_video_pipeline():
    pipeline = _compose([
        dict(type='DecordInit'),
        dict(type='DATPSampleFrames', num_segments=10, test_mode=True),
        dict(type='DecordDecode'),
        dict(type='Resize', scale=(64, 64), keep_ratio=False),
        dict(type='FormatShape', input_format='NCHW'),
        dict(type='PackActionInputs', algorithm_keys=('segment_times', )),
    ])
    packed = pipeline(dict(filename=VIDEO, label=0, start_index=0,
                           modality='RGB'))
    assert tuple(packed['inputs'].shape) == (10, 3, 64, 64)
    data_sample = packed['data_samples']
    assert 'segment_times' in data_sample
    times = np.asarray(data_sample.segment_times)
    assert times.shape == (10, )
    assert np.all(np.diff(times) > 0)
    assert np.all((times >= 0) & (times <= 1))


def test_stacked_flow_rawframes_pipeline():
    pipeline = _compose([
        dict(
            type='DATPSampleFrames',
            num_segments=3,
            clip_len=5,
            test_mode=True),
        dict(type='RawFrameDecode'),
        dict(type='Resize', scale=(32, 32), keep_ratio=False),
        dict(type='FormatShape', input_format='NCHW'),
    ])
    results = pipeline(
        dict(
            frame_dir=RAWFRAMES,
            total_frames=5,
            start_index=1,
            modality='Flow',
            filename_tmpl='{}_{:05d}.jpg'))
    # F=5, span=5: valid=1 < N=3, so every segment takes frames 1..5.
    np.testing.assert_array_equal(results['frame_inds'],
                                  np.tile([1, 2, 3, 4, 5], 3))
    assert results['imgs'].shape == (3, 10, 32, 32)


def test_field_typo_suggests_the_field():
    """Before: "TypeError: __init__() got an unexpected keyword argument"."""
    with pytest.raises(ValueError) as e:
        TRANSFORMS.build(dict(type='DATPSampleFrames', num_segment=8))
    assert str(e.value).startswith(
        "DATPSampleFrames: unknown argument 'num_segment' (did you mean "
        "'num_segments'?); valid arguments are ['num_segments', 'clip_len',")
    with pytest.raises(ValueError, match="'test_mod' \\(did you mean "
                       "'test_mode'\\?\\)"):
        DATPSampleFrames(test_mod=True)
    with pytest.raises(ValueError, match=r"unknown argument 'zzz'; valid"):
        DATPSampleFrames(zzz=1)
