"""A small synthetic "key-action" video dataset for DATP.

DATP (Song et al., ACM MM 2018, Sec. 3.1 and Fig. 2) starts from the
observation that the frames which define an activity occupy a short part of
a video, while the other frames are uninformative or even point to a wrong
class. Average pooling gives all of them the same weight; DATP learns to
weight them. This module generates videos with exactly that structure, small
enough to train and test a model on a CPU in minutes::

    frame t:  0 ........ s-g | s ...... s+key_len-1 | s+key_len+g ...... T-1
    content:  decoy (class d)|   KEY ACTION (class c)  |  decoy (class d)
              + background texture, noise and a shared moving blob everywhere

- Every class ``c`` has an appearance (a shape from :data:`SHAPES`, combined
  with a colour from :data:`COLOURS` once the shapes run out) and a motion
  (a trajectory from :data:`TRAJECTORIES`); see :func:`class_appearance`.
- The KEY ACTION is class ``c``'s object at full size and full contrast,
  moving along ``c``'s trajectory during ``[s, s + key_len)``, ``s`` drawn
  uniformly from the legal starts.
- The DECOY is the object of another class ``d != c``, drawn at
  ``decoy_scale`` size and ``decoy_contrast`` contrast and moving along
  ``d``'s trajectory. It is visible on every frame outside
  ``[s - g, s + key_len + g)`` with ``g = max(1, key_len // 3)``, i.e. on most
  non-key frames, so single frames outside the key window are (weaker)
  evidence for a wrong class.
- Every video also has a random background texture, a Gaussian blob moving
  on a random bouncing path (the same kind of distractor in every class)
  and Gaussian pixel noise of std ``noise`` (intensities in ``[0, 1]``).

Three tasks (``SyntheticSpec.task``):

- ``'decoy'`` (above): the decoy is smaller and fainter than the key
  action, so a single frame already tells a key frame from a decoy frame.
- ``'position'``: the key action fills the last ``key_len`` frames (a fixed
  phase of the video); the distractor, another class's action at full size
  and contrast, fills every frame before it.
- ``'context'``: a class-free cue (a bright border round the frame, no
  object) lasts ``cue_len`` frames and is followed at once by the key
  action, at a random place; the full-strength distractor fills the rest.

In ``position`` and ``context`` the distractor performs its own action
over and over, each repetition ``key_len`` frames long, exactly as the key
action is performed once: a key frame and a distractor frame of the same
class have the same distribution (object, size, contrast, place along the
trajectory), so per-frame evidence cannot tell which frames count; only
their time (``position``) or their neighbour (``context``) can.

Without noise, the class colour at full intensity appears exactly on the
key object's pixels and nowhere else: the background stays below
:data:`_BG_MAX`, the blob below :data:`_BLOB_MAX` and a decoy below
``decoy_contrast + (1 - decoy_contrast) * _BLOB_MAX``.

This module depends only on numpy, OpenCV and the standard library, so that
``mmdatp.datasets.synthetic`` can be used without MMAction2.
"""
import json
import math
import os
import os.path as osp
from dataclasses import asdict, dataclass
from numbers import Integral, Real
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from ..utils import atomic_open

__all__ = [
    'SHAPES', 'COLOURS', 'TRAJECTORIES', 'MAX_CLASSES', 'SPLITS', 'TASKS',
    'SyntheticSpec', 'class_appearance', 'class_names', 'object_mask',
    'render_video', 'make_synthetic_dataset'
]

#: Bump when the rendering changes, so old datasets are not silently reused.
#: 2: tasks 'position' and 'context' (the 'decoy' rendering is unchanged).
GENERATOR_VERSION = 2

#: Tasks of :class:`SyntheticSpec` (see the module docstring).
TASKS: Tuple[str, ...] = ('decoy', 'position', 'context')

#: Shapes drawn by :func:`object_mask`; each is symmetric about its centre.
SHAPES: Tuple[str, ...] = ('square', 'disc', 'triangle', 'cross', 'ring',
                           'diamond', 'hbar', 'vbar', 'xcross', 'frame')

