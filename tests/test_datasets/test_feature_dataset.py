"""SegmentFeatureDataset, SampleFeatureSegments, PackFeatureInputs and the
synthetic feature generator."""
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmaction.registry import DATASETS, TRANSFORMS
from mmdatp.datasets import (DATPSampleFrames, SampleFeatureSegments,
                             SegmentFeatureDataset)
from mmdatp.datasets.synthetic_features import make_feature_dataset

N = 5


def pipeline(test_mode=False, feature_dim=None):
    return [
        dict(
            type='SampleFeatureSegments',
            num_segments=N,
            test_mode=test_mode,
            feature_dim=feature_dim),
        dict(type='PackFeatureInputs')
    ]


def write(root, files):
    """files: {relative path: array or None (not written)} -> ann file."""
    lines = []
    for i, (rel, arr) in enumerate(files.items()):
        if arr is not None:
            path = osp.join(root, rel)
            os.makedirs(osp.dirname(path), exist_ok=True)
            np.save(path, arr)
        lines.append(f'{rel} {i}\n')
    ann = osp.join(root, 'list.txt')
    with open(ann, 'w') as f:
        f.writelines(lines)
    return ann


def build(ann, root, **kwargs):
    cfg = dict(
        type='SegmentFeatureDataset',
        ann_file=ann,
        data_prefix=dict(feature=root),
        pipeline=pipeline())
    cfg.update(kwargs)
    return DATASETS.build(cfg)


def test_shapes_times_and_rows(tmp_path):
    root = str(tmp_path)
    t, d = 23, 7
    # row r holds the value r in every column: the sampled rows are visible
    arr = np.repeat(np.arange(t, dtype=np.float64)[:, None], d, 1)
    ann = write(root, {'a/v0.npy': arr, 'v1.npy': arr[:3]})
    ds = build(ann, root, feature_dim=d)
    assert isinstance(ds, SegmentFeatureDataset) and len(ds) == 2
    assert ds.get_data_info(0)['total_frames'] == t

    np.random.seed(0)
    item = ds[0]
    feats = item['inputs']
    assert isinstance(feats, torch.Tensor) and feats.dtype == torch.float32
    assert feats.shape == (N, d)
    rows = feats[:, 0].numpy().astype(int)
    # one row per chunk of floor(i * T / N) bounds, in order
    bounds = np.arange(N + 1) * t // N
    assert ((rows >= bounds[:-1]) & (rows < bounds[1:])).all()
    sample = item['data_samples']
    assert sample.gt_label.item() == 0
    # the same time convention as DATPSampleFrames: row / (T - 1)
    np.testing.assert_allclose(sample.segment_times, rows / (t - 1),
                               rtol=1e-6)
    assert sample.metainfo['total_frames'] == t

    # test mode: chunk centres, identical to DATPSampleFrames(test_mode)
    ds_test = build(ann, root, pipeline=pipeline(test_mode=True))
    ref = DATPSampleFrames(num_segments=N, test_mode=True)(
        dict(total_frames=t))
    item = ds_test[0]
    np.testing.assert_array_equal(item['inputs'][:, 0].numpy(),
                                  ref['frame_inds'])
    np.testing.assert_array_equal(item['data_samples'].segment_times,
                                  ref['segment_times'])
    # fewer rows than segments: rows repeat, as DATPSampleFrames does
    short = ds_test[1]['inputs'][:, 0].numpy()
    np.testing.assert_array_equal(
        short,
        DATPSampleFrames(num_segments=N)(dict(total_frames=3))['frame_inds'])


def test_training_sampling_is_random_within_chunks():
    t = SampleFeatureSegments(num_segments=4)
    seen = set()
    np.random.seed(1)
    for _ in range(30):
        inds, times = t._sample(40)
        seen.add(tuple(inds))
        assert ((inds >= [0, 10, 20, 30]) & (inds < [10, 20, 30, 40])).all()
    assert len(seen) > 20


def test_bad_files_name_the_file_and_expected_shape(tmp_path):
    root = str(tmp_path)
    good = np.zeros((10, 4), np.float32)
    ann = write(root, {'ok.npy': good, 'missing.npy': None})
    with pytest.raises(FileNotFoundError, match=r'missing\.npy.*\(T, D\)'):
        build(ann, root)

    ann = write(root, {'ok.npy': good, 'three_d.npy': np.zeros((2, 3, 4))})
    with pytest.raises(ValueError,
                       match=r'three_d\.npy.*\(2, 3, 4\).*\(T, 4\)'):
        build(ann, root, feature_dim=4)

    ann = write(root, {'ok.npy': good, 'wide.npy': np.zeros((10, 5))})
    with pytest.raises(ValueError, match=r'wide\.npy.*\(10, 5\).*\(T, 4\)'):
        build(ann, root, feature_dim=4)

    ann = write(root, {'empty.npy': np.zeros((0, 4))})
    with pytest.raises(ValueError, match=r'empty\.npy.*T >= 1'):
        build(ann, root)

    with open(osp.join(root, 'bad.txt'), 'w') as f:
        f.write('ok.npy\n')
    with pytest.raises(ValueError, match=r'line 1 of .*bad\.txt'):
        build(osp.join(root, 'bad.txt'), root)

    # a file that changes after the list was loaded fails in the transform
    ann = write(root, {'later.npy': good})
    ds = build(ann, root, pipeline=pipeline(feature_dim=4))
    np.save(osp.join(root, 'later.npy'), np.zeros((10, 6)))
    with pytest.raises(ValueError, match=r'later\.npy.*\(10, 6\)'):
        ds[0]

    with pytest.raises(ValueError, match='feature_dim'):
        build(ann, root, feature_dim=0)
    with pytest.raises(ValueError, match='feature_dim'):
        TRANSFORMS.build(dict(type='SampleFeatureSegments', feature_dim=-1))
    with pytest.raises(KeyError, match='SampleFeatureSegments'):
        TRANSFORMS.build(dict(type='PackFeatureInputs'))(dict(label=0))


