"""Read, fuse and score the result pickles of ``tools/test.py --dump``.

A result pickle (mmengine's ``DumpResults``) is a list with one dict per test
video, in dataset order. Each dict holds at least ``pred_score`` (C,), the
class probabilities averaged over views, and ``gt_label`` (1,); values are
torch tensors or numpy arrays. A ``DATPHead`` also dumps ``pooled_score``
(V, C), the paper's pooled score S of Eq. 3 for each view, which is what
the paper's late fusion adds (see :data:`FUSION_SCORES`). Only numpy is
needed here: torch is imported lazily, and only to write pickles in the
same format.

Accuracies are fractions in [0, 1]. Ties between class scores are broken in
favour of the lower class index, like ``argmax``.

:func:`accuracy_report` gives the same numbers as MMAction2's
``mmaction.evaluation.functional.top_k_accuracy`` and
``mean_class_accuracy`` on scores without ties, where every predicted class
occurs among the labels (tested). It does not call them, because they
differ elsewhere, and because this module must import without MMAction2
(``MMDATP_NO_REGISTER=1``):

- on tied scores (an untrained or uniform model), MMAction2's top-k
  picks the highest class index and ``argmax`` the lowest;
- MMAction2's mean class accuracy counts a class that is predicted but
  has no test video as accuracy 0, which lowers the mean by how many such
  classes the predictions hit; here the mean is over the classes present in
  the labels, as in the paper.
"""
import json
import os
import os.path as osp
import pickle
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from ..utils import atomic_open

RESULT_EXTENSIONS = ('.pkl', '.pickle')

#: What late fusion adds, per stream (``--fuse-on``):
#: ``'pooled'`` (default): the paper's pooled score S = sum_i I_i w_i / ||w||
#: (Eq. 3; Sec. 4.2 fuses "two pooled vectors"), averaged over views. Its
#: entries sum to sum_i w_i / ||w|| in [1, sqrt(N)], so a stream with flatter
#: weights weighs up to sqrt(N) times more than one with peaked weights.
#: ``'normalised'``: S / sum_c S (``pred_score``, the class probabilities),
#: which gives every stream the same scale; also the only choice for dumps
#: without ``pooled_score`` (e.g. a plain TSNHead).
FUSION_SCORES = dict(pooled='pooled_score', normalised='pred_score')


