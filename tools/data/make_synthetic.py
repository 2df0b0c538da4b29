"""Generate the synthetic key-action video dataset of mmdatp.

Example (from the repository root, with mmdatp installed by
``pip install -e .``)::

    python tools/data/make_synthetic.py data/synthetic
    python tools/data/make_synthetic.py data/synth10 --num-classes 10 \
        --train-per-class 32 --decoy-contrast 0.8
    python tools/data/make_synthetic.py data/position --task position \
        --key-len 14

Running it again with the same flags does nothing; an interrupted run is
resumed; a directory made with other flags is refused.
"""
import argparse
import os.path as osp
from dataclasses import fields
from typing import List, Optional

from mmdatp.datasets.synthetic import (MAX_CLASSES, SPLITS, TASKS,
                                       SyntheticSpec, make_synthetic_dataset)

# One flag per SyntheticSpec field: --num-classes sets num_classes, etc.
_HELP = {
    'num_classes': f'number of classes, 2..{MAX_CLASSES}',
    'train_per_class': 'training videos per class',
    'val_per_class': 'validation videos per class (0 for none)',
    'test_per_class': 'test videos per class (0 for none)',
    'num_frames': 'frames per video',
    'key_len': 'frames of the key-action window, 1..num_frames',
    'size': 'frame height and width in pixels (even, 16..1024)',
    'fps': 'frame rate of the written videos',
    'seed': 'random seed',
    'decoy_scale': 'decoy size relative to the key object, (0, 1]',
    'decoy_contrast': 'decoy opacity, [0, 1] (the key object has 1)',
    'noise': 'std of the Gaussian pixel noise, [0, 0.5]',
    'task': 'decoy (a weaker wrong-class action outside the key window), '
    'position (the key action is the last key-len frames, an equal-strength '
    'distractor fills the rest) or context (a cue of cue-len frames just '
    'before the key action, an equal-strength distractor elsewhere)',
    'cue_len': "frames of the cue before the key action (task 'context')",
}


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser (one flag per SyntheticSpec field)."""
    parser = argparse.ArgumentParser(
        description='Generate the synthetic key-action video dataset '
        '(videos, MMAction2 VideoDataset lists and meta.json).')
    parser.add_argument('out_dir', help='output directory')
    defaults = SyntheticSpec()
    for field in fields(SyntheticSpec):
        default = getattr(defaults, field.name)
        if isinstance(default, str):
            kind = dict(type=str, choices=TASKS)
        elif isinstance(default, float) or field.name == 'fps':
            kind = dict(type=float)
        else:
            kind = dict(type=int)
        parser.add_argument(
            '--' + field.name.replace('_', '-'),
            dest=field.name,
            default=default,
            help=f'{_HELP[field.name]} (default: {default})',
            **kind)
    parser.add_argument(
        '--quiet', action='store_true', help='print only the summary')
    return parser


def main(argv: Optional[List[str]] = None) -> None:
    """Parse ``argv``, generate the dataset and print where it went."""
    parser = build_parser()
    args = parser.parse_args(argv)
    kwargs = {f.name: getattr(args, f.name) for f in fields(SyntheticSpec)}
    try:
        spec = SyntheticSpec(**kwargs)
    except ValueError as e:
        parser.error(str(e))
    meta = make_synthetic_dataset(args.out_dir, spec, verbose=not args.quiet)
    out_dir = osp.abspath(args.out_dir)
    print(f'Synthetic dataset ({spec.num_classes} classes) in {out_dir}')
    for split in SPLITS:
        num = len(meta['splits'][split]['videos'])
        print(f'  {split:5s}: {osp.join(out_dir, f"{split}_list.txt")} '
              f'({num} videos)')
    print(f'  meta : {osp.join(out_dir, "meta.json")}')
    print(f"Config: ann_file='{args.out_dir}/train_list.txt', "
          f"data_prefix=dict(video='{args.out_dir}')")


if __name__ == '__main__':
    main()
