"""Paper Table 4 (and Tables 1-3 in miniature) on the synthetic key-action set.

Trains, on CPU, a TSN-ResNet34 with average pooling (naive training) and
DATP variants on the same synthetic videos, then tests each with the
paper's schemes, and prints one table of top-1 accuracies:

    P3    naively trained ConvNets (TSN) + average pooling (25 segments),
          and the same TSN with its own consensus (mean of the logits)
    P2    DATP-trained ConvNets + average pooling (25 segments)
    P1    DATP-trained ConvNets + random mixture of 2 Gaussians
    DATP  adaptive weights: conv-feature / softmax-score input, K=1 / K=2,
          discrete weights

Usage:
    python tools/benchmark/key_action_benchmark.py [--out work_dirs/benchmark]
        [--epochs 16] [--key-len 12] [--size 64] [--quick]

Finished runs are kept: rerunning skips trained checkpoints and measured
rows (results.json, written atomically), so an interrupted benchmark
resumes. The table is also written to OUT/table.md.
"""
import argparse
import json
import os
import os.path as osp
import time
from typing import Dict, List, Optional

import mmdatp  # noqa: F401  applies the stack fixes, registers DATP
from mmdatp.apis import (set_pooling, setup_test_cfg, setup_train_cfg,
                         use_synthetic_data)
from mmdatp.datasets.synthetic import SyntheticSpec, make_synthetic_dataset
from mmdatp.utils import atomic_open
from mmengine.config import Config, ConfigDict
from mmengine.runner import Runner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'datp_tsn_r34_synthetic.py')

# trained models: name -> changes of the DATP head; 'tsn' replaces the head
# by MMAction2's TSNHead (average consensus of the segment logits, the
# naive training of the paper's P3); 'avg_prob' trains the DATP head with
# uniform weights, i.e. on the log of the mean segment probability.
TSN_HEAD = dict(
    type='TSNHead',
    in_channels=512,
    spatial_type='avg',
    consensus=dict(type='AvgConsensus', dim=1),
    dropout_ratio=0.5,
    init_std=0.01,
    average_clips='prob')
MODELS_TO_TRAIN = {
    'tsn': dict(_head_=TSN_HEAD),
    'avg_prob': dict(pooling='avg'),
    'datp_conv_k2': dict(),
    'datp_conv_k1': dict(
        weight_generator=dict(type='MoGWeightGenerator', num_gaussians=1)),
    'datp_score_k2': dict(aux_net=dict(type='DATPScoreAuxNet')),
    'datp_conv_k1_pooled': dict(
        weight_generator=dict(type='MoGWeightGenerator', num_gaussians=1),
        score_mode='pooled'),
    'datp_conv_discrete': dict(weight_generator=dict(
        type='DiscreteWeightGenerator', num_segments=10)),
}
# table rows: (label, trained model, pooling, test segments); pooling None
# tests the head as trained
ROWS = [
    ('P3: TSN-trained, average pooling', 'tsn', 'avg', 25),
    ('TSN-trained, its own consensus (mean logits, N=10)', 'tsn', None, None),
    ('mean-probability-trained, average pooling', 'avg_prob', 'avg', 25),
    ('P2: DATP-trained, average pooling', 'datp_conv_k2', 'avg', 25),
    ('P1: DATP-trained, random 2 Gaussians', 'datp_conv_k2', 'random', None),
    ('DATP conv features, K=1', 'datp_conv_k1', 'datp', None),
    ('DATP conv features, K=2', 'datp_conv_k2', 'datp', None),
    ('DATP softmax scores, K=2', 'datp_score_k2', 'datp', None),
    ('DATP conv features, K=1, S as logits', 'datp_conv_k1_pooled', 'datp',
     None),
    ('DATP conv features, discrete', 'datp_conv_discrete', 'datp', None),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='work_dirs/benchmark')
    parser.add_argument('--epochs', type=int, default=16)
    parser.add_argument('--key-len', type=int, default=12)
    parser.add_argument('--size', type=int, default=64)
    parser.add_argument('--train-per-class', type=int, default=16)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--aux-lr-mult',
        type=float,
        default=None,
        help="learning-rate multiplier of the aux net (default: the config's)")
    parser.add_argument(
        '--init-variance',
        type=float,
        default=None,
        help='initial sigma^2 of the Gaussians (default: the paper\'s 0.2)')
    parser.add_argument(
        '--models',
        nargs='+',
        choices=list(MODELS_TO_TRAIN),
        default=list(MODELS_TO_TRAIN),
        help='train and test only these models (rows of others are skipped)')
    parser.add_argument(
        '--quick',
        action='store_true',
        help='a smoke run: 3 classes, 32x32, 1 epoch (numbers meaningless)')
    return parser.parse_args()


def base_cfg(args, data_root: str, num_classes: int) -> Config:
    cfg = Config.fromfile(CONFIG)
    use_synthetic_data(
        cfg,
        data_root,
        num_classes=num_classes,
        size=args.size,
        num_workers=0 if args.quick else 2)
    cfg.train_cfg.max_epochs = args.epochs
    cfg.param_scheduler[-1].T_max = args.epochs
    cfg.param_scheduler[-1].end = args.epochs
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=args.epochs, max_keep_ckpts=1)
    cfg.default_hooks.logger.interval = 50
    cfg.log_level = 'WARNING'
    if args.aux_lr_mult is not None:
        cfg.optim_wrapper.paramwise_cfg.custom_keys['cls_head.aux_net'] = dict(
            lr_mult=args.aux_lr_mult)
    return cfg