#: Colours (RGB in ``[0, 1]``); class ``c`` uses ``COLOURS[c // len(SHAPES)]``.
COLOURS: Tuple[Tuple[str, Tuple[float, float, float]], ...] = (
    ('white', (1.0, 1.0, 1.0)),
    ('red', (1.0, 0.3, 0.3)),
    ('green', (0.3, 1.0, 0.3)),
    ('blue', (0.35, 0.5, 1.0)),
    ('yellow', (1.0, 1.0, 0.3)),
    ('magenta', (1.0, 0.3, 1.0)),
)

#: Trajectories of the object centre, see :func:`_trajectory`.
TRAJECTORIES: Tuple[str, ...] = ('right', 'left', 'down', 'up', 'down_right',
                                 'up_left', 'down_left', 'up_right',
                                 'circle_cw', 'circle_ccw')

#: The most classes with a distinct (shape, colour) pair.
MAX_CLASSES = len(SHAPES) * len(COLOURS)

#: Splits written by :func:`make_synthetic_dataset`, in this order.
SPLITS: Tuple[str, ...] = ('train', 'val', 'test')

# Geometry, as fractions of the frame size. Key objects never leave the
# frame: |centre - 0.5| <= _LINEAR_AMP / 2 + _JITTER = 0.3 and
# _CIRCLE_RADIUS + _JITTER = 0.27, both <= 0.5 - _OBJ_RADIUS.
_OBJ_RADIUS = 0.14
_LINEAR_AMP = 0.5
_CIRCLE_RADIUS = 0.22
_JITTER = 0.05
# Intensity bounds of the distractors (see the module docstring).
_BG_MAX = 0.3
_BLOB_MAX = 0.6
_BLOB_ALPHA = 0.6
# Width of the context task's cue, a full-intensity border round the frame.
_CUE_WIDTH = 0.05
_META = 'meta.json'
_PROGRESS = '.synthetic_in_progress.json'
_TMP_SUFFIX = '.tmp.mp4'


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, Integral) \
            or not low <= value <= high:
        raise ValueError(f'{name} must be an integer in [{low}, {high}], '
                         f'but got {value!r}.')


def _check_real(name: str, value: object, low: float, high: float,
                low_open: bool = False) -> None:
    ok = (not isinstance(value, bool) and isinstance(value, Real)
          and math.isfinite(value)
          and (low < value if low_open else low <= value) and value <= high)
    if not ok:
        bracket = '(' if low_open else '['
        raise ValueError(f'{name} must be a number in {bracket}{low}, '
                         f'{high}], but got {value!r}.')


