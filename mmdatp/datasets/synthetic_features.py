"""Synthetic per-segment feature sequences where a short window holds the label.

The feature-level analogue of :mod:`mmdatp.datasets.synthetic`: each video
is a ``(length, dim)`` array, saved as ``.npy``, with the structure that
motivates DATP (paper Sec. 3.1, Fig. 2)::

    row t:    0 ....... s-g | s ...... s+window-1 | s+window+g ...... T-1
    content:  decoy (class d)|   KEY (class c)     |  decoy (class d)
              + one background pattern (shared by all classes) + noise

- Class ``c`` has a unit pattern ``u_c`` (orthonormal across classes). The
  KEY rows ``[s, s + window)`` hold ``signal * u_c``; ``s`` is uniform over
  the legal starts.
- The DECOY is the pattern of another class ``d != c`` at the weaker
  amplitude ``decoy``, on every row outside ``[s - g, s + window + g)``
  (``g = max(1, window // 4)``): most rows are weaker evidence for a wrong
  class, so averaging the per-row evidence favours ``d`` whenever
  ``decoy * rows outside`` outweighs ``signal * window``.
- Every row also carries ``background * v_j`` for one pattern ``v_j`` drawn
  per video from a pool shared by all classes (uninformative), and
  Gaussian noise of std ``noise`` per dimension.

Three tasks (``task``), the same ideas as the video tasks of
:mod:`mmdatp.datasets.synthetic`:

- ``'decoy'`` (above): the decoy is weaker than the key, so per-row
  evidence already tells key rows from decoy rows.
- ``'position'``: the key window is the last ``window`` rows (a fixed
  phase of the video) and the decoy, at the key's amplitude, fills every
  other row. Key and decoy rows have the same distribution, so only the
  time of a row tells whether it counts.
- ``'context'``: the key window starts at a random row and is announced
  by ``cue_len`` rows of a class-free cue pattern (orthonormal to every
  class pattern) just before it; the decoy, at the key's amplitude, fills
  the rest. Only the cue, i.e. the neighbouring rows, tells which rows
  count.

In ``position`` and ``context`` no gap separates the decoy from the key.

Files: ``<out_dir>/{train,val}/<class>_<index>.npy`` (float32), the
annotation lists ``train_list.txt`` / ``val_list.txt``
(``<relative/path.npy> <label>``, as ``SegmentFeatureDataset`` reads them)
and ``meta.json`` with the settings and every video's key window. All files
are written atomically; depends on numpy and the standard library only.
"""
import io
import json
import os.path as osp
from typing import Dict, List, Optional

import numpy as np

from ..utils import atomic_open

__all__ = ['FEATURE_TASKS', 'make_feature_dataset']

#: Tasks of :func:`make_feature_dataset` (see the module docstring).
FEATURE_TASKS = ('decoy', 'position', 'context')

#: Bump when the generation changes.
GENERATOR_VERSION = 2  # 2: tasks position / context (decoy unchanged)


