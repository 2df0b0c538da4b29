"""Table 4 of the DATP paper from a dataset folder, in one command.

Usage:
    python tools/reproduce.py DATA_ROOT --dataset ucf101|hmdb51 --split 1
        --work-dir W [--scale cpu|paper] [--seeds 5] [--first-seed 0]
        [--streams rgb flow] [--dry-run] [--skip-bad] [--num-workers N]

DATA_ROOT in the official layout: UCF101 = UCF-101/<Class>/v_*.avi and
ucfTrainTestlist/ (without it, the split is derived from the group
numbers, and the table says so); HMDB51 = <class>/*.avi and
testTrainMulti_7030_splits/. Stages: frames and flow, lists, TSN, DATP
fine-tuned from it (and K=2 from the uniform-weights model, not the
paper's protocol), tests (P1/P2/P3/DATP/stock TSN at N=10 and 25),
fusion 1:1.5, W/table.md + W/table.json + W/figures. Every stage resumes:
rerun the same command after a kill. ``--dry-run`` prints the plan with
time and disk estimates. Scales and their choices: mmdatp/reproduce/plan.py
(``cpu``: 128/112 px, Farneback, from scratch; ``paper``: 256/224 px,
TV-L1, ImageNet init; ``test``: tiny, for CI). Exit status: 0 done, 1 bad
input or full disk (named), 2 bad arguments, 130 interrupted.
"""
import argparse
import sys
from typing import List, Optional

from mmdatp.reproduce import (SCALES, BadInputError, DiskFullError,
                              Options, run)


def build_parser() -> argparse.ArgumentParser:
    """The command line (see the module doc)."""
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('data_root', help='dataset folder, official layout')
    p.add_argument('--dataset', choices=('ucf101', 'hmdb51'), required=True)
    p.add_argument('--split', type=int, choices=(1, 2, 3), default=1)
    p.add_argument('--work-dir', required=True, help='all outputs go here')
    p.add_argument('--scale', choices=list(SCALES), default='cpu',
                   help='cpu (default), paper (GPU), test (tiny, for CI)')
    p.add_argument('--seeds', type=int, default=1, help='seeds per stream')
    p.add_argument('--first-seed', type=int, default=0)
    p.add_argument('--streams', nargs='+', choices=('rgb', 'flow'),
                   default=['rgb', 'flow'])
    p.add_argument('--dry-run', action='store_true',
                   help='print the plan with estimates, do nothing')
    p.add_argument('--skip-bad', action='store_true',
                   help='leave out undecodable clips, unlisted class '
                   'folders, missing videos (listed in W/skipped.json)')
    p.add_argument('--num-workers', type=int, default=None,
                   help='extraction processes / data loader workers')
    return p


def main(argv: Optional[List[str]] = None) -> int:
    """Run the stages; returns the exit status (see the module doc)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    opts = Options(args.data_root, args.dataset, args.work_dir,
                   args.split, args.scale, args.seeds, args.first_seed,
                   args.streams, args.skip_bad, args.num_workers)
    try:
        table = run(opts, dry_run=args.dry_run)
    except (BadInputError, DiskFullError, FileNotFoundError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    except ValueError as e:
        parser.error(str(e))
    except KeyboardInterrupt:
        print('\nInterrupted: finished work is kept; rerun the same '
              'command to resume.', file=sys.stderr)
        return 130
    if table is not None:
        print(f'Table: {table}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
