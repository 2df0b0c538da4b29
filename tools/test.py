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

import mmdatp  # noqa: F401  applies the stack fixes, registers DATP
from mmdatp.apis import POOLING_SCHEMES, build_runner, setup_test_cfg
from mmdatp.engine.checkpoint import DATP_NEW_PREFIXES, check_checkpoint
from mmdatp.apis.cli import (add_common_args, check_labels_fit_model,
                             load_config, parse_with_common)
from mmdatp.apis.dist import close_distributed, init_distributed


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
    add_common_args(parser)
    return parse_with_common(parser)


def main() -> None:
    args = parse_args()
    cfg = load_config(args)
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
    # gloo instead of NCCL without a GPU (mmdatp.apis.dist)
    init_distributed(cfg, args.launcher)
    runner = build_runner(cfg)
    # mmengine loads non-strictly: refuse a checkpoint of another model
    # (e.g. another num_classes) instead of testing random weights; the aux
    # net may be absent when it is not used (a TSN checkpoint, --pooling avg)
    head = cfg.model.get('cls_head', {})
    check_checkpoint(
        runner.model,
        args.checkpoint,
        allow_missing=DATP_NEW_PREFIXES
        if head.get('pooling', 'datp') != 'datp' else ())
    # a label the model cannot predict would count as a wrong prediction
    check_labels_fit_model(runner, ('test', ))
    metrics = runner.test()
    close_distributed()
    print('Test results: ' +
          ', '.join(f'{k}={v:.4f}' for k, v in metrics.items()))
    if args.dump:
        print(f'Predictions dumped to {args.dump}')


if __name__ == '__main__':
    main()
