"""Write MMAction2 annotation lists of HMDB51, UCF101 or Kinetics-400.

Reads the official splits and writes, per split, a training and a testing
(``val``) list for videos, RGB rawframes and/or flow rawframes (see
``mmdatp/datasets/preparation/file_lists.py`` for the formats), plus
``<dataset>_classes.txt``. Examples (repository root)::

    python tools/data/build_file_list.py --dataset hmdb51 \
        --src-dir data/hmdb51/rawframes --format rawframes flow --split 1 2 3
    python tools/data/build_file_list.py --dataset hmdb51 \
        --src-dir data/hmdb51/videos --format videos
    python tools/data/build_file_list.py --dataset ucf101 \
        --src-dir data/ucf101/rawframes --format rawframes flow
    python tools/data/build_file_list.py --dataset kinetics400 \
        --src-dir data/kinetics400/videos_train \
        --val-src-dir data/kinetics400/videos_val --format videos

Annotations are read from ``--ann-dir`` (default
``data/<dataset>/annotations``) and lists are written to ``--out-dir``
(default ``data/<dataset>``), e.g. ``data/hmdb51/hmdb51_train_split_1_flow
.txt``, which is what ``configs/_base_/datasets/hmdb51_*.py`` read.
Videos of a split that are not under ``--src-dir`` (e.g. whose extraction
failed) are an error unless ``--skip-missing`` is given.
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional

from mmdatp.datasets.preparation import (DATASETS, LIST_FORMATS,
                                         parse_splits, write_file_lists)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser."""
    parser = argparse.ArgumentParser(
        description='Write MMAction2 train/val lists from the official '
        'splits of HMDB51, UCF101 or Kinetics-400.')
    parser.add_argument('--dataset', required=True, choices=list(DATASETS))
    parser.add_argument(
        '--src-dir',
        required=True,
        help='videos directory (--format videos) or rawframes directory '
        '(--format rawframes/flow)')
    parser.add_argument(
        '--val-src-dir',
        default=None,
        help='where the testing videos/rawframes are, if not in --src-dir '
        '(e.g. Kinetics videos_val)')
    parser.add_argument(
        '--format',
        nargs='+',
        choices=LIST_FORMATS,
        default=['rawframes', 'flow'],
        help='videos (<video>.<ext> <label>), rawframes (<dir> <#img> '
        '<label>), flow (<dir> <#flow pairs> <label>) (default: rawframes '
        'flow)')
    parser.add_argument(
        '--split',
        nargs='+',
        type=int,
        default=None,
        help='split numbers (default: all; 1 2 3, Kinetics only 1)')
    parser.add_argument(
        '--ann-dir',
        default=None,
        help='official annotations (default: data/<dataset>/annotations)')
    parser.add_argument(
        '--out-dir',
        default=None,
        help='where the lists go (default: data/<dataset>)')
    parser.add_argument(
        '--level',
        type=int,
        choices=(1, 2),
        default=2,
        help='directory levels of --src-dir: 2 = class folders (default: 2)')
    parser.add_argument(
        '--skip-missing',
        action='store_true',
        help='leave videos missing under --src-dir out of the lists '
        '(default: error)')
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Write the lists; returns the exit status (0, or 2 for bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if 'videos' in args.format and len(args.format) > 1:
        parser.error('--format videos refers to the videos directory and '
                     'rawframes/flow to the rawframes directory: run them '
                     f'separately, got --format {" ".join(args.format)}')
    ann_dir = args.ann_dir or osp.join('data', args.dataset, 'annotations')
    out_dir = args.out_dir or osp.join('data', args.dataset)
    try:
        classes, splits = parse_splits(args.dataset, ann_dir, args.split,
                                       args.level)
        result = write_file_lists(
            args.dataset,
            classes,
            splits,
            args.src_dir,
            out_dir,
            formats=args.format,
            level=args.level,
            skip_missing=args.skip_missing,
            val_root=args.val_src_dir)
    except (ValueError, FileNotFoundError) as e:
        parser.error(str(e))
    for num, split in sorted(splits.items()):
        print(f'split {num}: {len(split.train)} train / {len(split.val)} '
              f'val videos, {len(classes)} classes')
    missing = result['missing']
    if missing:
        print(f'left out {len(missing)} videos missing under '
              f'{args.src_dir}:')
        for video, formats in missing.items():
            print(f'  {video} (no {", ".join(formats)})')
    for path in result['written']:
        print(f'wrote {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
