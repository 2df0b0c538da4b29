"""Late fusion of two-stream (or more) result pickles, as in the paper.

Song et al. (ACM MM 2018), Sec. 4.2, fuse the pooled class scores of the
spatial (RGB) and temporal (flow) streams by a weighted sum with weights 1
and 1.5. The inputs are pickles of ``tools/test.py ... --dump`` for the same
test videos in the same order.

``--fuse-on pooled`` (default) adds the pooled scores S of Eq. 3, as the
paper; ``--fuse-on normalised`` adds S / sum S (the class probabilities,
``pred_score``), which puts every stream on the same scale and works for
dumps without ``pooled_score`` (plain TSN). Each stream's own row scores
its predictions.

Example (from the repository root)::

    python tools/fuse_results.py rgb.pkl flow.pkl
    python tools/fuse_results.py rgb.pkl flow.pkl --weights 1 1.5 \
        --names rgb flow --out work_dirs/fused.pkl
    python tools/fuse_results.py a.pkl b.pkl c.pkl --weights 1 1 2

It prints top-1, top-5 and mean class accuracy (%) of each stream and of the
fusion; ``--out`` writes the fused scores in the ``--dump`` format.
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional, Sequence

from mmdatp.evaluation import (FUSION_SCORES, accuracy_report,
                               check_labels_match, fuse_scores, load_results,
                               save_results)

# The paper's late fusion (Sec. 4.2): spatial weight 1, temporal weight 1.5.
PAPER_WEIGHTS = (1.0, 1.5)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser."""
    parser = argparse.ArgumentParser(
        description='Fuse --dump result pickles by a weighted sum of their '
        'class scores and print the accuracy of each stream and the fusion.')
    parser.add_argument(
        'results', nargs='+', help='result pickles of tools/test.py --dump')
    parser.add_argument(
        '--weights',
        nargs='+',
        type=float,
        help='one weight per pickle (default for two pickles: 1 1.5, the '
        'paper\'s spatial/temporal weights; required otherwise)')
    parser.add_argument(
        '--fuse-on',
        choices=list(FUSION_SCORES),
        default='pooled',
        help="what to add: 'pooled', the paper's pooled scores S (default), "
        "or 'normalised', S / sum S (needed for dumps without pooled_score)")
    parser.add_argument(
        '--names',
        nargs='+',
        help='one name per pickle for the table (default: file names)')
    parser.add_argument(
        '--out', help='write the fused results to this .pkl file')
    return parser


def _default_names(paths: Sequence[str]) -> List[str]:
    """File names without extension, made unique by their position."""
    names = [osp.splitext(osp.basename(p))[0] for p in paths]
    if len(set(names)) != len(names):
        names = [f'{i}:{n}' for i, n in enumerate(names)]
    return names


def format_table(rows: Sequence[tuple]) -> str:
    """Format ``(name, weight, report)`` rows as a text table in percent."""
    header = ('stream', 'weight', 'top1 (%)', 'top5 (%)', 'mean class (%)')
    lines = [tuple(header)]
    for name, weight, report in rows:
        lines.append((name, '-' if weight is None else f'{weight:g}',
                      f'{100 * report["top1"]:.2f}',
                      f'{100 * report["top5"]:.2f}',
                      f'{100 * report["mean_class_acc"]:.2f}'))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for line in lines:
        cells = [line[0].ljust(widths[0])]
        cells += [cell.rjust(w) for cell, w in zip(line[1:], widths[1:])]
        out.append('  '.join(cells))
    out.insert(1, '-' * len(out[0]))
    return '\n'.join(out)


def main(argv: Optional[List[str]] = None) -> None:
    """Parse ``argv``, fuse the pickles, print the table, write ``--out``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    paths = args.results
    if args.weights is None:
        if len(paths) != len(PAPER_WEIGHTS):
            parser.error(f'--weights is required for {len(paths)} result '
                         'files (the default 1 1.5 is for two streams)')
        weights = list(PAPER_WEIGHTS)
    else:
        weights = args.weights
    if len(weights) != len(paths):
        parser.error(f'got {len(weights)} --weights for {len(paths)} result '
                     'files; give one weight per file')
    names = args.names if args.names is not None else _default_names(paths)
    if len(names) != len(paths):
        parser.error(f'got {len(names)} --names for {len(paths)} result '
                     'files; give one name per file')
    if args.out is not None and not args.out.endswith(('.pkl', '.pickle')):
        parser.error(f'--out must name a .pkl or .pickle file, got '
                     f'{args.out!r}')

    try:
        loaded = [load_results(p) for p in paths]
        scores = [s for s, _ in loaded]
        labels = [lab for _, lab in loaded]
        check_labels_match(labels, names=list(paths))
        to_fuse = [
            load_results(p, FUSION_SCORES[args.fuse_on])[0] for p in paths
        ] if args.fuse_on != 'normalised' else scores
        fused = fuse_scores(to_fuse, weights)
    except (OSError, ValueError) as e:
        sys.exit(f'error: {e}')

    rows = [(n, w, accuracy_report(s, labels[0]))
            for n, w, s in zip(names, weights, scores)]
    rows.append(('fused', None, accuracy_report(fused, labels[0])))
    print(f'{len(labels[0])} videos, {fused.shape[1]} classes; fused = ' +
          ' + '.join(f'{w:g} * {n}' for w, n in zip(weights, names)) +
          f' ({args.fuse_on} scores)')
    print(format_table(rows))
    if args.out is not None:
        save_results(args.out, fused, labels[0])
        print(f'Fused results written to {args.out}')


if __name__ == '__main__':
    main()
