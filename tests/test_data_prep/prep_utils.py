"""Small real clips arranged like HMDB51, UCF101 and Kinetics-400.

The clips of ``tests/data/videos`` are symlinked (copied where links are
not possible) under the dataset's file names; the split files are written
here in the official formats. Extraction in the tests uses ``max_frames``
and a small size, so TV-L1 stays fast.
"""
import os
import os.path as osp
import shutil

import cv2
import numpy as np
from conftest import TEST_DATA

VIDEOS = osp.join(TEST_DATA, 'videos')
CLIPS = ('test.avi', 'demo.mp4', 'test.mp4')

# three HMDB51 classes, two real video names each (with HMDB51's odd
# characters); every file is one of the real clips
HMDB51 = {
    'brush_hair': [
        'April_09_brush_hair_u_nm_np1_ba_goo_0',
        'Brushing_Hair_with_Beth_brush_hair_h_nm_np1_le_goo_0'
    ],
    'cartwheel': [
        '(Rad)Schlag_die_Bank!_cartwheel_f_cm_np1_le_med_0',
        'Acrobacias_de_un_fenomeno_cartwheel_f_cm_np1_ba_bad_8'
    ],
    'chew': [
        'Chewing_Gum_chew_h_nm_np1_fr_med_0',
        'Deadline_chew_h_nm_np1_fr_goo_0'
    ],
}
# split k: the video at index TRAIN[k] of each class trains, the other
# tests; in split 3 the second video of 'chew' is unused (id 0)
TRAIN = {1: 0, 2: 1, 3: 0}


def link_clip(clip: str, dst: str) -> None:
    """Symlink the real clip ``clip`` to ``dst`` (copy as a fallback)."""
    os.makedirs(osp.dirname(dst), exist_ok=True)
    src = osp.join(VIDEOS, clip)
    try:
        os.symlink(src, dst)
    except OSError:
        shutil.copy(src, dst)


def hmdb51_expected(split: int):
    """(train, val) lists of (``class/video``, label) of the fixture."""
    train, val = [], []
    for label, (cls, names) in enumerate(sorted(HMDB51.items())):
        for i, name in enumerate(names):
            if split == 3 and cls == 'chew' and i == 1:
                continue
            (train if i == TRAIN[split] else val).append(
                (f'{cls}/{name}', label))
    return train, val


def make_hmdb51(root: str) -> str:
    """``root/videos/<class>/<video>.avi`` + ``root/annotations``."""
    n = 0
    ann = osp.join(root, 'annotations')
    os.makedirs(ann, exist_ok=True)
    for cls, names in HMDB51.items():
        for i, name in enumerate(names):
            link_clip(CLIPS[n % len(CLIPS)],
                      osp.join(root, 'videos', cls, name + '.avi'))
            n += 1
        for k in (1, 2, 3):
            with open(osp.join(ann, f'{cls}_test_split{k}.txt'), 'w') as f:
                for i, name in enumerate(names):
                    tag = '1' if i == TRAIN[k] else '2'
                    if k == 3 and cls == 'chew' and i == 1:
                        tag = '0'
                    # the official files end lines with a space
                    f.write(f'{name}.avi {tag} \n')
    return root


def write_moving_texture(path: str,
                         num_frames: int = 6,
                         size=(96, 72),
                         shift=(2, 0),
                         seed: int = 0) -> None:
    """An MJPG .avi of a smooth random texture translating by ``shift``
    (dx, dy) pixels per frame (right / down positive)."""
    w, h = size
    dx, dy = shift
    pad = 4 + max(abs(dx), abs(dy)) * num_frames
    rng = np.random.default_rng(seed)
    big = (rng.random((h + 2 * pad, w + 2 * pad)) * 255).astype(np.uint8)
    big = cv2.GaussianBlur(big, (0, 0), 2.0)
    big = cv2.normalize(big, None, 0, 255, cv2.NORM_MINMAX)
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), 25,
                             (w, h))
    assert writer.isOpened(), path
    for t in range(num_frames):
        # content at x in frame t came from x - t*dx in frame 0
        y0, x0 = pad - t * dy, pad - t * dx
        frame = big[y0:y0 + h, x0:x0 + w]
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()


REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_tool(relpath: str):
    """Import a script of ``tools/`` as a module (to call its ``main``)."""
    import importlib.util
    path = osp.join(REPO, relpath)
    name = 'tool_' + osp.splitext(relpath)[0].replace('/', '_')
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