def _to_numpy(value: Any) -> np.ndarray:
    """Convert a torch tensor, numpy array or number to a numpy array."""
    if hasattr(value, 'detach'):  # torch.Tensor, without importing torch
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def load_results(path: str,
                 score_key: str = 'pred_score'
                 ) -> Tuple[np.ndarray, np.ndarray]:
    """Load the class scores and labels of a result pickle.

    Args:
        path (str): A pickle written by ``tools/test.py ... --dump``: a list
            of dicts with ``pred_score`` (C,) and ``gt_label`` (1,).
        score_key (str): Which scores: ``'pred_score'`` (C,) or
            ``'pooled_score'`` ((V, C) or (C,), averaged over the V views).
            Defaults to ``'pred_score'``.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``scores`` of shape (M, C), float64,
        and ``labels`` of shape (M,), int64, for the M videos in file order.

    Raises:
        FileNotFoundError: If ``path`` is not a file.
        ValueError: If the pickle cannot be read, is not a non-empty list of
            dicts, or an entry lacks ``pred_score`` / ``gt_label`` or has
            values of the wrong shape.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'result file {path!r} does not exist')
    try:
        with open(path, 'rb') as f:
            results = pickle.load(f)
    except Exception as e:  # truncated file, not a pickle, missing module
        raise ValueError(f'{path}: cannot unpickle the result file '
                         f'({type(e).__name__}: {e})') from e
    if not isinstance(results, list):
        raise ValueError(f'{path}: expected a list of dicts (one per video, '
                         f'as written by --dump), got '
                         f'{type(results).__name__}')
    if not results:
        raise ValueError(f'{path}: the result list is empty')

    scores, labels = [], []
    for idx, item in enumerate(results):
        if not isinstance(item, dict):
            raise ValueError(f'{path}: entry {idx} should be a dict, got '
                             f'{type(item).__name__}')
        for key in (score_key, 'gt_label'):
            if key not in item:
                hint = ''
                if key == FUSION_SCORES['pooled']:
                    hint = ('; a DATPHead dump has it, for others fuse '
                            'S / sum S with --fuse-on normalised')
                raise ValueError(f'{path}: entry {idx} has no {key!r} key '
                                 f'(keys: {sorted(item)}){hint}')
        score = _to_numpy(item[score_key]).astype(np.float64)
        if score_key == FUSION_SCORES['pooled'] and score.ndim == 2:
            score = score.mean(0)  # (V, C): the mean over the views
        if score.ndim != 1 or score.size == 0:
            raise ValueError(f'{path}: entry {idx} key {score_key!r} should '
                             f'have shape (C,), got {score.shape}')
        if scores and score.shape != scores[0].shape:
            raise ValueError(f'{path}: entry {idx} key {score_key!r} has '
                             f'shape {score.shape}, entry 0 has '
                             f'{scores[0].shape}')
        if not np.all(np.isfinite(score)):
            raise ValueError(f'{path}: entry {idx} key {score_key!r} has '
                             'non-finite values')
        label = _to_numpy(item['gt_label'])
        if label.size != 1 or not np.issubdtype(label.dtype, np.integer):
            raise ValueError(f'{path}: entry {idx} key \'gt_label\' should '
                             'be a single integer (a shape (1,) tensor), got '
                             f'dtype {label.dtype} shape {label.shape}')
        label = int(label.reshape(-1)[0])
        if not 0 <= label < score.shape[0]:
            raise ValueError(f'{path}: entry {idx} key \'gt_label\' is '
                             f'{label}, outside [0, {score.shape[0]}) of '
                             'its pred_score')
        scores.append(score)
        labels.append(label)
    return np.stack(scores), np.asarray(labels, dtype=np.int64)


def save_results(path: str,
                 scores: np.ndarray,
                 labels: np.ndarray,
                 pooled_scores: Optional[np.ndarray] = None) -> None:
    """Write scores and labels as a result pickle, atomically.

    The format is the one :func:`load_results` reads and ``--dump`` writes:
    a list of dicts with ``pred_score`` (C,), ``pred_label`` (1,) and
    ``gt_label`` (1,) as torch tensors. The pickle is written to a temporary
    file next to ``path`` and moved into place with ``os.replace``.

    Args:
        path (str): Output file, ending in ``.pkl`` or ``.pickle``.
        scores (np.ndarray): Class scores of shape (M, C).
        labels (np.ndarray): Ground-truth labels of shape (M,).
        pooled_scores (np.ndarray, optional): The pooled scores S, (M, C)
            or (M, V, C), written as ``pooled_score``. Defaults to None.
    """
    import torch  # only needed to keep the --dump format

    if not path.endswith(RESULT_EXTENSIONS):
        raise ValueError(f'output file must end in .pkl or .pickle, got '
                         f'{path!r}')
    scores = np.asarray(scores)
    labels = np.asarray(labels)
    _check_scores_labels(scores, labels)
    results = [
        dict(
            pred_score=torch.from_numpy(scores[i].copy()),
            pred_label=torch.tensor([int(np.argmax(scores[i]))]),
            gt_label=torch.tensor([int(labels[i])], dtype=torch.int64))
        for i in range(scores.shape[0])
    ]
    if pooled_scores is not None:
        pooled_scores = np.asarray(pooled_scores)
        if pooled_scores.shape[0] != scores.shape[0] or \
                pooled_scores.shape[-1] != scores.shape[1]:
            raise ValueError(f'pooled_scores has shape {pooled_scores.shape}'
                             f', scores {scores.shape}; give (M, C) or '
                             '(M, V, C)')
        for item, pooled in zip(results, pooled_scores):
            item['pooled_score'] = torch.from_numpy(pooled.copy())
    with atomic_open(path) as f:
        pickle.dump(results, f)


def check_labels_match(label_arrays: Sequence[np.ndarray],
                       names: Optional[Sequence[str]] = None) -> None:
    """Check that several result files hold the same videos in one order.

    Args:
        label_arrays (Sequence[np.ndarray]): Labels (M,) of each stream.
        names (Sequence[str], optional): A name per stream for the error
            message (e.g. the file names). Defaults to ``stream 0``, ...

    Raises:
        ValueError: If the numbers of videos differ, or at the first index
            whose labels differ.
    """
    if names is None:
        names = [f'stream {i}' for i in range(len(label_arrays))]
    if len(names) != len(label_arrays):
        raise ValueError(f'got {len(names)} names for {len(label_arrays)} '
                         'label arrays')
    if not label_arrays:
        return
    ref = np.asarray(label_arrays[0])
    for name, labels in zip(names[1:], label_arrays[1:]):
        labels = np.asarray(labels)
        if labels.shape != ref.shape:
            raise ValueError(f'{name} has {labels.shape[0]} videos but '
                             f'{names[0]} has {ref.shape[0]}; the result '
                             'files must cover the same test videos')
        diff = np.flatnonzero(labels != ref)
        if diff.size:
            i = int(diff[0])
            raise ValueError(
                f'labels differ at video index {i}: {names[0]} has '
                f'{int(ref[i])}, {name} has {int(labels[i])} '
                f'({diff.size} mismatches); the result files must list the '
                'same videos in the same order')


def fuse_scores(score_arrays: Sequence[np.ndarray],
                weights: Sequence[float]) -> np.ndarray:
    """Late fusion: the weighted sum of the class scores of several streams.

    The paper (Sec. 4.2) fuses the pooled scores S of the spatial and
    temporal streams with weights 1 and 1.5 (load them with
    ``load_results(path, FUSION_SCORES['pooled'])``; see
    :data:`FUSION_SCORES` for S against S / sum S).

    Args:
        score_arrays (Sequence[np.ndarray]): Scores (M, C) of each stream,
            for the same M videos in the same order.
        weights (Sequence[float]): One finite, non-negative weight per stream,
            not all zero.

    Returns:
        np.ndarray: Fused scores of shape (M, C), float64.
    """
    if len(score_arrays) != len(weights):
        raise ValueError(f'got {len(score_arrays)} score arrays but '
                         f'{len(weights)} weights; give one weight per stream')
    if not score_arrays:
        raise ValueError('fuse_scores needs at least one score array')
    weights = np.asarray(weights, dtype=np.float64)
    if not np.all(np.isfinite(weights)) or np.any(weights < 0) or \
            not np.any(weights > 0):
        raise ValueError('fusion weights must be finite, non-negative and '
                         f'not all zero, got {weights.tolist()}')
    arrays = [np.asarray(s, dtype=np.float64) for s in score_arrays]
    ref = arrays[0].shape
    if len(ref) != 2:
        raise ValueError(f'score arrays must have shape (M, C), stream 0 has '
                         f'{ref}')
    for i, arr in enumerate(arrays[1:], start=1):
        if arr.shape != ref:
            raise ValueError(
                f'score arrays differ in shape: stream 0 has {ref} and stream '
                f'{i} has {arr.shape} (videos, classes); fuse results of the '
                'same test videos and classes')
    fused = np.zeros(ref, dtype=np.float64)
    for w, arr in zip(weights, arrays):
        fused += w * arr
    return fused


def _check_scores_labels(scores: np.ndarray, labels: np.ndarray) -> None:
    """Check that scores are (M, C) and labels are M integers in [0, C)."""
    if scores.ndim != 2:
        raise ValueError(f'scores must have shape (M, C), got {scores.shape}')
    if labels.shape != (scores.shape[0], ):
        raise ValueError(f'labels must have shape ({scores.shape[0]},) to '
                         f'match scores {scores.shape}, got {labels.shape}')
    if labels.size and (labels.min() < 0 or labels.max() >= scores.shape[1]):
        raise ValueError(f'labels must lie in [0, {scores.shape[1]}), got '
                         f'values in [{labels.min()}, {labels.max()}]')


def _label_ranks(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Rank (0 = best) of each video's true class; ties favour low indices."""
    true = scores[np.arange(scores.shape[0]), labels][:, None]
    cls = np.arange(scores.shape[1])[None, :]
    above = (scores > true) | ((scores == true) & (cls < labels[:, None]))
    return above.sum(axis=1)


