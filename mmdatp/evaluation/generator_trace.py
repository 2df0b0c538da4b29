"""Tables of the Gaussians' sigma and mu over training, mean over seeds.

Reads the records that :class:`mmdatp.engine.GeneratorTraceHook` writes
(``generator_trace.json``: one ``{"epoch": e, "sigma_weighted": ...}`` per
epoch, epoch 0 being the first batch before any update). Pure Python: no
torch, no MMAction2.
"""
from typing import Dict, List, Mapping, Sequence

#: the columns of the table per model: (record key, heading)
TRACE_COLUMNS = (('sigma_weighted', 'sigma'), ('mu_std', 'mu spread'))


def mean_trace(traces: Sequence[Sequence[Mapping[str, float]]],
               key: str) -> Dict[int, float]:
    """Mean of ``key`` per epoch over the runs that recorded that epoch.

    Args:
        traces (Sequence[Sequence[Mapping]]): One list of per-epoch records
            per run (seed).
        key (str): The statistic, e.g. ``'sigma_weighted'``.

    Returns:
        dict[int, float]: epoch -> mean over runs.
    """
    sums: Dict[int, List[float]] = {}
    for i, trace in enumerate(traces):
        for record in trace:
            if key not in record or 'epoch' not in record:
                raise ValueError(f'trace of run {i}: a record lacks "epoch" '
                                 f'or "{key}": {dict(record)}')
            sums.setdefault(int(record['epoch']), []).append(
                float(record[key]))
    return {e: sum(v) / len(v) for e, v in sorted(sums.items())}


def trace_table(traces: Mapping[str, Sequence[Sequence[Mapping[str, float]]]],
                ) -> str:
    """A markdown table: one row per epoch, sigma and mu spread per model.

    Args:
        traces (Mapping[str, Sequence]): model label -> one trace per seed.
            Labels without any trace are left out.

    Returns:
        str: The table ('' when there is nothing to show). ``sigma`` is the
        rho-weighted sigma (width of the mixture in normalised time, the
        video is 1 long), ``mu spread`` the std of mu over videos (0 means
        the same place for every video).
    """
    traces = {k: v for k, v in traces.items() if any(v)}
    if not traces:
        return ''
    columns = {(label, key): mean_trace(runs, key)
               for label, runs in traces.items()
               for key, _ in TRACE_COLUMNS}
    epochs = sorted({e for means in columns.values() for e in means})
    head = ['epoch'] + [f'{label}: {name}' for label in traces
                        for _, name in TRACE_COLUMNS]
    lines = ['| ' + ' | '.join(head) + ' |',
             '|' + '---:|' * len(head)]
    for epoch in epochs:
        cells = ['0 (start)' if epoch == 0 else str(epoch)]
        for label in traces:
            for key, _ in TRACE_COLUMNS:
                value = columns[(label, key)].get(epoch)
                cells.append('-' if value is None else f'{value:.3f}')
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def trace_section(runs: Sequence[Mapping], labels: Mapping[str, str],
                  first_batch: str = 'the first batch') -> str:
    """The "sigma over training" section of a benchmark's tables.

    Args:
        runs (Sequence[Mapping]): One saved result per seed, each with a
            ``'trace'`` dict: model name -> its per-epoch records.
        labels (Mapping[str, str]): model name -> its row label, for the
            models to show.
        first_batch (str): What epoch 0 is, for the heading. Defaults to
            ``'the first batch'``.

    Returns:
        str: ``'\n\n'``, a heading and :func:`trace_table`'s table; '' when
        no run traced any of the models.
    """
    table = trace_table({
        label: [run.get('trace', {}).get(model, []) for run in runs]
        for model, label in labels.items()
    })
    if not table:
        return ''
    return ('\n\nSigma over training (rho-weighted sigma of the mixture in '
            'normalised time, and the spread of mu over videos; training '
            f'batches, mean over seeds; epoch 0 is {first_batch}):\n\n' +
            table)