@dataclass(frozen=True)
class SyntheticSpec:
    """What to generate. All fields are validated on construction.

    Args:
        num_classes (int): Number of classes, in ``[2, MAX_CLASSES]`` (60).
            Defaults to 5.
        train_per_class (int): Training videos per class, in ``[1, 10000]``.
            Defaults to 16.
        val_per_class (int): Validation videos per class, in ``[0, 10000]``.
            Defaults to 4.
        test_per_class (int): Test videos per class, in ``[0, 10000]``.
            Defaults to 6.
        num_frames (int): Frames per video ``T``, in ``[2, 10000]``.
            Defaults to 48.
        key_len (int): Length in frames of the key-action window, in
            ``[1, num_frames]``. Defaults to 6 (1/8 of the video, i.e. about
            one of 8 TSN segments).
        size (int): Height and width of the (square) frames, even, in
            ``[16, 1024]``. Defaults to 64.
        fps (float): Frame rate written into the files, in ``(0, 240]``.
            Defaults to 12.
        seed (int): Seed of everything random, in ``[0, 2**32 - 1]``.
            Defaults to 0.
        decoy_scale (float): Size of the decoy object relative to the key
            object, in ``(0, 1]``. Defaults to 0.7.
        decoy_contrast (float): Opacity of the decoy object, in ``[0, 1]``;
            the key object has 1. With ``decoy_scale == decoy_contrast == 1``
            decoys look exactly like key actions and the task is ambiguous.
            Defaults to 0.6.
        noise (float): Std of the Gaussian pixel noise added to every frame,
            intensities in ``[0, 1]``; in ``[0, 0.5]``. Defaults to 0.03.
        task (str): One of :data:`TASKS`. ``decoy_scale`` and
            ``decoy_contrast`` apply to ``'decoy'`` only: the other tasks'
            distractor is as strong as the key action. Defaults to 'decoy'.
        cue_len (int): Frames of the cue before the key action, in
            ``[1, num_frames - key_len]``; ``'context'`` only (0 otherwise).
            Defaults to 0.
    """

    num_classes: int = 5
    train_per_class: int = 16
    val_per_class: int = 4
    test_per_class: int = 6
    num_frames: int = 48
    key_len: int = 6
    size: int = 64
    fps: float = 12
    seed: int = 0
    decoy_scale: float = 0.7
    decoy_contrast: float = 0.6
    noise: float = 0.03
    task: str = 'decoy'
    cue_len: int = 0

    def __post_init__(self) -> None:
        _check_int('num_classes', self.num_classes, 2, MAX_CLASSES)
        _check_int('train_per_class', self.train_per_class, 1, 10000)
        _check_int('val_per_class', self.val_per_class, 0, 10000)
        _check_int('test_per_class', self.test_per_class, 0, 10000)
        _check_int('num_frames', self.num_frames, 2, 10000)
        _check_int('key_len', self.key_len, 1, self.num_frames)
        _check_int('size', self.size, 16, 1024)
        if self.size % 2:
            raise ValueError(f'size must be even (the MPEG-4 encoder needs '
                             f'even dimensions), but got {self.size!r}.')
        _check_real('fps', self.fps, 0, 240, low_open=True)
        _check_int('seed', self.seed, 0, 2**32 - 1)
        _check_real('decoy_scale', self.decoy_scale, 0, 1, low_open=True)
        _check_real('decoy_contrast', self.decoy_contrast, 0, 1)
        _check_real('noise', self.noise, 0, 0.5)
        if self.task not in TASKS:
            raise ValueError(f'task must be one of {TASKS}, but got '
                             f'{self.task!r}.')
        if self.task == 'context':
            # the cue and the key action must fit: cue_len + key_len <= T
            _check_int('cue_len', self.cue_len, 1,
                       self.num_frames - self.key_len)
        elif self.cue_len != 0:
            raise ValueError(f"cue_len is for task='context' only; got "
                             f'cue_len={self.cue_len!r} with task='
                             f'{self.task!r}.')

    def per_class(self, split: str) -> int:
        """Videos per class of ``split`` (one of :data:`SPLITS`)."""
        if split not in SPLITS:
            raise ValueError(f'split must be one of {SPLITS}, '
                             f'but got {split!r}.')
        return getattr(self, f'{split}_per_class')


def class_appearance(label: int) -> Tuple[str, str, str]:
    """The look and motion of class ``label``.

    Class ``c`` has shape ``SHAPES[c % 10]``, colour ``COLOURS[c // 10]`` and
    trajectory ``TRAJECTORIES[(c + 3 * (c // 10)) % 10]``, so every class up
    to :data:`MAX_CLASSES` has a distinct (shape, colour) pair.

    Args:
        label (int): Class index in ``[0, MAX_CLASSES)``.

    Returns:
        tuple[str, str, str]: ``(shape, colour_name, trajectory)``.
    """
    _check_int('label', label, 0, MAX_CLASSES - 1)
    group = label // len(SHAPES)
    return (SHAPES[label % len(SHAPES)], COLOURS[group][0],
            TRAJECTORIES[(label + 3 * group) % len(TRAJECTORIES)])