def test_generator_puts_the_label_in_the_window_only(tmp_path):
    root = str(tmp_path / 'f')
    kw = dict(
        num_classes=3, videos_per_class=4, length=30, window=6, dim=8,
        val_per_class=2)
    paths = make_feature_dataset(root, seed=3, noise=0.0, background=0.0,
                                 **kw)
    with open(paths['meta']) as f:
        meta = json.load(f)
    assert len(meta['videos']['train']) == 12
    assert len(meta['videos']['val']) == 6
    ds = build(paths['train'], root, feature_dim=8)
    assert len(ds) == 12
    patterns = {}
    for rec in meta['videos']['train']:
        arr = np.load(osp.join(root, rec['file']))
        assert arr.shape == (30, 8) and arr.dtype == np.float32
        lo, hi = rec['window']
        assert hi - lo == 6 and rec['decoy_label'] != rec['label']
        key = arr[lo:hi]
        # noise-free: the window holds one pattern of norm `signal`
        np.testing.assert_allclose(np.linalg.norm(key, axis=1), 4.0,
                                   rtol=1e-5)
        patterns.setdefault(rec['label'], key[0])
        np.testing.assert_allclose(key[0], patterns[rec['label']], atol=1e-5)
        outside = np.ones(30, bool)
        outside[max(0, lo - 1):hi + 1] = False  # gap = max(1, 6 // 4)
        np.testing.assert_allclose(
            np.linalg.norm(arr[outside], axis=1), 1.5, rtol=1e-5)
    # class patterns are orthonormal (scaled by signal)
    p = np.stack([patterns[c] for c in range(3)]) / 4.0
    np.testing.assert_allclose(p @ p.T, np.eye(3), atol=1e-5)
    # the same seed gives the same data
    again = make_feature_dataset(
        str(tmp_path / 'g'), seed=3, noise=0.0, background=0.0, **kw)
    with open(again['train']) as f1, open(paths['train']) as f2:
        assert f1.read() == f2.read()
    with pytest.raises(ValueError, match='window must be <= length'):
        make_feature_dataset(str(tmp_path / 'h'), length=5, window=6)
    with pytest.raises(ValueError, match='num_classes'):
        make_feature_dataset(str(tmp_path / 'h'), num_classes=9, dim=8)


@pytest.mark.parametrize('task', ['position', 'context'])
def test_generator_equal_strength_tasks(tmp_path, task):
    """'position': the label fills the last 30% of rows; 'context': a cue
    just before a window at a random place. The decoy has the key's
    amplitude, so per row key and decoy look alike."""
    root = str(tmp_path / task)
    paths = make_feature_dataset(root, task=task, seed=1, noise=0.0,
                                 background=0.0, num_classes=3,
                                 videos_per_class=6, length=20, dim=8)
    with open(paths['meta']) as f:
        meta = json.load(f)
    settings = meta['settings']
    window = 6 if task == 'position' else 12  # round(0.3 * 20) / default
    assert settings['window'] == window and settings['decoy'] == 4.0
    assert settings['cue_len'] == (6 if task == 'context' else None)
    starts, cues = set(), []
    for rec in meta['videos']['train']:
        arr = np.load(osp.join(root, rec['file']))
        lo, hi = rec['window']
        starts.add(lo)
        if task == 'position':
            assert (lo, hi) == (14, 20)
        # every row holds one pattern of norm 4: key, decoy and cue alike
        np.testing.assert_allclose(np.linalg.norm(arr, axis=1), 4.0,
                                   rtol=1e-5)
        before = lo - (6 if task == 'context' else 0)
        decoy = np.concatenate([arr[:before], arr[hi:]])
        if len(decoy):
            np.testing.assert_allclose(decoy, decoy[:1].repeat(len(decoy), 0),
                                       atol=1e-5)
            assert abs(decoy[0] @ arr[lo]) < 1e-4  # another class
        if task == 'context':
            assert before >= 0
            cue = arr[before:lo]
            cues.append(cue[0])
            assert abs(cue[0] @ arr[lo]) < 1e-4 and (
                len(decoy) == 0 or abs(cue[0] @ decoy[0]) < 1e-4)
    if task == 'context':
        assert len(starts) > 1  # a random place
        np.testing.assert_allclose(np.stack(cues), cues[0][None].repeat(
            len(cues), 0), atol=1e-5)  # one class-free cue for all
    with pytest.raises(ValueError, match='task must be one of'):
        make_feature_dataset(str(tmp_path / 'x'), task='where')
    with pytest.raises(ValueError, match="cue_len is for task='context'"):
        make_feature_dataset(str(tmp_path / 'x'), cue_len=3)
    with pytest.raises(ValueError, match='window \\+ cue_len'):
        make_feature_dataset(str(tmp_path / 'x'), task='context', length=12,
                             window=10, cue_len=3)
