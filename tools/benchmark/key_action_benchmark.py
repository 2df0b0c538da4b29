"""Paper Table 4 (and Tables 1-3 in miniature) on the synthetic key-action set.

Trains, on CPU, a TSN-ResNet34 with average consensus (naive training) on
synthetic videos whose class shows only in a short key window, then, as the
paper does (Sec. 4.2), inserts DATP into the trained TSN and fine-tunes it;
tests each model with the paper's schemes and prints one table of top-1
accuracies:

    P3    naively trained ConvNets (TSN) + average pooling of the softmax
          scores (25 segments); also the TSN's own consensus (mean of the
          logits), and the same two for the TSN trained as long again as
          the fine-tuning (the control for the extra epochs)
    P2    DATP-fine-tuned ConvNets + average pooling (25 segments)
    P1    DATP-fine-tuned ConvNets + random mixture of 2 Gaussians
    DATP  adaptive weights: conv-feature / softmax-score input, K=1 / K=2,
          discrete weights

``--models`` also offers every DATP variant trained from scratch for
``--epochs`` (the rows marked "from scratch").

Usage:
    python tools/benchmark/key_action_benchmark.py [--out work_dirs/benchmark]
        [--epochs 16] [--finetune-epochs 8] [--key-len 12] [--size 64]
        [--models ...] [--quick]

Finished runs are kept: rerunning skips trained checkpoints and measured
rows (results.json, written atomically), so an interrupted benchmark
resumes. The table is also written to OUT/table.md.
"""
import argparse
import json
import os
import os.path as osp
import pickle
import time
from typing import Dict, List, Optional, Tuple

import numpy as np

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
# The paper's protocol (Sec. 4.2): DATP is inserted into a trained TSN and
# fine-tuned. These models start from the 'tsn' checkpoint and train
# --finetune-epochs more: the DATP heads through InitFromTSNHook (backbone
# and fc_cls load, the aux net starts fresh), and 'tsn_more', the control,
# is the same TSN trained as long again with its own head.
FINETUNED = {
    'tsn_more': 'tsn',
    'ft_avg_prob': 'avg_prob',
    'ft_conv_k2': 'datp_conv_k2',
    'ft_conv_k1': 'datp_conv_k1',
    'ft_score_k2': 'datp_score_k2',
    'ft_conv_discrete': 'datp_conv_discrete',
}
MODELS_TO_TRAIN.update(
    {name: MODELS_TO_TRAIN[src]
     for name, src in FINETUNED.items()})
DEFAULT_MODELS = ['tsn'] + list(FINETUNED)
# table rows: (label, trained model, pooling, test segments); pooling None
# tests the head as trained
ROWS = [
    # fine-tuned from the TSN (the default set)
    ('P3: TSN-trained, average pooling', 'tsn', 'avg', 25),
    ('TSN-trained, its own consensus (mean logits, N=10)', 'tsn', None, None),
    ('P3: TSN trained as long again, average pooling', 'tsn_more', 'avg', 25),
    ('TSN trained as long again, its own consensus', 'tsn_more', None, None),
    ('mean-probability fine-tuned (uniform weights), average pooling',
     'ft_avg_prob', 'avg', 25),
    ('P2: DATP-fine-tuned, average pooling', 'ft_conv_k2', 'avg', 25),
    ('P1: DATP-fine-tuned, random 2 Gaussians', 'ft_conv_k2', 'random',
     None),
    ('DATP fine-tuned, conv features, K=1', 'ft_conv_k1', 'datp', None),
    ('DATP fine-tuned, conv features, K=2', 'ft_conv_k2', 'datp', None),
    ('DATP fine-tuned, softmax scores, K=2', 'ft_score_k2', 'datp', None),
    ('DATP fine-tuned, conv features, discrete', 'ft_conv_discrete', 'datp',
     None),
    # everything trained from scratch for --epochs (--models to select)
    ('mean-probability-trained from scratch, average pooling', 'avg_prob',
     'avg', 25),
    ('P2: DATP-trained from scratch, average pooling', 'datp_conv_k2', 'avg', 25),
    ('P1: DATP-trained from scratch, random 2 Gaussians',
     'datp_conv_k2', 'random', None),
    ('DATP from scratch, conv features, K=1', 'datp_conv_k1', 'datp', None),
    ('DATP from scratch, conv features, K=2', 'datp_conv_k2', 'datp', None),
    ('DATP from scratch, softmax scores, K=2', 'datp_score_k2', 'datp', None),
    ('DATP from scratch, conv features, K=1, S as logits',
     'datp_conv_k1_pooled', 'datp',
     None),
    ('DATP from scratch, conv features, discrete',
     'datp_conv_discrete', 'datp', None),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='work_dirs/benchmark')
    parser.add_argument(
        '--epochs',
        type=int,
        default=16,
        help='epochs of the TSN (and of the from-scratch models)')
    parser.add_argument(
        '--finetune-epochs',
        type=int,
        default=8,
        help='epochs of the models fine-tuned from the TSN checkpoint')
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
        '--max-sigma',
        type=float,
        default=None,
        help='upper bound of the Gaussians\' sigma (default: none, the '
        'paper\'s unbounded scale)')
    parser.add_argument(
        '--models',
        nargs='+',
        choices=list(MODELS_TO_TRAIN),
        default=DEFAULT_MODELS,
        help='train and test only these models (rows of others are '
        'skipped); default: the TSN and the models fine-tuned from it; '
        'the fine-tuned ones train the TSN first')
    parser.add_argument(
        '--quick',
        action='store_true',
        help='a smoke run: 3 classes, 32x32, 1 epoch (numbers meaningless)')
    return parser.parse_args()


