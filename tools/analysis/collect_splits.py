"""Accuracy of each stream (and their fusion) averaged over the splits.

The paper's Table 5 reports, for UCF101 and HMDB51, the accuracy averaged
over the three official splits. Test every split's checkpoint with
``tools/test.py ... --dump`` and pass the pickles, one ``--stream`` per
stream, in split order::

    python tools/analysis/collect_splits.py \
        --stream rgb rgb_split1.pkl rgb_split2.pkl rgb_split3.pkl \
        --stream flow flow_split1.pkl flow_split2.pkl flow_split3.pkl --fuse

``--fuse`` adds the late fusion of the streams on each split (default
weights for two streams: 1 1.5, the paper's spatial/temporal weights; or
``--fuse 1 1.5``); it adds the pooled scores S, as the paper, or S / sum S
with ``--fuse-on normalised``. Prints top-1 (%) per split and the mean over
the splits, then the mean top-5 and mean class accuracy (``--metric``
picks the table).
"""
import argparse
import sys
from typing import List, Optional

from mmdatp.evaluation import (collect_split_accuracies, format_split_table,
                               mean_over_splits)

# The paper's late fusion (Sec. 4.2): spatial weight 1, temporal weight 1.5.
PAPER_WEIGHTS = (1.0, 1.5)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser."""
    parser = argparse.ArgumentParser(
        description='Average the accuracy of --dump result pickles over the '
        'splits of a dataset (paper Table 5), per stream and fused.')
    parser.add_argument(
        '--stream',
        nargs='+',
        action='append',
        required=True,
        metavar=('NAME', 'PKL'),
        help='a stream name followed by its result pickles, one per split '
        'in split order; repeat for each stream')
    parser.add_argument(
        '--fuse',
        nargs='*',
        type=float,
        metavar='W',
        help='also fuse the streams on each split, one weight per stream '
        '(no weights with two streams: 1 1.5, as the paper)')
    parser.add_argument(
        '--fuse-on',
        choices=('pooled', 'normalised'),
        default='pooled',
        help="what --fuse adds: the paper's pooled scores S (default) or "
        'S / sum S')
    parser.add_argument(
        '--metric',
        default='top1',
        choices=('top1', 'top5', 'mean_class_acc'),
        help='the metric of the per-split table (default: top1)')
    return parser


def main(argv: Optional[List[str]] = None) -> None:
    """Parse ``argv``, score every pickle and print the table."""
    parser = build_parser()
    args = parser.parse_args(argv)
    streams = {}
    for name, *paths in args.stream:
        if not paths:
            parser.error(f'--stream {name}: give its result pickles too')
        if name in streams:
            parser.error(f'stream {name!r} is given twice')
        streams[name] = paths
    weights = args.fuse
    if weights is not None and not weights:  # --fuse without weights
        if len(streams) != len(PAPER_WEIGHTS):
            parser.error(f'--fuse needs one weight per stream for '
                         f'{len(streams)} streams (the default 1 1.5 is '
                         'for two)')
        weights = list(PAPER_WEIGHTS)
    try:
        table = collect_split_accuracies(
            streams, weights, fuse_on=args.fuse_on)
    except (OSError, ValueError) as e:
        sys.exit(f'error: {e}')
    num_splits = len(next(iter(streams.values())))
    fused = '' if weights is None else ('; fused = ' + ' + '.join(
        f'{w:g} * {n}' for w, n in zip(weights, streams)))
    print(f'{num_splits} splits, {len(streams)} streams{fused}')
    print(format_split_table(table, args.metric))
    print('\nmean over the splits (%):')
    for name, reports in table.items():
        mean = mean_over_splits(reports)
        print(f'  {name}: ' + ', '.join(f'{k} {100 * v:.2f}'
                                        for k, v in mean.items()))


if __name__ == '__main__':
    main()
