"""Where DATP's temporal weights look, on videos with a known key window.

The synthetic tasks (:mod:`mmdatp.datasets.synthetic`,
:mod:`mmdatp.datasets.synthetic_features`) record each test video's key
window. Given a dumped DATP test run (``tools/test.py --dump``, which stores
per video ``datp_times`` and ``datp_attention`` = ``w / sum w``, and for
Gaussians ``datp_rho``, ``datp_mu``, ``datp_sigma``), this measures how much
of the attention falls inside the window, against the window's uniform
share (what average pooling gives it).
"""
from typing import Dict, List, Sequence, Tuple

import numpy as np

from .results import _to_numpy

__all__ = ['window_attention', 'localisation_table', 'oracle_accuracy']


def window_attention(preds: Sequence[Dict],
                     windows: Sequence[Tuple[float, float]],
                     labels: Sequence[int]) -> Dict[str, float]:
    """Attention that DATP's weights put on each video's key window.

    Args:
        preds (Sequence[dict]): One prediction per test video, in the order
            of ``windows``, with ``datp_times`` and ``datp_attention`` of
            shape (V, N) (or (N,)) and ``gt_label``.
        windows (Sequence[tuple[float, float]]): Per video, the key window
            ``[lo, hi]`` in normalised time (a segment at time t is inside
            when ``lo <= t <= hi``).
        labels (Sequence[int]): Per video, the label the window belongs to;
            checked against ``gt_label`` so that a dump in another order
            fails instead of giving wrong numbers.

    Returns:
        dict: ``key_attention`` (mean attention inside the window),
        ``uniform_share`` (mean fraction of segments inside it),
        ``key_ratio`` (their ratio: 1 is no better than average pooling)
        and, for Gaussian weights, ``mu_corr`` (correlation over videos of
        the attention-weighted mean ``sum_k rho_k mu_k / sum_k rho_k`` with
        the window's centre) and ``sigma`` (mean sigma in normalised time).
    """
    if not len(preds) == len(windows) == len(labels):
        raise ValueError(f'window_attention: {len(preds)} predictions, '
                         f'{len(windows)} windows and {len(labels)} labels; '
                         'one of each per test video is needed')
    mass: List[float] = []
    share: List[float] = []
    mus: List[float] = []
    centres: List[float] = []
    sigmas: List[float] = []
    for i, (pred, (lo, hi), label) in enumerate(zip(preds, windows, labels)):
        if 'datp_attention' not in pred:
            raise ValueError(f'window_attention: prediction {i} has no '
                             'datp_attention; dump a run with DATP pooling')
        got = int(_to_numpy(pred['gt_label']).reshape(-1)[0])
        if got != int(label):
            raise ValueError(f'window_attention: prediction {i} has label '
                             f'{got} but video {i} has {label}: the '
                             'predictions are not in the order of the test '
                             'list')
        att = _to_numpy(pred['datp_attention'])
        att = att.reshape(-1, att.shape[-1])  # V, N; each row sums to 1
        t = _to_numpy(pred['datp_times']).reshape(att.shape)
        inside = (t >= lo) & (t <= hi)
        mass.append(float(att[inside].sum()) / att.shape[0])
        share.append(float(inside.mean()))
        if 'datp_mu' in pred:
            rho = _to_numpy(pred['datp_rho']).reshape(-1)
            mu = _to_numpy(pred['datp_mu']).reshape(-1)
            mus.append(float((rho * mu).sum() / rho.sum()))
            centres.append((lo + hi) / 2)
            sigmas.append(float(_to_numpy(pred['datp_sigma']).mean()))
    out = dict(
        key_attention=float(np.mean(mass)),
        uniform_share=float(np.mean(share)),
        key_ratio=float(np.mean(mass) / max(np.mean(share), 1e-12)))
    if mus:
        ok = np.std(mus) > 0 and np.std(centres) > 0
        out.update(
            mu_corr=float(np.corrcoef(mus, centres)[0, 1]) if ok else
            float('nan'),
            sigma=float(np.mean(sigmas)))
    return out