def epochs_of(args, name: str) -> int:
    return args.finetune_epochs if name in FINETUNED else args.epochs


def base_cfg(args,
             data_root: str,
             num_classes: int,
             epochs: Optional[int] = None) -> Config:
    epochs = args.epochs if epochs is None else epochs
    cfg = Config.fromfile(CONFIG)
    use_synthetic_data(
        cfg,
        data_root,
        num_classes=num_classes,
        size=args.size,
        num_workers=0 if args.quick else 2)
    cfg.train_cfg.max_epochs = epochs
    cfg.param_scheduler[-1].T_max = epochs
    cfg.param_scheduler[-1].end = epochs
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=epochs, max_keep_ckpts=1)
    cfg.default_hooks.logger.interval = 50
    cfg.log_level = 'WARNING'
    if args.aux_lr_mult is not None:
        cfg.optim_wrapper.paramwise_cfg.custom_keys['cls_head.aux_net'] = dict(
            lr_mult=args.aux_lr_mult)
    return cfg


def apply_model(cfg: Config,
                name: str,
                init_variance: Optional[float] = None,
                max_sigma: Optional[float] = None) -> Config:
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
    if gen is not None and gen.type == 'MoGWeightGenerator':
        if init_variance is not None:
            gen.init_variance = init_variance
        if max_sigma is not None:
            gen.max_sigma = max_sigma
    if cfg.model.cls_head.get('pooling', 'datp') == 'avg' or \
            cfg.model.cls_head.type != 'DATPHead':
        # no aux net to train
        cfg.optim_wrapper.paramwise_cfg.custom_keys.pop(
            'cls_head.aux_net', None)
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel', find_unused_parameters=True)
    return cfg


def train(args,
          name: str,
          data_root: str,
          num_classes: int,
          tsn_ckpt: Optional[str] = None) -> str:
    work_dir = osp.join(args.out, name)
    epochs = epochs_of(args, name)
    ckpt = osp.join(work_dir, f'epoch_{epochs}.pth')
    if osp.isfile(ckpt):
        print(f'  {name}: trained already ({ckpt})', flush=True)
        return ckpt
    cfg = apply_model(
        base_cfg(args, data_root, num_classes, epochs), name,
        args.init_variance, args.max_sigma)
    if name in FINETUNED:
        if name == 'tsn_more':  # same architecture: load everything
            cfg.load_from = tsn_ckpt
        else:  # backbone + fc_cls from the TSN, aux net fresh
            cfg.custom_hooks = [
                dict(type='InitFromTSNHook', checkpoint=tsn_ckpt)
            ]
    setup_train_cfg(cfg, work_dir=work_dir, seed=args.seed, no_validate=True)
    start = time.time()
    Runner.from_cfg(cfg).train()
    print(f'  {name}: trained in {time.time() - start:.0f}s', flush=True)
    return ckpt


def localisation(dump: str, data_root: str) -> Dict[str, float]:
    """Where the DATP weights of a dumped test run look.

    Returns the attention ``w / sum(w)`` that falls on segments inside the
    key window, its ratio to the window's uniform share (1 = no better than
    average pooling), and for Gaussians the correlation over videos of the
    attention-weighted mean ``sum_k rho_k mu_k / sum_k rho_k`` with the key
    window's centre, and the mean sigma (in normalised time).
    """
    with open(osp.join(data_root, 'meta.json')) as f:
        meta = json.load(f)
    videos = meta['splits']['test']['videos']
    last = meta['spec']['num_frames'] - 1
    with open(dump, 'rb') as f:
        preds = pickle.load(f)
    if len(preds) != len(videos):
        raise ValueError(f'{dump}: {len(preds)} predictions for '
                         f'{len(videos)} test videos')
    mass, share, mus, centres, sigmas = [], [], [], [], []
    for pred, video in zip(preds, videos):  # the test list's order
        if int(pred['gt_label']) != video['label']:
            raise ValueError(f'{dump}: predictions are not in the order of '
                             'the test list')
        t = np.asarray(pred['datp_times']).reshape(-1)
        att = np.asarray(pred['datp_attention']).reshape(-1)
        lo, hi = video['key_start'] / last, (video['key_end'] - 1) / last
        inside = (t >= lo) & (t <= hi)
        mass.append(att[inside].sum())
        share.append(inside.mean())
        if 'datp_mu' in pred:
            rho = np.asarray(pred['datp_rho']).reshape(-1)
            mus.append(float((rho * np.asarray(pred['datp_mu']).reshape(-1)
                              ).sum() / rho.sum()))
            centres.append((lo + hi) / 2)
            sigmas.append(float(np.asarray(pred['datp_sigma']).mean()))
    out = dict(
        key_attention=float(np.mean(mass)),
        key_ratio=float(np.mean(mass) / np.mean(share)))
    if mus:
        corr = np.corrcoef(mus, centres)[0, 1] if np.std(mus) > 0 else 0.0
        out.update(mu_corr=float(corr), sigma=float(np.mean(sigmas)))
    return out