def class_names(num_classes: int) -> List[str]:
    """Names ``'{colour}_{shape}_{trajectory}'`` of the first classes.

    Args:
        num_classes (int): Number of classes, in ``[1, MAX_CLASSES]``.

    Returns:
        list[str]: One name per class.
    """
    _check_int('num_classes', num_classes, 1, MAX_CLASSES)
    names = []
    for label in range(num_classes):
        shape, colour, trajectory = class_appearance(label)
        names.append(f'{colour}_{shape}_{trajectory}')
    return names


def _class_colour(label: int) -> np.ndarray:
    return np.asarray(COLOURS[label // len(SHAPES)][1], dtype=np.float32)


def object_mask(shape: str, center: Tuple[float, float], radius: float,
                size: int) -> np.ndarray:
    """Binary mask of one object in a ``size x size`` frame.

    Pixel ``(i, j)`` has its centre at ``(x, y) = (j + 0.5, i + 0.5)``. Every
    shape fits in, and is symmetric about the centre of, the square of half
    side ``radius`` around ``center``.

    Args:
        shape (str): One of :data:`SHAPES`.
        center (tuple[float, float]): ``(x, y)`` in pixels.
        radius (float): Half extent in pixels, > 0.
        size (int): Frame height and width in pixels.

    Returns:
        np.ndarray: ``bool`` array of shape ``(size, size)``.
    """
    if shape not in SHAPES:
        raise ValueError(f'shape must be one of {SHAPES}, but got {shape!r}.')
    if not radius > 0:
        raise ValueError(f'radius must be > 0, but got {radius!r}.')
    coords = np.arange(size, dtype=np.float32) + 0.5
    dx = (coords - np.float32(center[0]))[None, :]
    dy = (coords - np.float32(center[1]))[:, None]
    adx, ady, r = np.abs(dx), np.abs(dy), np.float32(radius)
    if shape == 'square':
        m = np.maximum(adx, ady) <= 0.8 * r
    elif shape == 'disc':
        m = dx**2 + dy**2 <= r**2
    elif shape == 'triangle':  # apex up, base at the bottom
        m = (ady <= 0.8 * r) & (adx <= (dy + 0.8 * r) / 1.6)
    elif shape == 'cross':
        m = ((adx <= 0.3 * r) & (ady <= r)) | ((ady <= 0.3 * r) & (adx <= r))
    elif shape == 'ring':
        d2 = dx**2 + dy**2
        m = (d2 <= r**2) & (d2 >= (0.55 * r)**2)
    elif shape == 'diamond':
        m = adx + ady <= r
    elif shape == 'hbar':
        m = (adx <= r) & (ady <= 0.3 * r)
    elif shape == 'vbar':
        m = (adx <= 0.3 * r) & (ady <= r)
    elif shape == 'xcross':
        w = 0.3 * r * math.sqrt(2)
        m = ((np.abs(dx - dy) <= w) | (np.abs(dx + dy) <= w)) \
            & (np.maximum(adx, ady) <= 0.75 * r)
    else:  # frame: a hollow square
        cheb = np.maximum(adx, ady)
        m = (cheb <= 0.85 * r) & (cheb >= 0.5 * r)
    return m


def _trajectory(name: str, phase: float, offset: np.ndarray,
                size: int) -> Tuple[float, float]:
    """Object centre ``(x, y)`` in pixels at ``phase`` in ``[0, 1]``."""
    if name.startswith('circle'):
        sign = 1.0 if name == 'circle_cw' else -1.0  # y points down
        angle = -0.5 * math.pi + sign * 1.5 * math.pi * phase
        x = 0.5 + _CIRCLE_RADIUS * math.cos(angle)
        y = 0.5 + _CIRCLE_RADIUS * math.sin(angle)
    else:
        ux = ('right' in name) - ('left' in name)
        uy = ('down' in name) - ('up' in name)
        norm = math.hypot(ux, uy)
        x = 0.5 + (phase - 0.5) * _LINEAR_AMP * ux / norm
        y = 0.5 + (phase - 0.5) * _LINEAR_AMP * uy / norm
    return ((x + offset[0]) * size, (y + offset[1]) * size)


def _background(size: int, rng: np.random.Generator) -> np.ndarray:
    """A static texture: a random tint plus two random gratings."""
    coords = (np.arange(size, dtype=np.float32) + 0.5) / size
    xx, yy = coords[None, :], coords[:, None]
    img = np.broadcast_to(
        rng.uniform(0.05, 0.18, size=3).astype(np.float32),
        (size, size, 3)).copy()
    for _ in range(2):
        theta = rng.uniform(0, math.pi)
        freq = rng.uniform(1.0, 4.0)
        phase = rng.uniform(0, 2 * math.pi)
        wave = np.sin(2 * math.pi * freq *
                      (xx * math.cos(theta) + yy * math.sin(theta)) + phase)
        weights = rng.uniform(0.0, 0.06, size=3).astype(np.float32)
        img += wave[..., None] * weights
    return np.clip(img, 0.0, _BG_MAX)


def _fold(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """Reflect ``x`` into ``[low, high]`` (a bouncing path)."""
    span = high - low
    y = np.mod(x - low, 2 * span)
    return low + np.where(y > span, 2 * span - y, y)


def _action_phase(frame: int, length: int) -> float:
    """Phase in ``[0, 1]`` of frame ``frame`` of an action ``length`` long."""
    return frame / (length - 1) if length > 1 else 0.5


def _border_mask(size: int) -> np.ndarray:
    """The cue of the ``'context'`` task: a border round the frame."""
    width = max(1, round(_CUE_WIDTH * size))
    mask = np.zeros((size, size), dtype=bool)
    mask[:width], mask[-width:], mask[:, :width], mask[:, -width:] = \
        True, True, True, True
    return mask


def render_video(spec: SyntheticSpec, label: int, key_start: int,
                 decoy_label: int, rng: np.random.Generator) -> np.ndarray:
    """Render one video of class ``label``.

    The key action of ``label`` occupies frames ``[key_start, key_start +
    spec.key_len)``. For ``task='decoy'`` a decoy of class ``decoy_label`` is
    visible on the frames outside ``[key_start - g, key_start + key_len +
    g)``, ``g = max(1, key_len // 3)``; for ``'position'`` and ``'context'``
    the distractor ``decoy_label`` repeats its action on every frame outside
    the key action and the cue (``[key_start - cue_len, key_start)``, a
    border round the frame). ``rng`` draws the background, the blob, the
    positional jitter and the noise; the function is otherwise pure, so the
    same ``rng`` state gives the same video.

    Args:
        spec (SyntheticSpec): Frame count, size, key length, decoy look and
            noise.
        label (int): Class of the key action, in ``[0, spec.num_classes)``.
        key_start (int): First frame of the key action, in
            ``[0, spec.num_frames - spec.key_len]``.
        decoy_label (int): Class of the decoy, in ``[0, spec.num_classes)``
            and different from ``label``.
        rng (np.random.Generator): Source of randomness.

    Returns:
        np.ndarray: ``uint8`` RGB video of shape ``(T, H, W, 3)``.
    """
    num_classes, T, S = spec.num_classes, spec.num_frames, spec.size
    _check_int('label', label, 0, num_classes - 1)
    _check_int('decoy_label', decoy_label, 0, num_classes - 1)
    if decoy_label == label:
        raise ValueError(f'decoy_label must differ from label, but both '
                         f'are {label!r}.')
    low = spec.cue_len if spec.task == 'context' else 0
    _check_int('key_start', key_start, low, T - spec.key_len)
    if spec.task == 'position' and key_start != T - spec.key_len:
        raise ValueError(f"task='position' puts the key action on the last "
                         f'{spec.key_len} frames (key_start '
                         f'{T - spec.key_len}), but got {key_start!r}.')
    key_end = key_start + spec.key_len
    gap = max(1, spec.key_len // 3)
    cue_start = key_start - spec.cue_len  # == key_start unless 'context'

    radius = _OBJ_RADIUS * S
    key_shape, _, key_traj = class_appearance(label)
    key_colour = _class_colour(label)
    key_offset = rng.uniform(-_JITTER, _JITTER, size=2)
    decoy_shape, _, decoy_traj = class_appearance(decoy_label)
    decoy_colour = _class_colour(decoy_label)
    decoy_offset = rng.uniform(-_JITTER, _JITTER, size=2)

    background = _background(S, rng)
    # A soft blob bouncing around the frame, in every video of every class.
    blob_colour = rng.uniform(0.35, _BLOB_MAX, size=3).astype(np.float32)
    blob_sigma = rng.uniform(0.08, 0.12) * S
    blob_angle = rng.uniform(0, 2 * math.pi)
    t = np.arange(T, dtype=np.float64)
    step = 0.6 * S / max(T - 1, 1)
    blob_x = _fold(rng.uniform(0.2, 0.8) * S + step * math.cos(blob_angle) * t,
                   0.1 * S, 0.9 * S)
    blob_y = _fold(rng.uniform(0.2, 0.8) * S + step * math.sin(blob_angle) * t,
                   0.1 * S, 0.9 * S)
    coords = np.arange(S, dtype=np.float32) + 0.5

    video = np.empty((T, S, S, 3), dtype=np.float32)
    for i in range(T):
        frame = background.copy()
        gx = np.exp(-0.5 * ((coords - blob_x[i]) / blob_sigma)**2)
        gy = np.exp(-0.5 * ((coords - blob_y[i]) / blob_sigma)**2)
        alpha = (_BLOB_ALPHA * gy[:, None] * gx[None, :])[..., None]
        frame = frame * (1 - alpha) + blob_colour * alpha
        if key_start <= i < key_end:
            center = _trajectory(key_traj, _action_phase(i - key_start,
                                                         spec.key_len),
                                 key_offset, S)
            mask = object_mask(key_shape, center, radius, S)
            frame[mask] = key_colour
        elif cue_start <= i < key_start:  # 'context' only
            frame[_border_mask(S)] = 1.0
        elif spec.task != 'decoy':
            # the distractor repeats its action, key_len frames each time,
            # from the start of its stretch (before the cue / after the key)
            first = 0 if i < cue_start else key_end
            center = _trajectory(decoy_traj, _action_phase(
                (i - first) % spec.key_len, spec.key_len), decoy_offset, S)
            mask = object_mask(decoy_shape, center, radius, S)
            frame[mask] = decoy_colour
        elif i < key_start - gap or i >= key_end + gap:
            center = _trajectory(decoy_traj, i / (T - 1), decoy_offset, S)
            mask = object_mask(decoy_shape, center,
                               radius * spec.decoy_scale, S)
            a = np.float32(spec.decoy_contrast)
            frame[mask] = frame[mask] * (1 - a) + decoy_colour * a
        video[i] = frame
    if spec.noise > 0:
        video += rng.normal(0.0, spec.noise, size=video.shape).astype(
            np.float32)
    return np.round(np.clip(video, 0.0, 1.0) * 255).astype(np.uint8)


def _plan_split(spec: SyntheticSpec, split: str) -> List[Dict]:
    """Labels, key windows and decoys of one split, drawn from the seed.

    Each split, and each video's rendering, has its own random stream
    derived from ``(seed, split, index)``, so a video comes out the same
    whichever other videos are (re)generated.
    """
    split_id = SPLITS.index(split)
    rng = np.random.default_rng([spec.seed, split_id, 0])
    labels = np.repeat(np.arange(spec.num_classes), spec.per_class(split))
    rng.shuffle(labels)
    n = len(labels)
    low = spec.cue_len if spec.task == 'context' else 0
    starts = rng.integers(low, spec.num_frames - spec.key_len + 1, size=n)
    if spec.task == 'position':
        starts[:] = spec.num_frames - spec.key_len
    decoys = (labels + rng.integers(1, spec.num_classes, size=n)) \
        % spec.num_classes
    plan = []
    for idx in range(n):
        label = int(labels[idx])
        plan.append(
            dict(
                path=f'videos/{split}/{split}_{idx:04d}_c{label}.mp4',
                label=label,
                key_start=int(starts[idx]),
                key_end=int(starts[idx]) + spec.key_len,
                cue_start=int(starts[idx]) - spec.cue_len,
                decoy_label=int(decoys[idx])))
    return plan


def _video_rng(spec: SyntheticSpec, split: str,
               idx: int) -> np.random.Generator:
    return np.random.default_rng([spec.seed, SPLITS.index(split), 1, idx])


def _video_ok(path: str, spec: SyntheticSpec) -> bool:
    """Whether ``path`` is a readable video with the expected geometry."""
    if not osp.isfile(path) or osp.getsize(path) == 0:
        return False
    cap = cv2.VideoCapture(path)
    try:
        return (cap.isOpened() and int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
                == spec.num_frames
                and int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)) == spec.size
                and int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)) == spec.size)
    finally:
        cap.release()


