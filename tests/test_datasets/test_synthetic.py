"""Tests of the synthetic key-action dataset generator."""
import importlib.util
import json
import os
import os.path as osp
from dataclasses import asdict
from typing import Dict

import decord
import numpy as np
import pytest

from mmdatp.datasets.synthetic import (COLOURS, MAX_CLASSES, SHAPES, SPLITS,
                                       SyntheticSpec, class_appearance,
                                       class_names, make_synthetic_dataset,
                                       object_mask, render_video)
from mmdatp.datasets.synthetic import _border_mask

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# 3 classes x (2 + 1 + 1) videos of 10 frames at 32x32: 12 small files.
TINY = dict(
    num_classes=3,
    train_per_class=2,
    val_per_class=1,
    test_per_class=1,
    num_frames=10,
    key_len=3,
    size=32)


def _full_colour(frame: np.ndarray, label: int) -> np.ndarray:
    """Pixels showing exactly the full-intensity colour of ``label``."""
    colour = np.round(np.asarray(COLOURS[label // len(SHAPES)][1]) * 255)
    return np.all(frame == colour.astype(np.uint8), axis=-1)


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return (a & b).sum() / max((a | b).sum(), 1)


def _mtimes(root: str) -> Dict[str, int]:
    out = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = osp.join(dirpath, name)
            out[osp.relpath(path, root)] = os.stat(path).st_mtime_ns
    return out


def test_render_video_shape_and_dtype():
    spec = SyntheticSpec(**TINY)
    video = render_video(spec, 1, 4, 2, np.random.default_rng(0))
    assert video.shape == (10, 32, 32, 3)
    assert video.dtype == np.uint8


def test_render_video_is_deterministic():
    spec = SyntheticSpec()
    a = render_video(spec, 0, 5, 3, np.random.default_rng(7))
    b = render_video(spec, 0, 5, 3, np.random.default_rng(7))
    c = render_video(spec, 0, 5, 3, np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert np.abs(a.astype(int) - c).mean() > 1


@pytest.mark.parametrize('label,decoy', [(0, 1), (1, 0), (2, 4), (3, 2),
                                         (4, 3), (10, 2), (13, 15)])
def test_key_window_holds_the_class_object_at_full_contrast(label, decoy):
    spec = SyntheticSpec(num_classes=16, noise=0.0)
    start = 17
    end = start + spec.key_len
    gap = max(1, spec.key_len // 3)
    video = render_video(spec, label, start, decoy, np.random.default_rng(1))
    shape = class_appearance(label)[0]
    radius = 0.14 * spec.size
    decoy_white = decoy < len(SHAPES)
    for t, frame in enumerate(video):
        full = _full_colour(frame, label)
        if start <= t < end:
            # The full-colour pixels form the class's shape, full size.
            ys, xs = np.nonzero(full)
            assert len(xs) > 0, t
            cx = (xs.min() + xs.max() + 1) / 2
            cy = (ys.min() + ys.max() + 1) / 2
            shifts = np.arange(-1.0, 1.01, 0.5)
            ious = {
                s: max(
                    _iou(full,
                         object_mask(s, (cx + dx, cy + dy), radius, spec.size))
                    for dx in shifts for dy in shifts)
                for s in SHAPES
            }
            assert ious[shape] > 0.85, (t, ious)
            assert ious[shape] == max(ious.values()), (t, ious)
        else:
            # No pixel reaches the key colour outside the key window.
            assert not full.any(), t
            # The white decoy is the only thing brighter than 0.55, and it
            # is visible outside the gap around the key window.
            bright = np.all(frame > 0.55 * 255, axis=-1)
            if decoy_white and (t < start - gap or t >= end + gap):
                area = object_mask(
                    class_appearance(decoy)[0],
                    (spec.size / 2, spec.size / 2),
                    radius * spec.decoy_scale, spec.size).sum()
                assert 0.7 * area < bright.sum() < 1.3 * area, t
            elif decoy_white:
                assert not bright.any(), t


def test_render_video_rejects_bad_arguments():
    spec = SyntheticSpec()
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match='decoy_label'):
        render_video(spec, 2, 0, 2, rng)
    with pytest.raises(ValueError, match='key_start'):
        render_video(spec, 2, spec.num_frames - spec.key_len + 1, 1, rng)
    with pytest.raises(ValueError, match='label'):
        render_video(spec, spec.num_classes, 0, 1, rng)


def test_shapes_are_distinct():
    masks = {s: object_mask(s, (32.0, 32.0), 9.0, 64) for s in SHAPES}
    for i, a in enumerate(SHAPES):
        assert masks[a].sum() > 40, a
        for b in SHAPES[i + 1:]:
            assert _iou(masks[a], masks[b]) < 0.8, (a, b)


def test_classes_are_distinct():
    names = class_names(MAX_CLASSES)
    assert len(set(names)) == MAX_CLASSES
    looks = {class_appearance(c)[:2] for c in range(MAX_CLASSES)}
    assert len(looks) == MAX_CLASSES


@pytest.mark.parametrize('field,value', [
    ('num_classes', 1), ('num_classes', MAX_CLASSES + 1),
    ('num_classes', 2.0), ('train_per_class', 0), ('val_per_class', -1),
    ('test_per_class', True), ('num_frames', 1), ('num_frames', '48'),
    ('key_len', 0), ('key_len', 49), ('size', 8), ('size', 33),
    ('fps', 0), ('seed', -1), ('decoy_scale', 0.0), ('decoy_scale', 1.2),
    ('decoy_contrast', -0.1), ('decoy_contrast', float('nan')),
    ('noise', 0.6)
])
def test_spec_rejects_invalid_fields(field, value):
    with pytest.raises(ValueError, match=field):
        SyntheticSpec(**{field: value})


def test_spec_edge_values_are_valid():
    SyntheticSpec(key_len=48, decoy_scale=1.0, decoy_contrast=0.0, noise=0)
    SyntheticSpec(num_frames=2, key_len=1, num_classes=MAX_CLASSES)


def test_make_dataset_writes_decodable_videos_and_lists(tmp_path):
    spec = SyntheticSpec(**TINY)
    out = str(tmp_path / 'syn')
    meta = make_synthetic_dataset(out, spec, verbose=False)

    with open(osp.join(out, 'meta.json')) as f:
        assert json.load(f) == meta
    assert meta['spec'] == asdict(spec)
    assert meta['classes'] == class_names(3)
    for split in SPLITS:
        n = spec.per_class(split) * spec.num_classes
        files = os.listdir(osp.join(out, 'videos', split))
        assert len(files) == n
        assert all(name.endswith('.mp4') and '.tmp' not in name
                   for name in files)
        with open(osp.join(out, f'{split}_list.txt')) as f:
            lines = f.read().splitlines()
        videos = meta['splits'][split]['videos']
        assert len(lines) == len(videos) == n
        labels = []
        for line, video in zip(lines, videos):
            path, label = line.split(' ')
            assert path == video['path']
            assert path.startswith(f'videos/{split}/{split}_')
            assert path.endswith(f'_c{label}.mp4')
            assert int(label) == video['label']
            assert video['key_end'] - video['key_start'] == spec.key_len
            assert 0 <= video['key_start'] <= spec.num_frames - spec.key_len
            assert video['decoy_label'] != video['label']
            labels.append(int(label))
            reader = decord.VideoReader(osp.join(out, path))
            assert len(reader) == spec.num_frames
            assert reader[0].shape == (spec.size, spec.size, 3)
        # Balanced classes.
        assert sorted(labels) == sorted(
            list(range(spec.num_classes)) * spec.per_class(split))


def test_written_video_matches_rendering_in_rgb(tmp_path):
    # One red class (label 10) among white ones: a BGR mix-up would show.
    spec = SyntheticSpec(
        num_classes=11,
        train_per_class=1,
        val_per_class=0,
        test_per_class=0,
        num_frames=8,
        key_len=2,
        noise=0.0)
    out = str(tmp_path / 'syn')
    meta = make_synthetic_dataset(out, spec, verbose=False)
    video = next(v for v in meta['splits']['train']['videos']
                 if v['label'] == 10)
    decoded = decord.VideoReader(osp.join(out, video['path']))[
        video['key_start']].asnumpy().astype(int)
    area = object_mask(
        class_appearance(10)[0], (spec.size / 2, spec.size / 2),
        0.14 * spec.size, spec.size).sum()
    # The key object's pixels are red (255, 77, 77) in the decoded file.
    ys, xs = np.nonzero(decoded[..., 0] > 200)
    assert 0.7 * area < len(xs) < 1.3 * area
    obj = decoded[ys, xs]
    assert obj[:, 0].mean() > 200
    assert obj[:, 1].mean() < 150 and obj[:, 2].mean() < 150


def test_make_dataset_is_idempotent_and_resumable(tmp_path, capsys):
    spec = SyntheticSpec(**TINY)
    out = str(tmp_path / 'syn')
    meta = make_synthetic_dataset(out, spec, verbose=False)
    before = _mtimes(out)

    # Same spec again: nothing is written.
    assert make_synthetic_dataset(out, spec) == meta
    assert _mtimes(out) == before
    assert 'nothing to do' in capsys.readouterr().out

    # Remove one video and leave a stale temp file: only that video is
    # regenerated, identical to the original, and the temp file goes.
    victim = meta['splits']['train']['videos'][2]['path']
    path = osp.join(out, victim)
    frames = decord.VideoReader(path).get_batch(list(range(10))).asnumpy()
    os.remove(path)
    stale = osp.join(out, 'videos', 'val', 'val_0000_c0.tmp.mp4')
    with open(stale, 'wb') as f:
        f.write(b'partial')
    assert make_synthetic_dataset(out, spec, verbose=False) == meta
    after = _mtimes(out)
    assert set(after) == set(before)
    changed = {k for k in before if after[k] != before[k]}
    assert changed == {victim}
    np.testing.assert_array_equal(
        decord.VideoReader(path).get_batch(list(range(10))).asnumpy(),
        frames)


def test_interrupted_run_resumes(tmp_path):
    spec = SyntheticSpec(**TINY)
    full = make_synthetic_dataset(str(tmp_path / 'a'), spec, verbose=False)
    out = str(tmp_path / 'b')
    make_synthetic_dataset(out, spec, verbose=False)
    # Simulate a run killed before meta.json: drop meta, lists, videos.
    os.remove(osp.join(out, 'meta.json'))
    os.remove(osp.join(out, 'test_list.txt'))
    for video in full['splits']['test']['videos']:
        os.remove(osp.join(out, video['path']))
    kept = _mtimes(osp.join(out, 'videos', 'train'))
    assert make_synthetic_dataset(out, spec, verbose=False) == full
    assert _mtimes(osp.join(out, 'videos', 'train')) == kept
    assert not osp.exists(osp.join(out, '.synthetic_in_progress.json'))


def test_different_spec_is_refused(tmp_path):
    out = str(tmp_path / 'syn')
    make_synthetic_dataset(out, SyntheticSpec(**TINY), verbose=False)
    other = SyntheticSpec(**dict(TINY, seed=1))
    with pytest.raises(ValueError, match='different spec'):
        make_synthetic_dataset(out, other, verbose=False)
    # A partial directory (no meta.json yet) is protected as well.
    os.remove(osp.join(out, 'meta.json'))
    with open(osp.join(out, '.synthetic_in_progress.json'), 'w') as f:
        json.dump(dict(generator_version=2, spec=asdict(
            SyntheticSpec(**TINY))), f)
    with pytest.raises(ValueError, match='different spec'):
        make_synthetic_dataset(out, other, verbose=False)


def test_cli_covers_every_spec_field(tmp_path, capsys):
    path = osp.join(REPO, 'tools', 'data', 'make_synthetic.py')
    module_spec = importlib.util.spec_from_file_location('make_synth', path)
    cli = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(cli)
    args = cli.build_parser().parse_args(['x'])
    assert {k: getattr(args, k) for k in asdict(SyntheticSpec())} == \
        asdict(SyntheticSpec())
    out = str(tmp_path / 'syn')
    cli.main([
        out, '--num-classes', '2', '--train-per-class', '1',
        '--val-per-class', '0', '--test-per-class', '1', '--num-frames', '6',
        '--key-len', '2', '--size', '16', '--fps', '10', '--seed', '3',
        '--decoy-scale', '0.5', '--decoy-contrast', '0.5', '--noise', '0.1',
        '--task', 'context', '--cue-len', '2', '--quiet'
    ])
    with open(osp.join(out, 'meta.json')) as f:
        stored = json.load(f)['spec']
    assert stored == dict(
        num_classes=2, train_per_class=1, val_per_class=0, test_per_class=1,
        num_frames=6, key_len=2, size=16, fps=10.0, seed=3, decoy_scale=0.5,
        decoy_contrast=0.5, noise=0.1, task='context', cue_len=2)
    assert osp.join(out, 'train_list.txt') in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main([out, '--key-len', '0'])
    with pytest.raises(SystemExit):
        cli.main([out, '--task', 'typo'])


def _objects(frame, labels):
    """Per label: the mask of its full-intensity colour (noise-free)."""
    return {label: _full_colour(frame, label) for label in labels}


@pytest.mark.parametrize('task', ['position', 'context'])
def test_equal_strength_tasks_key_and_distractor_frames_look_alike(task):
    """In 'position' and 'context' a frame of the distractor and a frame of
    the key action of the same class at the same phase are the same object,
    at the same size, contrast and place: per frame, nothing says which one
    counts."""
    kw = dict(num_classes=16, noise=0.0, key_len=8, num_frames=40)
    spec = SyntheticSpec(task=task, cue_len=4 if task == 'context' else 0,
                         **kw)
    start = 32 if task == 'position' else 20
    # class 1 (a white disc) is the key action of video a and the
    # distractor of video b, class 12 (a red triangle) the other; each video has its own random
    # offset of the path, so compare size, full contrast and motion
    a = render_video(spec, 1, start, 12, np.random.default_rng(5))
    b = render_video(spec, 12, start, 1, np.random.default_rng(6))

    def centre(mask):
        ys, xs = np.nonzero(mask)
        return np.array([xs.mean(), ys.mean()])

    # the distractor repeats its action: frames 0..7 of b are phases 0..7,
    # and so are frames 8..15
    for phase in range(8):
        obj_a = _full_colour(a[start + phase], 1)
        for rep in (0, 1):
            obj_b = _full_colour(b[8 * rep + phase], 1)
            assert abs(int(obj_a.sum()) - int(obj_b.sum())) <= \
                0.1 * obj_a.sum(), phase
            move_a = centre(obj_a) - centre(_full_colour(a[start], 1))
            move_b = centre(obj_b) - centre(_full_colour(b[8 * rep], 1))
            np.testing.assert_allclose(move_a, move_b, atol=1.0)
    cue = range(start - spec.cue_len, start)
    border = _border_mask(spec.size)
    for t in range(spec.num_frames):
        in_key = start <= t < start + 8
        # exactly one class object on every frame outside the cue
        shown = {c for c in (1, 12)
                 if (_full_colour(a[t], c) & ~border).any()}
        if t in cue:
            assert not shown, t
            assert np.all(a[t][border] == 255), t
        else:
            assert shown == ({1} if in_key else {12}), t
            assert not np.all(a[t][border] == 255), t


def test_task_plans_and_checks(tmp_path):
    tiny = dict(TINY, num_frames=20, key_len=4)
    meta = make_synthetic_dataset(str(tmp_path / 'p'), SyntheticSpec(
        task='position', **tiny), verbose=False)
    for split in SPLITS:
        for v in meta['splits'][split]['videos']:
            assert (v['key_start'], v['key_end']) == (16, 20)
            assert v['cue_start'] == 16  # no cue
    meta = make_synthetic_dataset(str(tmp_path / 'c'), SyntheticSpec(
        task='context', cue_len=3, **tiny), verbose=False)
    starts = [v['key_start'] for v in meta['splits']['train']['videos']]
    assert min(starts) >= 3 and max(starts) <= 16
    for v in meta['splits']['train']['videos']:
        assert v['cue_start'] == v['key_start'] - 3
    with pytest.raises(ValueError, match='task must be one of'):
        SyntheticSpec(task='Position')
    with pytest.raises(ValueError, match='cue_len is for'):
        SyntheticSpec(cue_len=2)
    with pytest.raises(ValueError, match='cue_len'):
        SyntheticSpec(task='context')  # a context task needs a cue
    with pytest.raises(ValueError, match='cue_len must be an integer in '
                       '\\[1, 4\\]'):
        SyntheticSpec(task='context', num_frames=10, key_len=6, cue_len=5)
    spec = SyntheticSpec(task='position', **tiny)
    with pytest.raises(ValueError, match='last 4 frames'):
        render_video(spec, 0, 3, 1, np.random.default_rng(0))