def per_class_accuracy(scores: np.ndarray, labels: np.ndarray,
                       num_classes: Optional[int] = None) -> np.ndarray:
    """Top-1 accuracy of each class.

    Args:
        scores (np.ndarray): Class scores of shape (M, C).
        labels (np.ndarray): Ground-truth labels of shape (M,).
        num_classes (int, optional): Length of the output; must be at least
            C. Defaults to C.

    Returns:
        np.ndarray: Accuracy of each class (num_classes,), float64; NaN for
        classes without a video in ``labels``.
    """
    scores = np.asarray(scores)
    labels = np.asarray(labels).astype(np.int64)
    _check_scores_labels(scores, labels)
    if num_classes is None:
        num_classes = scores.shape[1]
    if num_classes < scores.shape[1]:
        raise ValueError(f'num_classes ({num_classes}) is smaller than the '
                         f'{scores.shape[1]} classes of the scores')
    correct = (_label_ranks(scores, labels) == 0).astype(np.float64)
    hits = np.bincount(labels, weights=correct, minlength=num_classes)
    counts = np.bincount(labels, minlength=num_classes)
    acc = np.full(num_classes, np.nan)
    present = counts > 0
    acc[present] = hits[present] / counts[present]
    return acc


def accuracy_report(scores: np.ndarray,
                    labels: np.ndarray,
                    topk: Sequence[int] = (1, 5)) -> Dict[str, float]:
    """Top-k accuracies and the mean class accuracy.

    Args:
        scores (np.ndarray): Class scores of shape (M, C).
        labels (np.ndarray): Ground-truth labels of shape (M,).
        topk (Sequence[int]): The k of each top-k accuracy; a k of C or more
            gives 1. Defaults to (1, 5).

    Returns:
        dict[str, float]: ``top{k}`` for each k and ``mean_class_acc``, the
        mean of the per-class top-1 accuracies over the classes present in
        ``labels``; all fractions in [0, 1].
    """
    scores = np.asarray(scores)
    labels = np.asarray(labels).astype(np.int64)
    _check_scores_labels(scores, labels)
    if scores.shape[0] == 0:
        raise ValueError('cannot compute accuracies of zero videos')
    ranks = _label_ranks(scores, labels)
    report = {}
    for k in topk:
        if int(k) != k or k < 1:
            raise ValueError(f'topk values must be positive integers, got '
                             f'{k!r}')
        report[f'top{int(k)}'] = float(np.mean(ranks < k))
    report['mean_class_acc'] = float(
        np.nanmean(per_class_accuracy(scores, labels)))
    return report