def _write_video(path: str, video: np.ndarray, spec: SyntheticSpec) -> None:
    """Write an RGB ``video`` to ``path`` atomically (temp file + replace)."""
    tmp = path[:-len('.mp4')] + _TMP_SUFFIX
    writer = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*'mp4v'),
                             float(spec.fps), (spec.size, spec.size))
    if not writer.isOpened():
        raise RuntimeError(f'OpenCV cannot open an mp4v writer for {tmp}.')
    try:
        for frame in video:
            writer.write(np.ascontiguousarray(frame[..., ::-1]))  # RGB->BGR
    finally:
        writer.release()
    if not _video_ok(tmp, spec):
        os.remove(tmp)
        raise RuntimeError(f'OpenCV wrote an unreadable video to {tmp}.')
    os.replace(tmp, path)


def _write_text(path: str, text: str) -> bool:
    """Write ``text`` atomically unless ``path`` already holds it.

    Returns:
        bool: Whether the file was written.
    """
    if osp.isfile(path):
        with open(path, encoding='utf-8') as f:
            if f.read() == text:
                return False
    with atomic_open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    return True


def _spec_json(spec: SyntheticSpec) -> Dict:
    return json.loads(json.dumps(asdict(spec)))


def _check_same_spec(path: str, spec: SyntheticSpec) -> Optional[Dict]:
    """Load the JSON at ``path`` and raise unless it was made with ``spec``.

    Returns:
        dict | None: The loaded JSON, or None when ``path`` does not exist.
    """
    if not osp.isfile(path):
        return None
    out_dir = osp.dirname(path)
    try:
        with open(path, encoding='utf-8') as f:
            stored = json.load(f)
        old_spec = stored['spec']
        old_version = stored['generator_version']
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ValueError(
            f'{path} exists but is not a synthetic-dataset file ({e}); '
            f'pick another out_dir or delete {out_dir}.') from e
    new_spec = _spec_json(spec)
    if old_spec != new_spec or old_version != GENERATOR_VERSION:
        diff = {
            k: (old_spec.get(k), v)
            for k, v in new_spec.items() if old_spec.get(k) != v
        } if isinstance(old_spec, dict) else old_spec
        raise ValueError(
            f'{out_dir} holds a synthetic dataset made with a different '
            f'spec or generator version (differences, old -> new: {diff}; '
            f'generator version {old_version} -> {GENERATOR_VERSION}). '
            f'Pick another out_dir or delete {out_dir}.')
    return stored