def apply_model(cfg: Config,
                name: str,
                init_variance: Optional[float] = None) -> Config:
    """Change the head of ``cfg`` into the trained model ``name``."""
    head = cfg.model.cls_head
    for key, value in MODELS_TO_TRAIN[name].items():
        if key == '_head_':
            cfg.model.cls_head = ConfigDict(
                value, num_classes=head.num_classes)
        else:
            head[key] = ConfigDict(value) if isinstance(value,
                                                        dict) else value
    gen = cfg.model.cls_head.get('weight_generator')
    if init_variance is not None and gen is not None and \
            gen.type == 'MoGWeightGenerator':
        gen.init_variance = init_variance
    if cfg.model.cls_head.get('pooling', 'datp') == 'avg' or \
            cfg.model.cls_head.type != 'DATPHead':
        # no aux net to train
        cfg.optim_wrapper.paramwise_cfg.custom_keys.pop(
            'cls_head.aux_net', None)
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel', find_unused_parameters=True)
    return cfg


def train(args, name: str, data_root: str, num_classes: int) -> str:
    work_dir = osp.join(args.out, name)
    ckpt = osp.join(work_dir, f'epoch_{args.epochs}.pth')
    if osp.isfile(ckpt):
        print(f'  {name}: trained already ({ckpt})', flush=True)
        return ckpt
    cfg = apply_model(
        base_cfg(args, data_root, num_classes), name, args.init_variance)
    setup_train_cfg(cfg, work_dir=work_dir, seed=args.seed, no_validate=True)
    start = time.time()
    Runner.from_cfg(cfg).train()
    print(f'  {name}: trained in {time.time() - start:.0f}s', flush=True)
    return ckpt


def evaluate(args, name, ckpt, pooling, num_segments, data_root,
             num_classes) -> float:
    cfg = apply_model(
        base_cfg(args, data_root, num_classes), name, args.init_variance)
    setup_test_cfg(cfg, ckpt, work_dir=osp.join(args.out, name))
    if pooling is not None:  # None: the head as trained
        set_pooling(cfg, pooling, num_segments, random_seed=args.seed)
    return float(Runner.from_cfg(cfg).test()['acc/top1'])


def format_table(rows: List, results: Dict, header: str) -> str:
    lines = [header, '', '| testing scheme | top-1 (%) |', '|---|---:|']
    for label, *_ in rows:
        acc = results.get(label)
        lines.append(f'| {label} | '
                     f'{"-" if acc is None else f"{100 * acc:.1f}"} |')
    return '\n'.join(lines)


def main() -> None:
    args = parse_args()
    if args.quick:
        args.epochs, args.size, args.train_per_class = 1, 32, 2
    spec = SyntheticSpec(
        num_classes=3 if args.quick else 5,
        train_per_class=args.train_per_class,
        val_per_class=0,
        test_per_class=2 if args.quick else 10,
        num_frames=48,
        key_len=args.key_len,
        size=args.size,
        seed=args.seed)
    os.makedirs(args.out, exist_ok=True)
    data_root = osp.join(args.out, 'data')
    make_synthetic_dataset(data_root, spec)

    results_file = osp.join(args.out, 'results.json')
    settings = dict(vars(args), spec=spec.__dict__)
    results = {}
    if osp.isfile(results_file):
        with open(results_file) as f:
            saved = json.load(f)
        if saved.get('settings') == settings:
            results = saved['top1']
    start = time.time()
    names = args.models
    ckpts = {}
    for i, name in enumerate(names):
        print(f'[{i + 1}/{len(names)}] {name}', flush=True)
        ckpts[name] = train(args, name, data_root, spec.num_classes)
    rows = [row for row in ROWS if row[1] in names]
    for label, name, pooling, num_segments in rows:
        if label not in results:
            results[label] = evaluate(args, name, ckpts[name], pooling,
                                      num_segments, data_root,
                                      spec.num_classes)
            with atomic_open(results_file, 'w') as f:
                json.dump(dict(settings=settings, top1=results), f, indent=1)
        print(f'  {label}: {100 * results[label]:.1f}%', flush=True)

    header = (f'Synthetic key-action benchmark: {spec.num_classes} classes, '
              f'{spec.train_per_class} train / {spec.test_per_class} test '
              f'videos per class, {spec.num_frames} frames, key window '
              f'{spec.key_len} frames, {args.size}x{args.size}, TSN-ResNet34 '
              f'from scratch, N=10, {args.epochs} epochs, seed {args.seed} '
              f'({time.time() - start:.0f}s this run)')
    table = format_table(rows, results, header)
    with atomic_open(osp.join(args.out, 'table.md'), 'w') as f:
        f.write(table + '\n')
    print('\n' + table)
    p3 = results.get('P3: TSN-trained, average pooling')
    datp = results.get('DATP conv features, K=2')
    if p3 is not None and datp is not None:
        print(f'\nDATP (conv, K=2) / P3 top-1 ratio: '
              f'{datp / p3 if p3 else float("inf"):.2f}')


if __name__ == '__main__':
    main()
