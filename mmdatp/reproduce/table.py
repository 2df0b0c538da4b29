"""Stage 7: the Table 4-style table (markdown and JSON) and the figures.

Columns are the streams and their 1:1.5 fusion, rows the testing schemes
of :data:`~.plan.ROWS`; a cell is top-1 mean ± 95% CI over seeds with, in
brackets, the paired difference to stock TSN at the baseline N
(:func:`mmdatp.evaluation.summary_table`); one
:func:`~mmdatp.evaluation.seed_table` per column follows, with the
accuracy per seed and a verdict, then sigma and mu over training.
"""
import json
import os
import os.path as osp
import re
from typing import Dict, List

from mmdatp.evaluation import (mean_ci, mean_trace, paired_diff_ci,
                               seed_table, summary_table, trace_section)
from mmdatp.utils import atomic_open
from .plan import BASELINE, FUSION_WEIGHTS, MODELS, ROWS, row_label

FUSED = 'fusion 1:1.5'


def result_seeds(ctx) -> Dict[str, List[int]]:
    """``{stream: seeds}`` with results in the work dir: this run's and
    those of earlier runs of the same work dir (e.g. 3 RGB seeds, then one
    run adding the flow stream for seed 0), so the table shows them all."""
    found: Dict[str, List[int]] = {}
    for stream in ('rgb', 'flow'):
        seeds = set(ctx.opts.seed_list) if stream in ctx.opts.streams \
            else set()
        root = osp.join(ctx.opts.work_dir, stream)
        if osp.isdir(root):
            seeds |= {int(d[4:]) for d in os.listdir(root)
                      if re.fullmatch(r'seed\d+', d) and osp.isfile(
                          osp.join(root, d, 'results.json'))}
        if seeds:
            found[stream] = sorted(seeds)
    return found


def header(ctx) -> str:
    """The table's heading: dataset, split, scale, flow, init, epochs."""
    s, lay = ctx.scale, ctx.layout
    seeds = result_seeds(ctx)
    ep = {st: (ctx.config_epochs[st] if s.tsn_epochs is None else
               (s.tsn_epochs[st], s.finetune_epochs[st]))
          for st in seeds}
    epochs = '; '.join(f'{st}: TSN {e[0]} epochs, then {e[1]} more per '
                       'model' for st, e in ep.items())
    flow = {'farneback': 'Farneback (OpenCV)', 'tvl1': 'TV-L1'}[
        s.flow_type]
    split = (f'split {lay.split} derived from the group numbers (official '
             'lists missing)' if lay.derived else
             f'split {lay.split} (official lists)')
    return (f'### {lay.dataset.upper()}, {split}: {len(lay.classes)} '
            f'classes, {lay.count("train")} train / {lay.count("val")} test '
            f'clips\n\nScale `{s.name}`: short side {s.new_short}, '
            f'{s.crop}x{s.crop} crops, flow {flow}, ResNet-34 '
            f'{"from ImageNet" if ctx.imagenet else "from scratch"}, '
            f'TSN trained on {s.tsn_segments or ctx.n} segments, DATP '
            f'N={ctx.n}; {epochs}; {s.why}. Seeds: ' + '; '.join(
                f'{st} {len(sd)} {sd}' for st, sd in seeds.items()) + '.')


def collect(ctx, fused: Dict) -> Dict[str, Dict[str, Dict[int, float]]]:
    """``{column: {row key: {seed: top-1}}}`` from the saved results."""
    results: Dict[str, Dict[str, Dict[int, float]]] = {}
    ctx.runs = {}
    for stream, seeds in result_seeds(ctx).items():
        col = results.setdefault(stream, {})
        for seed in seeds:
            path = osp.join(ctx.seed_dir(stream, seed), 'results.json')
            if not osp.isfile(path):
                continue
            with open(path) as f:
                saved = json.load(f)
            ctx.runs.setdefault(stream, []).append(saved)
            for key, acc in saved['top1'].items():
                col.setdefault(key, {})[seed] = acc
    if fused:
        results[FUSED] = {k: {int(s): a for s, a in v.items()}
                          for k, v in fused.items()}
    return results


def _json_rows(results, labels: Dict[str, str]) -> List[dict]:
    rows = []
    for row in ROWS:
        cells = {}
        for col, res in results.items():
            accs = res.get(row.key, {})
            if not accs:
                continue
            seeds = sorted(accs)
            mc = mean_ci([accs[s] for s in seeds])
            cell = dict(per_seed={str(s): accs[s] for s in seeds},
                        mean=mc.mean, ci95=mc.half_width)
            base = res.get(BASELINE, {})
            paired = [s for s in seeds if s in base]
            if row.key != BASELINE and paired:
                d = paired_diff_ci([accs[s] for s in paired],
                                   [base[s] for s in paired])
                cell.update(diff_to_baseline=d.mean, diff_ci95=d.half_width)
            cells[col] = cell
        rows.append(dict(key=row.key, label=labels[row.key], cells=cells))
    return rows


