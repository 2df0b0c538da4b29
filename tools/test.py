"""Test a checkpoint with one of the paper's testing schemes (Table 4).

Usage (MMAction2's flags plus the pooling scheme):
    python tools/test.py CONFIG CHECKPOINT [--pooling {datp,avg,random}]
        [--num-segments N] [--random-seed S] [--dump results.pkl]
        [--work-dir DIR] [--cfg-options k=v ...] [--launcher ...]

  --pooling datp                 adaptive weights, N segments as trained
  --pooling avg --num-segments 25  P2 (DATP-trained) / P3 (TSN-trained)
  --pooling random --random-seed 0 P1: mixture of random Gaussians
"""
import argparse
import os

import mmdatp  # noqa: F401  applies the stack fixes, registers DATP
from mmdatp.apis import POOLING_SCHEMES, setup_test_cfg
from mmengine.config import Config, DictAction
from mmengine.runner import Runner


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Test a DATP/TSN checkpoint',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='pooling schemes:\n' + '\n'.join(
            f'  {k:7s} {v}' for k, v in POOLING_SCHEMES.items()))
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--pooling',
        choices=list(POOLING_SCHEMES),
        help="testing scheme; default: the config's (datp for DATP)")
    parser.add_argument(
        '--num-segments',
        type=int,
        help='segments sampled per test video (avg pooling: any, e.g. 25)')
    parser.add_argument(
        '--random-seed', type=int, help='seed of --pooling random')
    parser.add_argument('--work-dir', help='where logs go')
    parser.add_argument(
        '--dump',
        type=str,
        help='write per-video predictions (scores, and for DATP the '
        'temporal weights) to this .pkl')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    setup_test_cfg(
        cfg,
        args.checkpoint,
        work_dir=args.work_dir,
        config_path=args.config,
        dump=args.dump,
        pooling=args.pooling,
        num_segments=args.num_segments,
        random_seed=args.random_seed,
        launcher=args.launcher)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    print('Test results: ' +
          ', '.join(f'{k}={v:.4f}' for k, v in metrics.items()))
    if args.dump:
        print(f'Predictions dumped to {args.dump}')


if __name__ == '__main__':
    main()