def oracle_accuracy(preds: Sequence[Dict],
                    windows: Sequence[Tuple[float, float]],
                    labels: Sequence[int]) -> float:
    """Top-1 of a model told each video's key window (the oracle row).

    The prediction of a video is the mean of its segment probabilities
    ``segment_scores`` over the segments inside the key window (per view,
    then averaged over views); a view with no segment inside takes the one
    nearest the window's centre. This is what a pooling that always finds
    the key window would score with the model's segment classifier: where it
    is near chance, no temporal pooling can learn the task with that
    classifier, and a table on the task says nothing about DATP.

    Args:
        preds (Sequence[dict]): One prediction per test video with
            ``segment_scores`` (V, N, C) (or (N, C)), ``datp_times``
            (V, N) and ``gt_label`` (a DATPHead's dump).
        windows (Sequence[tuple[float, float]]): Per video, the key window
            ``[lo, hi]`` in normalised time.
        labels (Sequence[int]): Per video, its label (checked against
            ``gt_label``).

    Returns:
        float: Top-1 accuracy in [0, 1].
    """
    if not len(preds) == len(windows) == len(labels) or not preds:
        raise ValueError(f'oracle_accuracy: {len(preds)} predictions, '
                         f'{len(windows)} windows and {len(labels)} labels; '
                         'one of each per test video is needed')
    hits = []
    for i, (pred, (lo, hi), label) in enumerate(zip(preds, windows, labels)):
        if 'segment_scores' not in pred or 'datp_times' not in pred:
            raise ValueError(f'oracle_accuracy: prediction {i} has no '
                             'segment_scores/datp_times; dump a DATPHead '
                             'test run')
        got = int(_to_numpy(pred['gt_label']).reshape(-1)[0])
        if got != int(label):
            raise ValueError(f'oracle_accuracy: prediction {i} has label '
                             f'{got} but video {i} has {label}: the '
                             'predictions are not in the order of the test '
                             'list')
        scores = _to_numpy(pred['segment_scores'])
        scores = scores.reshape((-1, ) + scores.shape[-2:])  # V, N, C
        t = _to_numpy(pred['datp_times']).reshape(scores.shape[:2])
        per_view = []
        for s, tv in zip(scores, t):
            inside = (tv >= lo) & (tv <= hi)
            if not inside.any():
                inside = np.abs(tv - (lo + hi) / 2) == \
                    np.abs(tv - (lo + hi) / 2).min()
            per_view.append(s[inside].mean(axis=0))
        hits.append(int(np.argmax(np.mean(per_view, axis=0)) == label))
    return float(np.mean(hits))


def localisation_table(runs: Sequence[Dict[str, Dict[str, float]]]) -> str:
    """A Markdown table of :func:`window_attention` results, averaged.

    Args:
        runs (Sequence[dict]): One ``{row label: window_attention(...)}``
            per seed; rows missing from a seed are averaged over the others.

    Returns:
        str: One line per DATP row: attention on the key window, the
        window's uniform share, their ratio, corr(mu, key centre) and the
        mean sigma, each the mean over seeds ("-" where undefined, e.g. the
        correlation when every key window has the same centre).
    """
    lines = [
        '| DATP row | attention on key window | uniform share | x uniform | '
        'corr(mu, key centre) | mean sigma |', '|---|---:|---:|---:|---:|---:|'
    ]
    labels = list(dict.fromkeys(label for run in runs for label in run))
    for label in labels:
        locs = [run[label] for run in runs if label in run]

        def avg(key: str) -> str:
            vals = [loc[key] for loc in locs if key in loc]
            vals = [v for v in vals if not np.isnan(v)]
            return '-' if not vals else f'{np.mean(vals):.2f}'

        lines.append(f'| {label} | {avg("key_attention")} | '
                     f'{avg("uniform_share")} | {avg("key_ratio")} | '
                     f'{avg("mu_corr")} | {avg("sigma")} |')
    return '\n'.join(lines)