def plot_sigma(ctx, out_file: str) -> bool:
    """Sigma over training (rho-weighted, mean over seeds) of the MoG
    models of every stream; False when nothing was traced."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(6, 4), layout='constrained')
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    drawn = False
    for stream, runs in getattr(ctx, 'runs', {}).items():
        for model in ('ft_conv_k1', 'ft_conv_k2', 'ft_conv_k2_from_uniform'):
            traces = [r.get('trace', {}).get(model) for r in runs]
            traces = [t for t in traces if t]
            if traces:
                curve = mean_trace(traces, 'sigma_weighted')
                ax.plot(list(curve), list(curve.values()), 'o-',
                        label=f'{stream} {model}')
                drawn = True
    if not drawn:
        return False
    ax.set_xlabel('epoch (0: first batch)')
    ax.set_ylabel('sigma (normalised time)')
    ax.legend()
    with atomic_open(out_file) as f:
        fig.savefig(f, format='png', dpi=90)
    return True


def plot_weights(ctx, fig_dir: str, num: int = 3) -> List[str]:
    """Fig. 3 for the first test clip of ``num`` classes: the RGB DATP
    K=2 model of the first seed on the original video file (predict_video
    runs its rawframes test pipeline on it, ``video_test_pipeline``)."""
    from mmdatp.apis import predict_video
    from mmdatp.visualization import plot_temporal_weights
    from .stages import _ckpt
    if 'rgb' not in ctx.opts.streams:
        return []
    seed = ctx.opts.seed_list[0]
    cfg, _, ckpt = _ckpt(ctx, 'rgb', seed, 'ft_conv_k2')
    if not osp.isfile(ckpt):
        return []
    out, seen = [], set()
    for clip in ctx.layout.clips:
        if clip.subset != 'val' or clip.label in seen or len(out) >= num:
            continue
        seen.add(clip.label)
        path = osp.join(fig_dir, f'weights_{clip.rel.replace("/", "__")}'
                        '.png')
        if not osp.isfile(path):
            pred = predict_video(cfg, ckpt, clip.src)
            plot_temporal_weights(pred, path, true_label=clip.label,
                                  class_names=ctx.layout.classes)
        out.append(path)
    return out


def write_table(ctx, fused: Dict) -> str:
    """Write ``W/table.md``, ``W/table.json`` and ``W/figures/``.

    Returns:
        str: The path of ``table.md``.
    """
    labels = {r.key: row_label(r, ctx.scale, ctx.n) for r in ROWS}
    results = collect(ctx, fused)
    by_label = {col: {labels[k]: v for k, v in res.items()}
                for col, res in results.items()}
    rows = [labels[r.key] for r in ROWS]
    base = labels[BASELINE]
    fusion_note = (f'\n\nFusion: RGB x {FUSION_WEIGHTS["rgb"]:g} + flow x '
                   f'{FUSION_WEIGHTS["flow"]:g} of the pooled scores S '
                   '(DATP heads) or of the class probabilities (TSN '
                   'heads), per row and seed.' if fused else '')
    text = [header(ctx), '', 'Top-1 (%) mean ± 95% CI over seeds; in '
            f'brackets the paired difference to "{base}" (points).', '',
            summary_table(by_label, rows, base) + fusion_note]
    for col, res in by_label.items():
        text += ['', seed_table(res, rows, base, f'#### {col}')]
    labels_by_model = {r.model: labels[r.key] for r in ROWS
                       if r.pooling == 'datp'}
    for stream, runs in getattr(ctx, 'runs', {}).items():
        text.append(trace_section(runs, labels_by_model,
                                  'the first batch of the fine-tuning')
                    .replace('Sigma over training',
                             f'{stream}: sigma over training', 1))
    fig_dir = osp.join(ctx.opts.work_dir, 'figures')
    figures = []
    if plot_sigma(ctx, osp.join(fig_dir, 'sigma.png')):
        figures.append(osp.join(fig_dir, 'sigma.png'))
    figures += plot_weights(ctx, fig_dir)
    if figures:
        text += ['', 'Figures: ' + ', '.join(
            osp.relpath(f, ctx.opts.work_dir) for f in figures)]
    if ctx.layout.skipped or ctx.failed:
        text += ['', f'Left out (--skip-bad): {len(ctx.layout.skipped)} '
                 f'layout problems, {len(ctx.failed)} undecodable clips '
                 '(W/skipped.json).']
    md = '\n'.join(text) + '\n'
    path = osp.join(ctx.opts.work_dir, 'table.md')
    with atomic_open(path, 'w', encoding='utf-8') as f:
        f.write(md)
    with atomic_open(osp.join(ctx.opts.work_dir, 'table.json'), 'w') as f:
        json.dump(dict(header=header(ctx), baseline=BASELINE,
                       models=list(MODELS), columns=list(results),
                       rows=_json_rows(results, labels),
                       figures=figures), f, indent=1)
    print(md)
    return path