def _list_text(plan: List[Dict]) -> str:
    return ''.join(f'{v["path"]} {v["label"]}\n' for v in plan)


def make_synthetic_dataset(out_dir: str,
                           spec: Optional[SyntheticSpec] = None,
                           verbose: bool = True) -> Dict:
    """Generate the synthetic dataset into ``out_dir`` (idempotent).

    Layout::

        out_dir/
            videos/{split}/{split}_{idx:04d}_c{label}.mp4
            {split}_list.txt   # "videos/{split}/..._c{label}.mp4 {label}"
            meta.json          # written last: its presence means complete

    The list files are in MMAction2 ``VideoDataset`` format, with paths
    relative to ``out_dir``; use ``ann_file='{out_dir}/train_list.txt'``
    and ``data_prefix=dict(video='{out_dir}')``. Every split is written,
    with an empty list where it has no videos. ``meta.json`` holds the
    spec, the generator version, the class names and, per split and video,
    ``path``, ``label``, ``key_start``, ``key_end`` (exclusive) and
    ``decoy_label``.

    If ``meta.json`` exists with the same spec and every video is complete,
    nothing is written. A partial directory (an interrupted run) is resumed:
    videos already complete are kept, and since every video has its own
    random stream the result equals a run from scratch. Every file is
    written to a temporary name in its final directory, then renamed.

    Args:
        out_dir (str): Output directory, created if needed.
        spec (SyntheticSpec, optional): What to generate. Defaults to
            ``SyntheticSpec()``.
        verbose (bool): Print one progress line per split. Defaults to True.

    Returns:
        dict: The contents of ``meta.json``.

    Raises:
        ValueError: If ``out_dir`` holds a dataset (complete or partial)
            made with a different spec.
    """
    spec = SyntheticSpec() if spec is None else spec
    if not isinstance(spec, SyntheticSpec):
        raise ValueError(f'spec must be a SyntheticSpec, but got '
                         f'{type(spec).__name__}.')
    meta_path = osp.join(out_dir, _META)
    progress_path = osp.join(out_dir, _PROGRESS)
    old_meta = _check_same_spec(meta_path, spec)
    plans = {split: _plan_split(spec, split) for split in SPLITS}
    if old_meta is not None and all(
            _video_ok(osp.join(out_dir, v['path']), spec)
            for plan in plans.values() for v in plan) and all(
                osp.isfile(osp.join(out_dir, f'{s}_list.txt'))
                for s in SPLITS):
        if verbose:
            print(f'[synthetic] {out_dir} is complete; nothing to do.')
        return old_meta
    if old_meta is None:
        _check_same_spec(progress_path, spec)
        os.makedirs(out_dir, exist_ok=True)
        _write_text(
            progress_path,
            json.dumps(
                dict(generator_version=GENERATOR_VERSION,
                     spec=_spec_json(spec))))

    for split in SPLITS:
        split_dir = osp.join(out_dir, 'videos', split)
        os.makedirs(split_dir, exist_ok=True)
        for name in os.listdir(split_dir):  # leftovers of a killed run
            if name.endswith(_TMP_SUFFIX):
                os.remove(osp.join(split_dir, name))
        written = 0
        for idx, video in enumerate(plans[split]):
            path = osp.join(out_dir, video['path'])
            if _video_ok(path, spec):
                continue
            frames = render_video(spec, video['label'], video['key_start'],
                                  video['decoy_label'],
                                  _video_rng(spec, split, idx))
            _write_video(path, frames, spec)
            written += 1
        if verbose:
            n = len(plans[split])
            print(f'[synthetic] {split}: {n} videos '
                  f'({written} written, {n - written} already there)',
                  flush=True)
        _write_text(osp.join(out_dir, f'{split}_list.txt'),
                    _list_text(plans[split]))

    meta = dict(
        generator_version=GENERATOR_VERSION,
        spec=_spec_json(spec),
        classes=class_names(spec.num_classes),
        splits={
            split: dict(list=f'{split}_list.txt', videos=plans[split])
            for split in SPLITS
        })
    meta = json.loads(json.dumps(meta))
    _write_text(meta_path, json.dumps(meta, indent=1) + '\n')
    if osp.isfile(progress_path):
        os.remove(progress_path)
    return meta

