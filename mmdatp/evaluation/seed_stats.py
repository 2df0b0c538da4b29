"""Accuracy over several seeds: mean with a 95% confidence interval, and
each row's paired difference to a baseline row.

A benchmark trains every model once per seed and tests it on the same test
set, so a row's accuracies ``a_s`` and the baseline's ``b_s`` come in pairs.
The interval of a row's mean is Student's t over its seeds; the interval of
its advantage over the baseline is Student's t over the paired differences
``a_s - b_s``, which removes what the seeds share (the data drawn, the
initialisation of the shared backbone) and is the one that says whether a
row beats the baseline. With a single seed no interval exists and the
half-width is reported as NaN ("n/a" in tables), never as zero.
"""
import math
from typing import Dict, List, NamedTuple, Optional, Sequence

import numpy as np
from scipy import stats

__all__ = [
    'MeanCI', 'mean_ci', 'paired_diff_ci', 'seed_table', 'summary_table'
]


class MeanCI(NamedTuple):
    """A mean and the half-width of its confidence interval."""

    mean: float
    half_width: float  # NaN with fewer than 2 values
    n: int

    @property
    def low(self) -> float:
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.mean + self.half_width

    def excludes_zero(self) -> bool:
        """Whether the interval lies entirely on one side of zero."""
        return not math.isnan(self.half_width) and (self.low > 0
                                                    or self.high < 0)

    def format(self, scale: float = 100.0, digits: int = 1) -> str:
        """``'mean ± half'`` (scaled, e.g. fractions to percent)."""
        if math.isnan(self.half_width):
            return f'{scale * self.mean:.{digits}f} ± n/a'
        return (f'{scale * self.mean:.{digits}f} ± '
                f'{scale * self.half_width:.{digits}f}')


def mean_ci(values: Sequence[float], confidence: float = 0.95) -> MeanCI:
    """Mean of ``values`` with a Student-t confidence interval.

    Args:
        values (Sequence[float]): One value per seed (at least one).
        confidence (float): Coverage of the interval, in (0, 1).
            Defaults to 0.95.

    Returns:
        MeanCI: ``mean``, ``half_width`` (``t_{n-1} * sd / sqrt(n)``, NaN
        for a single value) and ``n``.
    """
    if not 0 < confidence < 1:
        raise ValueError(f'confidence must be in (0, 1), got {confidence!r}')
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    if x.size == 0:
        raise ValueError('mean_ci needs at least one value, got none')
    if not np.all(np.isfinite(x)):
        raise ValueError(f'mean_ci: values must be finite, got {x.tolist()}')
    if x.size == 1:
        return MeanCI(float(x[0]), math.nan, 1)
    t = stats.t.ppf(0.5 + confidence / 2, df=x.size - 1)
    half = float(t * x.std(ddof=1) / math.sqrt(x.size))
    return MeanCI(float(x.mean()), half, int(x.size))


def paired_diff_ci(values: Sequence[float],
                   baseline: Sequence[float],
                   confidence: float = 0.95) -> MeanCI:
    """Mean of ``values - baseline`` (paired by seed) with its interval."""
    a = np.asarray(values, dtype=np.float64).reshape(-1)
    b = np.asarray(baseline, dtype=np.float64).reshape(-1)
    if a.shape != b.shape:
        raise ValueError(f'paired_diff_ci: {a.size} values but '
                         f'{b.size} baseline values; pair them by seed')
    return mean_ci(a - b, confidence)


def seed_table(results: Dict[str, Dict[int, float]],
               rows: List[str],
               baseline: str,
               title: Optional[str] = None,
               confidence: float = 0.95) -> str:
    """A Markdown table of top-1 over seeds, with differences to a baseline.

    Args:
        results (dict): ``{row: {seed: accuracy in [0, 1]}}``.
        rows (list[str]): Rows in order (missing rows print "-").
        baseline (str): The row the differences are taken to; only the seeds
            both rows have are paired.
        title (str, optional): A line printed above the table.
        confidence (float): Coverage of the intervals. Defaults to 0.95.

    Returns:
        str: The table; a verdict column says whether the row is better or
        worse than the baseline with the interval excluding zero, "no
        difference shown", or "one seed: no CI".
    """
    pct = f'{round(100 * confidence)}%'
    lines = [] if title is None else [title, '']
    lines += [
        f'| row | seeds | top-1 (%) mean ± {pct} CI | per seed | '
        f'vs {baseline} (paired, points) | verdict |',
        '|---|---:|---:|---|---:|---|'
    ]
    base = results.get(baseline, {})
    for row in rows:
        accs = results.get(row, {})
        if not accs:
            lines.append(f'| {row} | 0 | - | - | - | - |')
            continue
        seeds = sorted(accs)
        per_seed = ' '.join(f'{100 * accs[s]:.1f}' for s in seeds)
        cell = mean_ci([accs[s] for s in seeds], confidence).format()
        paired = [s for s in seeds if s in base]
        if row == baseline:
            diff_cell, verdict = '(baseline)', ''
        elif not paired:
            diff_cell, verdict = '-', 'no baseline seeds'
        else:
            diff = paired_diff_ci([accs[s] for s in paired],
                                  [base[s] for s in paired], confidence)
            sign = '+' if diff.mean >= 0 else ''
            diff_cell = sign + diff.format()
            if diff.n < 2:
                verdict = 'one seed: no CI'
            elif diff.excludes_zero():
                verdict = 'better' if diff.mean > 0 else 'WORSE'
            else:
                verdict = 'no difference shown'
        lines.append(f'| {row} | {len(seeds)} | {cell} | {per_seed} | '
                     f'{diff_cell} | {verdict} |')
    return '\n'.join(lines)


def summary_table(results: Dict[str, Dict[str, Dict[int, float]]],
                  rows: List[str],
                  baseline: str,
                  confidence: float = 0.95) -> str:
    """One Markdown table over several tasks: per row and task, top-1
    mean ± CI and, in brackets, the paired difference to ``baseline``.

    Args:
        results (dict): ``{task: {row: {seed: accuracy in [0, 1]}}}``.
        rows (list[str]): Rows in order.
        baseline (str): The row the differences are taken to.
        confidence (float): Coverage of the intervals. Defaults to 0.95.

    Returns:
        str: The table; a difference whose interval excludes zero is marked
        "better" or "WORSE".
    """
    tasks = list(results)
    lines = [
        '| row | ' + ' | '.join(f'`{t}`' for t in tasks) + ' |',
        '|---|' + '---:|' * len(tasks)
    ]
    for row in rows:
        cells = []
        for task in tasks:
            accs = results[task].get(row, {})
            base = results[task].get(baseline, {})
            if not accs:
                cells.append('-')
                continue
            seeds = sorted(accs)
            cell = mean_ci([accs[s] for s in seeds], confidence).format()
            paired = [s for s in seeds if s in base]
            if row != baseline and len(paired) > 1:
                diff = paired_diff_ci([accs[s] for s in paired],
                                      [base[s] for s in paired], confidence)
                mark = ''
                if diff.excludes_zero():
                    mark = ' better' if diff.mean > 0 else ' WORSE'
                sign = '+' if diff.mean >= 0 else ''
                cell += f' ({sign}{diff.format()}{mark})'
            cells.append(cell)
        lines.append(f'| {row} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)