class ClassAccChange(NamedTuple):
    """Per-class top-1 accuracy of a baseline and a new model."""
    cls: int  #: class index
    base: float  #: accuracy of the baseline, in [0, 1]
    new: float  #: accuracy of the new model, in [0, 1]
    delta: float  #: ``new - base``


def class_accuracy_changes(
    base_scores: np.ndarray,
    new_scores: np.ndarray,
    labels: np.ndarray,
    topk: int = 5
) -> Tuple[List[ClassAccChange], List[ClassAccChange]]:
    """The classes whose top-1 accuracy rises and falls most (paper Fig. 4).

    Only classes with at least one video in ``labels`` are ranked. Ties are
    broken by class index. When fewer than ``2 * topk`` classes are present,
    ``bottom`` is drawn from the classes not already in ``top``.

    Args:
        base_scores (np.ndarray): Baseline scores of shape (M, C).
        new_scores (np.ndarray): Scores of the new model, shape (M, C), for
            the same videos.
        labels (np.ndarray): Ground-truth labels of shape (M,).
        topk (int): How many classes to list on each side. Defaults to 5.

    Returns:
        tuple[list[ClassAccChange], list[ClassAccChange]]: ``top``, the
        largest changes in decreasing order, and ``bottom``, the smallest
        changes in increasing order (largest drop first).
    """
    base_scores = np.asarray(base_scores)
    new_scores = np.asarray(new_scores)
    if base_scores.shape != new_scores.shape:
        raise ValueError(f'base scores {base_scores.shape} and new scores '
                         f'{new_scores.shape} differ in shape; compare '
                         'results of the same videos and classes')
    if int(topk) != topk or topk < 1:
        raise ValueError(f'topk must be a positive integer, got {topk!r}')
    base = per_class_accuracy(base_scores, labels)
    new = per_class_accuracy(new_scores, labels)
    delta = new - base
    present = np.flatnonzero(~np.isnan(delta))
    # Stable sorts keep the lower class index first among equal changes.
    order_up = present[np.argsort(-delta[present], kind='stable')]
    top_idx = order_up[:topk]
    rest = present[~np.isin(present, top_idx)]
    bottom_idx = rest[np.argsort(delta[rest], kind='stable')][:topk]

    def _entry(c: int) -> ClassAccChange:
        return ClassAccChange(int(c), float(base[c]), float(new[c]),
                              float(delta[c]))

    return [_entry(c) for c in top_idx], [_entry(c) for c in bottom_idx]


def load_class_names(path: str,
                     num_classes: Optional[int] = None) -> List[str]:
    """Read class names from a text file or a JSON file.

    Args:
        path (str): Either a ``.json`` file holding a list of names or a dict
            with key ``classes`` (like the ``meta.json`` of the synthetic
            dataset), or a text file with one name per line (blank lines
            are skipped).
        num_classes (int, optional): The expected number of names; not
            checked if None. Defaults to None.

    Returns:
        list[str]: The class names, in class-index order.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'class-name file {path!r} does not exist')
    if path.endswith('.json'):
        with open(path, encoding='utf-8') as f:
            try:
                data = json.load(f)
            except json.JSONDecodeError as e:
                raise ValueError(f'{path}: not valid JSON ({e})') from e
        if isinstance(data, dict):
            if 'classes' not in data:
                raise ValueError(f'{path}: expected a key \'classes\' with '
                                 f'the list of class names, got keys '
                                 f'{sorted(data)}')
            data = data['classes']
        if not isinstance(data, list) or not all(
                isinstance(n, str) for n in data):
            raise ValueError(f'{path}: \'classes\' should be a list of '
                             'strings')
        names = [n.strip() for n in data]
    else:
        with open(path, encoding='utf-8') as f:
            names = [line.strip() for line in f if line.strip()]
    if num_classes is not None and len(names) != num_classes:
        raise ValueError(f'{path}: has {len(names)} class names but the '
                         f'results have {num_classes} classes')
    return names
