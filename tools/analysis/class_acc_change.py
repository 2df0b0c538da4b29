"""Figure 4 of the DATP paper: top-k / bottom-k per-class accuracy changes.

Song et al. (ACM MM 2018), Sec. 4.4 and Figure 4, compare the per-class top-1
accuracy of DATP with that of the average-pooling baseline and show the five
classes that gain most and the five that lose most. Given the ``--dump``
pickles of both models on the same test videos::

    python tools/analysis/class_acc_change.py base.pkl datp.pkl \
        --out work_dirs/fig4.png --class-names data/synthetic/meta.json

writes ``fig4.png`` (horizontal bars, in percentage points), ``fig4.csv``
next to it (one row per listed class: group, class index, name, base and new
accuracy and their change, as fractions) and prints both lists.
"""
import argparse
import csv
import os
import os.path as osp
import sys
import tempfile
from typing import List, Optional, Sequence

from mmdatp.evaluation import (ClassAccChange, check_labels_match,
                               class_accuracy_changes, load_class_names,
                               load_results)
from mmdatp.visualization import plot_class_acc_changes

CSV_HEADER = ('group', 'class_index', 'class_name', 'base_acc', 'new_acc',
              'change')


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser."""
    parser = argparse.ArgumentParser(
        description='Plot the classes whose top-1 accuracy changes most from '
        'BASE to NEW (paper Figure 4); also writes a CSV next to the PNG.')
    parser.add_argument('base', help='--dump pickle of the baseline')
    parser.add_argument('new', help='--dump pickle of the new model (DATP)')
    parser.add_argument('--out', required=True, help='output .png file')
    parser.add_argument(
        '--class-names',
        help='class names: a text file with one name per line, or a JSON '
        'file (e.g. meta.json) with a list or a \'classes\' key')
    parser.add_argument(
        '--topk',
        type=int,
        default=5,
        help='classes per side (default: 5, as in the paper)')
    parser.add_argument('--title', help='figure title')
    return parser


def write_csv(path: str, top: Sequence[ClassAccChange],
              bottom: Sequence[ClassAccChange], names: Sequence[str]) -> None:
    """Write the listed classes to ``path`` (temp file + ``os.replace``)."""
    out_dir = osp.dirname(osp.abspath(path))
    fd, tmp = tempfile.mkstemp(
        dir=out_dir, prefix=osp.basename(path) + '.', suffix='.tmp')
    try:
        with os.fdopen(fd, 'w', newline='', encoding='utf-8') as f:
            writer = csv.writer(f)
            writer.writerow(CSV_HEADER)
            for group, entries in (('top', top), ('bottom', bottom)):
                for e in entries:
                    writer.writerow((group, e.cls, names[e.cls],
                                     f'{e.base:.6f}', f'{e.new:.6f}',
                                     f'{e.delta:+.6f}'))
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def _print_list(title: str, entries: Sequence[ClassAccChange],
                names: Sequence[str]) -> None:
    """Print one list of changes in percent."""
    print(title)
    width = max([len(names[e.cls]) for e in entries] + [4])
    for e in entries:
        print(f'  {e.cls:4d}  {names[e.cls]:<{width}}  '
              f'{100 * e.base:6.2f} -> {100 * e.new:6.2f}  '
              f'({100 * e.delta:+.2f})')


def main(argv: Optional[List[str]] = None) -> None:
    """Parse ``argv``, compute the changes, write the PNG and the CSV."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.out.lower().endswith('.png'):
        parser.error(f'--out must name a .png file, got {args.out!r}')
    if args.topk < 1:
        parser.error(f'--topk must be at least 1, got {args.topk}')
    try:
        base_scores, base_labels = load_results(args.base)
        new_scores, new_labels = load_results(args.new)
        check_labels_match([base_labels, new_labels],
                           names=[args.base, args.new])
        num_classes = base_scores.shape[1]
        if args.class_names is not None:
            names = load_class_names(args.class_names, num_classes)
        else:
            names = [f'class {c}' for c in range(num_classes)]
        top, bottom = class_accuracy_changes(base_scores, new_scores,
                                             base_labels, args.topk)
    except (OSError, ValueError) as e:
        sys.exit(f'error: {e}')

    csv_path = osp.splitext(args.out)[0] + '.csv'
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    plot_class_acc_changes(top, bottom, names, args.out, args.title)
    write_csv(csv_path, top, bottom, names)
    present = len(set(base_labels.tolist()))
    print(f'{len(base_labels)} videos, {present} of {num_classes} classes '
          'present; per-class top-1 accuracy, base -> new (change), %')
    _print_list(f'Top {len(top)} changes (largest increase first):', top,
                names)
    _print_list(f'Bottom {len(bottom)} changes (largest decrease first):',
                bottom, names)
    print(f'Figure written to {args.out}, table to {csv_path}')


if __name__ == '__main__':
    main()
