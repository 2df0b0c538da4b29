"""Accuracy averaged over the train/test splits of a dataset (paper Table 5).

UCF101 and HMDB51 come with three official splits, and the paper reports,
per dataset, the accuracy averaged over them (Sec. 4.1, Table 5). Given the
``tools/test.py --dump`` pickles of every split for each stream (e.g. RGB
and flow), :func:`collect_split_accuracies` scores each pickle and, with
fusion weights, also the late fusion of the streams on each split (Sec. 4.2:
spatial 1, temporal 1.5); :func:`format_split_table` prints the table, one
row per stream, one column per split and the mean over the splits.

The mean over splits is the mean of the per-split accuracies (each split
counts once, as in the paper), not the accuracy of the pooled videos.
Accuracies are fractions in [0, 1]; the table prints percent.
"""
from typing import Dict, List, Mapping, Optional, Sequence

import numpy as np

from .results import (FUSION_SCORES, accuracy_report, check_labels_match,
                      fuse_scores, load_results)

__all__ = [
    'FUSED', 'collect_split_accuracies', 'mean_over_splits',
    'format_split_table'
]

#: name of the fused row
FUSED = 'fused'


def collect_split_accuracies(
        streams: Mapping[str, Sequence[str]],
        weights: Optional[Sequence[float]] = None,
        topk: Sequence[int] = (1, 5),
        fuse_on: str = 'pooled') -> Dict[str, List[Dict[str, float]]]:
    """Score the result pickles of every split of every stream.

    Args:
        streams (Mapping[str, Sequence[str]]): Stream name (e.g. 'rgb') ->
            its result pickles, one per split, in split order. Every stream
            needs the same number of splits.
        weights (Sequence[float], optional): One late-fusion weight per
            stream, in the order of ``streams``; adds a ``'fused'`` row.
            The pickles of one split must then hold the same videos in the
            same order. Defaults to None (no fusion).
        topk (Sequence[int]): The k of the top-k accuracies. Defaults to
            (1, 5).
        fuse_on (str): What the fusion adds: 'pooled' (the paper's S) or
            'normalised' (S / sum S); see
            :data:`~mmdatp.evaluation.FUSION_SCORES`. Each stream's own row
            scores its predictions (S / sum S). Defaults to 'pooled'.

    Returns:
        dict[str, list[dict[str, float]]]: Name -> one
        :func:`~mmdatp.evaluation.accuracy_report` per split (``top1``,
        ``top5``, ``mean_class_acc``), in the order of ``streams``, then
        ``'fused'`` if ``weights`` is given.

    Raises:
        ValueError: If there are no streams or splits, the streams have
            different numbers of splits, ``weights`` does not give one
            weight per stream, a stream is named ``'fused'`` while fusing,
            or the pickles of a split do not hold the same videos.
    """
    if fuse_on not in FUSION_SCORES:
        raise ValueError(f'fuse_on must be one of {list(FUSION_SCORES)}, '
                         f'got {fuse_on!r}')
    names = list(streams)
    if not names:
        raise ValueError('collect_split_accuracies needs at least one stream')
    counts = {name: len(streams[name]) for name in names}
    if min(counts.values()) < 1 or len(set(counts.values())) != 1:
        raise ValueError('every stream needs the same number (>= 1) of '
                         f'result files, one per split; got {counts}')
    if weights is not None:
        if len(weights) != len(names):
            raise ValueError(f'got {len(weights)} fusion weights for '
                             f'{len(names)} streams {names}; give one per '
                             'stream')
        if FUSED in names:
            raise ValueError(f'a stream is named {FUSED!r}, the name of '
                             'the fused row; rename it')
    table: Dict[str, List[Dict[str, float]]] = {n: [] for n in names}
    if weights is not None:
        table[FUSED] = []
    for split in range(counts[names[0]]):
        paths = [streams[name][split] for name in names]
        loaded = [load_results(path) for path in paths]
        for name, (scores, labels) in zip(names, loaded):
            table[name].append(accuracy_report(scores, labels, topk))
        if weights is not None:
            labels = [lab for _, lab in loaded]
            check_labels_match(labels, names=paths)
            fused = fuse_scores(
                [load_results(p, FUSION_SCORES[fuse_on])[0] for p in paths],
                weights)
            table[FUSED].append(accuracy_report(fused, labels[0], topk))
    return table


def mean_over_splits(reports: Sequence[Mapping[str, float]]
                     ) -> Dict[str, float]:
    """The mean of each metric over the splits (each split weighs 1).

    Args:
        reports (Sequence[Mapping[str, float]]): One report per split, all
            with the same keys.

    Returns:
        dict[str, float]: Metric -> mean over the splits.
    """
    if not reports:
        raise ValueError('mean_over_splits needs at least one split')
    keys = list(reports[0])
    for i, report in enumerate(reports[1:], start=2):
        if list(report) != keys:
            raise ValueError(f'split {i} has metrics {list(report)}, split '
                             f'1 has {keys}')
    return {k: float(np.mean([r[k] for r in reports])) for k in keys}


def format_split_table(table: Mapping[str, Sequence[Mapping[str, float]]],
                       metric: str = 'top1',
                       digits: int = 1) -> str:
    """Format :func:`collect_split_accuracies` as a text table in percent.

    Args:
        table (Mapping): Name -> per-split reports.
        metric (str): The metric shown, e.g. 'top1', 'top5' or
            'mean_class_acc'. Defaults to 'top1'.
        digits (int): Decimals. Defaults to 1 (as the paper).

    Returns:
        str: A header, a rule and one row per name: the metric (%) on each
        split and its mean over the splits.
    """
    if not table:
        raise ValueError('the table is empty')
    num_splits = len(next(iter(table.values())))
    header = [f'{metric} (%)'] + [f'split {i + 1}' for i in range(num_splits)
                                  ] + ['mean']
    lines = [header]
    for name, reports in table.items():
        if len(reports) != num_splits or any(metric not in r
                                             for r in reports):
            raise ValueError(f'row {name!r} lacks {metric!r} on some of the '
                             f'{num_splits} splits')
        values = [r[metric] for r in reports]
        values.append(mean_over_splits(reports)[metric])
        lines.append([name] + [f'{100 * v:.{digits}f}' for v in values])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = [
        '  '.join([line[0].ljust(widths[0])] +
                  [c.rjust(w) for c, w in zip(line[1:], widths[1:])])
        for line in lines
    ]
    out.insert(1, '-' * len(out[0]))
    return '\n'.join(out)