def _check_int(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
            or value < minimum:
        raise ValueError(f'make_feature_dataset: {name} must be an int >= '
                         f'{minimum}, got {value!r}')
    return int(value)


def _save_npy(path: str, array: np.ndarray) -> None:
    buf = io.BytesIO()
    np.save(buf, array)
    with atomic_open(path, 'wb') as f:
        f.write(buf.getvalue())


def make_feature_dataset(out_dir: str,
                         num_classes: int = 5,
                         videos_per_class: int = 20,
                         length: int = 60,
                         window: Optional[int] = None,
                         dim: int = 32,
                         seed: int = 0,
                         val_per_class: Optional[int] = None,
                         signal: float = 4.0,
                         decoy: Optional[float] = None,
                         background: float = 2.0,
                         noise: float = 1.0,
                         num_background_patterns: int = 4,
                         task: str = 'decoy',
                         cue_len: Optional[int] = None) -> Dict[str, str]:
    """Write a synthetic feature dataset (see the module docstring).

    Args:
        out_dir (str): Output directory (created if missing).
        num_classes (int): C >= 2; at most ``dim``. Defaults to 5.
        videos_per_class (int): Training videos per class. Defaults to 20.
        length (int): T, rows per video. Defaults to 60.
        window (int, optional): Rows of the key window, ``1 <= window <=
            length``. With N test segments, ``window >= length / N`` puts a
            chunk centre inside it. Defaults to 12, and for ``'position'``
            to ``round(0.3 * length)``.
        dim (int): D, the feature dimension. Defaults to 32.
        seed (int): Seed of everything random. Defaults to 0.
        val_per_class (int, optional): Validation videos per class.
            Defaults to ``videos_per_class``.
        signal (float): Amplitude of the class pattern in the key window.
            Defaults to 4.0.
        decoy (float, optional): Amplitude of the wrong-class pattern outside
            it. Defaults to 1.5 for ``'decoy'`` and to ``signal`` (equal
            strength) for ``'position'`` and ``'context'``.
        background (float): Amplitude of the shared background pattern.
            Defaults to 2.0.
        noise (float): Std of the Gaussian noise per dimension.
            Defaults to 1.0.
        num_background_patterns (int): Size of the shared background pool.
            Defaults to 4.
        task (str): One of :data:`FEATURE_TASKS`. Defaults to 'decoy'.
        cue_len (int, optional): Rows of the cue before the key window
            (``'context'`` only). Defaults to ``max(1, window // 2)``.

    Returns:
        dict: Paths of ``train`` and ``val`` lists and of ``meta``.
    """
    if task not in FEATURE_TASKS:
        raise ValueError(f'make_feature_dataset: task must be one of '
                         f'{FEATURE_TASKS}, got {task!r}')
    if window is None:
        window = round(0.3 * length) if task == 'position' else 12
    if decoy is None:
        decoy = 1.5 if task == 'decoy' else signal
    if task == 'context':
        cue_len = max(1, window // 2) if cue_len is None else \
            _check_int('cue_len', cue_len, 1)
    elif cue_len is not None:
        raise ValueError("make_feature_dataset: cue_len is for task="
                         f"'context' only, got cue_len={cue_len!r} with "
                         f'task={task!r}')
    num_classes = _check_int('num_classes', num_classes, 2)
    videos_per_class = _check_int('videos_per_class', videos_per_class, 1)
    length = _check_int('length', length, 1)
    window = _check_int('window', window, 1)
    dim = _check_int('dim', dim, 1)
    seed = _check_int('seed', seed, 0)
    val_per_class = videos_per_class if val_per_class is None else \
        _check_int('val_per_class', val_per_class, 0)
    num_background_patterns = _check_int('num_background_patterns',
                                         num_background_patterns, 1)
    if window > length:
        raise ValueError(f'make_feature_dataset: window must be <= length '
                         f'({length}), got {window}')
    if task == 'context' and window + cue_len > length:
        raise ValueError(f'make_feature_dataset: window + cue_len '
                         f'({window} + {cue_len}) must be <= length '
                         f'({length})')
    patterns = num_classes + (task == 'context')  # + the cue
    if patterns > dim:
        raise ValueError(f'make_feature_dataset: num_classes ({num_classes})'
                         f'{" + 1 cue" if task == "context" else ""} must be '
                         f'<= dim ({dim}) for orthonormal class patterns')
    for name, value in dict(
            signal=signal, decoy=decoy, background=background,
            noise=noise).items():
        if not value >= 0:
            raise ValueError(f'make_feature_dataset: {name} must be >= 0, '
                             f'got {value!r}')

    rng = np.random.default_rng(seed)
    # orthonormal class patterns (rows), shared background patterns
    q, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    class_patterns = q[:, :num_classes].T  # C, D
    cue_pattern = q[:, num_classes % dim]  # orthogonal to all (context)
    bg = rng.standard_normal((num_background_patterns, dim))
    bg /= np.linalg.norm(bg, axis=1, keepdims=True)
    gap = max(1, window // 4)

    settings = dict(
        generator_version=GENERATOR_VERSION,
        num_classes=num_classes,
        videos_per_class=videos_per_class,
        val_per_class=val_per_class,
        length=length,
        window=window,
        dim=dim,
        seed=seed,
        signal=signal,
        decoy=decoy,
        background=background,
        noise=noise,
        num_background_patterns=num_background_patterns,
        task=task,
        cue_len=cue_len)
    videos: Dict[str, List[Dict]] = {}
    paths = {}
    for split, per_class in (('train', videos_per_class),
                             ('val', val_per_class)):
        lines, records = [], []
        for label in range(num_classes):
            for index in range(per_class):
                if task == 'position':
                    start = length - window
                else:
                    low = cue_len if task == 'context' else 0
                    start = int(rng.integers(low, length - window + 1))
                feats = noise * rng.standard_normal((length, dim))
                feats += background * bg[rng.integers(num_background_patterns)]
                feats[start:start + window] += signal * class_patterns[label]
                other = int(rng.integers(num_classes - 1))
                other += other >= label  # any class but the label
                rows = np.ones(length, dtype=bool)
                if task == 'decoy':
                    rows[max(0, start - gap):start + window + gap] = False
                else:
                    rows[start:start + window] = False
                if task == 'context':
                    rows[start - cue_len:start] = False
                    feats[start - cue_len:start] += signal * cue_pattern
                feats[rows] += decoy * class_patterns[other]
                rel = f'{split}/class{label}_{index:04d}.npy'
                _save_npy(osp.join(out_dir, rel), feats.astype(np.float32))
                lines.append(f'{rel} {label}\n')
                records.append(
                    dict(
                        file=rel,
                        label=label,
                        decoy_label=other,
                        window=[start, start + window]))
        paths[split] = osp.join(out_dir, f'{split}_list.txt')
        with atomic_open(paths[split], 'w') as f:
            f.writelines(lines)
        videos[split] = records
    paths['meta'] = osp.join(out_dir, 'meta.json')
    with atomic_open(paths['meta'], 'w') as f:
        json.dump(dict(settings=settings, videos=videos), f, indent=1)
    return paths