def evaluate(args, name, ckpt, pooling, num_segments, data_root,
             num_classes) -> Tuple[float, Optional[Dict[str, float]]]:
    """Top-1 of one row and, for DATP pooling, :func:`localisation`."""
    cfg = apply_model(
        base_cfg(args, data_root, num_classes, epochs_of(args, name)), name,
        args.init_variance, args.max_sigma)
    work_dir = osp.join(args.out, name)
    dump = osp.join(work_dir, 'test_datp.pkl') if pooling == 'datp' else None
    setup_test_cfg(cfg, ckpt, work_dir=work_dir, dump=dump)
    if pooling is not None:  # None: the head as trained
        set_pooling(cfg, pooling, num_segments, random_seed=args.seed)
    top1 = float(Runner.from_cfg(cfg).test()['acc/top1'])
    return top1, (localisation(dump, data_root) if dump else None)


def format_localisation(located: Dict[str, Dict[str, float]]) -> str:
    """Where the DATP rows look (see :func:`localisation`)."""
    lines = [
        'Where the weights look (test set; key-window attention / its '
        'uniform share: 1 = average pooling):', '',
        '| DATP row | attention on key window | x uniform | corr(mu, key '
        'centre) | mean sigma |', '|---|---:|---:|---:|---:|'
    ]
    for label, loc in located.items():
        corr = '-' if 'mu_corr' not in loc else f'{loc["mu_corr"]:.2f}'
        sigma = '-' if 'sigma' not in loc else f'{loc["sigma"]:.2f}'
        lines.append(f'| {label} | {loc["key_attention"]:.3f} | '
                     f'{loc["key_ratio"]:.2f} | {corr} | {sigma} |')
    return '\n'.join(lines)


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
        args.finetune_epochs = 1
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
    results, located = {}, {}
    if osp.isfile(results_file):
        with open(results_file) as f:
            saved = json.load(f)
        if saved.get('settings') == settings:
            results = saved['top1']
            located = saved.get('localisation', {})
    start = time.time()
    names = list(dict.fromkeys(args.models))
    if any(n in FINETUNED for n in names) and 'tsn' not in names:
        names.insert(0, 'tsn')  # the fine-tuned models start from it
    names.sort(key=lambda n: n in FINETUNED)  # the TSN before them
    ckpts = {}
    for i, name in enumerate(names):
        print(f'[{i + 1}/{len(names)}] {name}', flush=True)
        ckpts[name] = train(args, name, data_root, spec.num_classes,
                            ckpts.get('tsn'))
    rows = [row for row in ROWS if row[1] in names]
    for label, name, pooling, num_segments in rows:
        if label not in results:
            results[label], loc = evaluate(args, name, ckpts[name], pooling,
                                           num_segments, data_root,
                                           spec.num_classes)
            if loc is not None:
                located[label] = loc
            with atomic_open(results_file, 'w') as f:
                json.dump(
                    dict(settings=settings, top1=results,
                         localisation=located),
                    f,
                    indent=1)
        print(f'  {label}: {100 * results[label]:.1f}%', flush=True)

    header = (f'Synthetic key-action benchmark: {spec.num_classes} classes, '
              f'{spec.train_per_class} train / {spec.test_per_class} test '
              f'videos per class, {spec.num_frames} frames, key window '
              f'{spec.key_len} frames, {args.size}x{args.size}, TSN-ResNet34 '
              f'from scratch, N=10, {args.epochs} epochs (fine-tuned '
              f'models: {args.finetune_epochs} more from the TSN), seed '
              f'{args.seed} '
              f'({time.time() - start:.0f}s this run)')
    table = format_table(rows, results, header) + '\n\n' + \
        format_localisation(located)
    with atomic_open(osp.join(args.out, 'table.md'), 'w') as f:
        f.write(table + '\n')
    print('\n' + table)
    p3 = results.get('P3: TSN trained as long again, average pooling')
    datp = results.get('DATP fine-tuned, conv features, K=2')
    if p3 is not None and datp is not None:
        print(f'\nDATP (fine-tuned, conv, K=2) / P3 (TSN as long) top-1 '
              f'ratio: {datp / p3 if p3 else float("inf"):.2f}')


if __name__ == '__main__':
    main()
