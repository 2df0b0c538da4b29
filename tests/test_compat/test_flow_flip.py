"""Stack fix FLOWFLIP: a flipped flow clip has x negated on every frame."""
import copy
import os
import subprocess
import sys

import numpy as np
from mmaction.datasets.transforms import (Flip, Fuse, RawFrameDecode,
                                          SampleFrames)

from mmdatp import compat
from mmdatp.compat.flow_flip import flow_flip_defect

REPO = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FRAMES = os.path.join(REPO, 'tests', 'data', 'rawframes')


def _flow_clip():
    """5 real stacked TV-L1 frames (H, W, 2) of tests/data/rawframes."""
    results = dict(frame_dir=FRAMES, total_frames=5, label=0, start_index=1,
                   modality='Flow', filename_tmpl='{}_{:05d}.jpg')
    results = SampleFrames(clip_len=5, num_clips=1,
                           test_mode=True).transform(results)
    return RawFrameDecode().transform(results)


def _check_flipped(before, after):
    assert len(after) == len(before) == 5
    for orig, flipped in zip(before, after):
        assert orig.shape == flipped.shape and orig.shape[-1] == 2
        mirrored = orig[:, ::-1]
        # x: mirrored and negated (q -> 255 - q); y: mirrored only
        np.testing.assert_array_equal(flipped[..., 0], 255 - mirrored[..., 0])
        np.testing.assert_array_equal(flipped[..., 1], mirrored[..., 1])


def test_fix_is_applied_on_this_stack():
    assert compat.STATUS['FLOWFLIP'] == 'applied'
    assert not flow_flip_defect()


def test_flip_negates_x_on_every_real_flow_frame():
    results = _flow_clip()
    before = copy.deepcopy(results['imgs'])
    assert not all(np.array_equal(f[..., 0], f[..., 0][:, ::-1])
                   for f in before)  # the frames are not symmetric
    flipped = Flip(flip_ratio=1.0).transform(results)
    assert flipped['flip']
    _check_flipped(before, flipped['imgs'])


def test_lazy_flip_then_fuse_negates_x():
    from mmaction.datasets.transforms import Resize
    results = _flow_clip()
    before = copy.deepcopy(results['imgs'])
    results = Resize(scale=(-1, before[0].shape[0]),
                     lazy=True).transform(results)  # identity size
    results = Flip(flip_ratio=1.0, lazy=True).transform(results)
    _check_flipped(before, Fuse().transform(results)['imgs'])


def test_rgb_flip_is_unchanged():
    img = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    results = Flip(flip_ratio=1.0).transform(
        dict(imgs=[img.copy()], modality='RGB', img_shape=(2, 3)))
    np.testing.assert_array_equal(results['imgs'][0], img[:, ::-1])


def test_without_the_fix_mmaction_mis_flips():
    """The defect the fix handles, in the installed MMAction2."""
    code = ('import mmdatp; from mmdatp import compat; '
            'from mmdatp.compat.flow_flip import flow_flip_defect; '
            "print(compat.STATUS['FLOWFLIP'], flow_flip_defect())")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, cwd=REPO, timeout=300,
                         env=dict(os.environ, MMDATP_NO_FIX_FLOWFLIP='1'))
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-2:] == ['disabled', 'True']


def test_old_alternating_layout_still_inverts_x_images():
    x = np.array([[10, 20, 30]], np.uint8)
    y = np.array([[40, 50, 60]], np.uint8)
    results = Flip(flip_ratio=1.0).transform(
        dict(imgs=[x.copy(), y.copy()], modality='Flow', img_shape=(1, 3)))
    np.testing.assert_array_equal(results['imgs'][0], 255 - x[:, ::-1])
    np.testing.assert_array_equal(results['imgs'][1], y[:, ::-1])
