"""Train a recognizer (DATP or TSN) with mmengine's Runner.

Usage (MMAction2's flags):
    python tools/train.py configs/datp_tsn_r34_hmdb51.py [--work-dir DIR]
        [--resume [CKPT]] [--amp] [--auto-scale-lr] [--no-validate]
        [--seed S] [--deterministic] [--cfg-options k=v ...]
        [--launcher {none,pytorch,slurm}]
Multi-GPU: tools/dist_train.sh CONFIG GPUS [args]; slurm: tools/slurm_train.sh.
"""
import argparse

import mmdatp  # noqa: F401  applies the stack fixes, registers DATP
from mmdatp.apis import build_runner, setup_train_cfg
from mmdatp.engine.checkpoint import check_checkpoint_file
from mmdatp.apis.cli import (add_common_args, check_labels_fit_model,
                             load_config, parse_with_common)
from mmdatp.apis.dist import close_distributed, init_distributed


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a DATP recognizer')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='where logs and checkpoints go')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from CKPT, or from the latest checkpoint of work-dir '
        'when no path is given')
    parser.add_argument(
        '--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument(
        '--no-validate', action='store_true', help='skip validation')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale lr by actual batch / auto_scale_lr.base_batch_size')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument(
        '--deterministic',
        action='store_true',
        help='deterministic cuDNN kernels')
    add_common_args(parser)
    return parse_with_common(parser)


def main() -> None:
    args = parse_args()
    cfg = load_config(args)
    setup_train_cfg(
        cfg,
        work_dir=args.work_dir,
        config_path=args.config,
        amp=args.amp,
        resume=args.resume,
        auto_scale_lr=args.auto_scale_lr,
        no_validate=args.no_validate,
        launcher=args.launcher,
        seed=args.seed,
        deterministic=args.deterministic)
    if cfg.get('load_from'):  # --resume CKPT or the config's load_from
        check_checkpoint_file(cfg.load_from)
    # gloo instead of NCCL without a GPU (mmdatp.apis.dist)
    init_distributed(cfg, args.launcher)
    runner = build_runner(cfg)
    # labels outside cls_head.num_classes: an error naming list and line
    check_labels_fit_model(runner, ('train', 'val'))
    runner.train()
    close_distributed()
    print(f'Checkpoints and logs are in {cfg.work_dir}')


if __name__ == '__main__':
    main()
