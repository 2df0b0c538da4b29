"""DATP against stock TSN on the synthetic feature tasks, over seeds.

The features path of the evidence benchmark (the video path is
``key_action_benchmark.py``): per-segment feature sequences from
``make_feature_dataset`` (T=60, D=32, 5 classes) with three tasks,

    decoy     a weaker wrong-class pattern outside the key window
    position  the label is the pattern of the last 30% of rows; an
              equal-strength pattern of another class fills the rest
    context   a class-free cue just before a 12-row key window at a random
              place; an equal-strength distractor fills the rest

Every model is FeatureRecognizer + a head (configs/datp_features_synthetic.py:
Adam, same data). As in the paper (Sec. 4.2) and the video path, a TSN is
trained from scratch for --epochs, and every other model starts from it
(InitFromTSNHook: the classifier loads, the aux net starts fresh) and trains
--finetune-epochs more; stock TSN is the same TSN trained as long again.
``--protocol scratch`` instead trains every model from scratch for
--epochs + --finetune-epochs. Each row is tested on 400 videos per seed
(one video = 0.25 points):

    stock TSN         TSNHead, mean of the segment logits, tested with its
                      own consensus at N=10 and N=25 (the baseline)
    P3                the TSN, average of the softmax scores, 25 segments
    P2 / P1           the DATP K=2 model, average of softmax (25) / a
                      random mixture of 2 Gaussians
    DATP              features aux net with K=1, K=2, discrete weights;
                      softmax-score aux net with K=2
    uniform weights   the DATP head trained with uniform weights (log of
                      the mean segment probability)
    oracle            that model's segment scores averaged over the true
                      key segments only (is the task learnable at all?)

Prints, per task, top-1 mean ± 95% CI over seeds, the paired difference of
every row to stock TSN (N=10) with its CI, and where the weights look.

Usage:
    python tools/benchmark/feature_tasks_benchmark.py [--tasks ...]
        [--seeds 5] [--jobs 2] [--out work_dirs/feature_tasks] [--quick]

Each (task, seed) is saved to OUT/<task>/seed<S>/results.json (atomic), so
an interrupted run resumes; the tables go to OUT/tables.md.
"""
import argparse
import json
import os
import os.path as osp
import pickle
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Dict, List, Optional, Tuple

import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'datp_features_synthetic.py')
TASKS = ('decoy', 'position', 'context')
TSN = dict(
    type='TSNHead',
    spatial_type=None,
    consensus=dict(type='AvgConsensus', dim=1),
    dropout_ratio=0.0,
    init_std=0.01,
    average_clips='prob')
# trained models: changes of the config's DATP head ('_head_' replaces it)
# and whether they start from the TSN (--protocol finetune)
MODELS = {
    'tsn': (dict(_head_=TSN), False),
    'tsn_more': (dict(_head_=TSN), True),
    'uniform': (dict(pooling='avg'), True),
    'k2': (dict(), True),
    'k1': (dict(weight_generator=dict(num_gaussians=1)), True),
    'discrete': (dict(weight_generator=dict(
        _delete_=True, type='DiscreteWeightGenerator', num_segments=10)),
        True),
    'score_k2': (dict(aux_net=dict(_delete_=True, type='DATPScoreAuxNet')),
                 True),
}
BASELINE = 'stock TSN, mean logits, N=10'
# the uniform model's segment classifier pooled on the true key segments:
# is the task learnable at all?
ORACLE = 'oracle: key segments only (uniform model, told the window)'
# rows: (label, model, pooling (None: as trained), test segments)
ROWS: List[Tuple[str, str, Optional[str], Optional[int]]] = [
    (BASELINE, 'tsn_more', None, None),
    ('stock TSN, mean logits, N=25', 'tsn_more', None, 25),
    ('P3: TSN, average of softmax, N=25', 'tsn_more', 'avg', 25),
    ('P2: DATP-trained (K=2), average of softmax, N=25', 'k2', 'avg', 25),
    ('P1: DATP-trained (K=2), random 2 Gaussians', 'k2', 'random', None),
    ('DATP features, K=1', 'k1', 'datp', None),
    ('DATP features, K=2', 'k2', 'datp', None),
    ('DATP features, discrete', 'discrete', 'datp', None),
    ('DATP scores, K=2', 'score_k2', 'datp', None),
    ('uniform weights (trained on mean probability)', 'uniform', None, None),
    (ORACLE, 'uniform', 'oracle', None),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--tasks', nargs='+', choices=TASKS, default=TASKS)
    parser.add_argument('--seeds', type=int, default=5)
    parser.add_argument('--first-seed', type=int, default=0)
    parser.add_argument('--jobs', type=int, default=2,
                        help='(task, seed) runs in parallel, 1 thread each')
    parser.add_argument('--protocol', choices=('finetune', 'scratch'),
                        default='finetune')
    parser.add_argument('--epochs', type=int, default=15,
                        help='epochs of the TSN')
    parser.add_argument('--finetune-epochs', type=int, default=10,
                        help='epochs of every model started from the TSN')
    parser.add_argument('--train-per-class', type=int, default=120)
    parser.add_argument('--test-per-class', type=int, default=80)
    parser.add_argument('--out', default='work_dirs/feature_tasks')
    parser.add_argument('--quick', action='store_true',
                        help='smoke run: 2 seeds, 2 epochs, 12/8 videos per '
                        'class (numbers meaningless)')
    args = parser.parse_args()
    if args.quick:
        args.seeds, args.epochs, args.finetune_epochs = 2, 1, 1
        args.train_per_class, args.test_per_class = 12, 8
    if args.seeds < 1 or args.jobs < 1:
        parser.error('--seeds and --jobs must be >= 1')
    return args


def _epochs(args: argparse.Namespace, model: str) -> int:
    if args.protocol == 'scratch':
        return args.epochs + args.finetune_epochs
    return args.finetune_epochs if MODELS[model][1] else args.epochs


def _cfg(data_root: str, model: str, epochs: int):
    from mmengine.config import Config, ConfigDict
    cfg = Config.fromfile(CONFIG)
    head = cfg.model.cls_head
    for key, value in MODELS[model][0].items():
        if key == '_head_':
            cfg.model.cls_head = ConfigDict(
                value, num_classes=head.num_classes,
                in_channels=head.in_channels)
        elif isinstance(value, dict):
            value = dict(value)
            head[key] = ConfigDict(value) if value.pop('_delete_', False) \
                else ConfigDict({**head[key], **value})
        else:
            head[key] = value
    for split, loader in (('train', cfg.train_dataloader),
                          ('val', cfg.test_dataloader)):
        loader.dataset.ann_file = osp.join(data_root, f'{split}_list.txt')
        loader.dataset.data_prefix = dict(feature=data_root)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.train_cfg.pop('val_interval', None)
    cfg.train_cfg.max_epochs = epochs
    cfg.param_scheduler[-1].T_max = cfg.param_scheduler[-1].end = epochs
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=epochs, max_keep_ckpts=1)
    cfg.default_hooks.logger.interval = 1000
    cfg.log_level = 'WARNING'
    return cfg


def run_one(task: str, seed: int, args: argparse.Namespace) -> Dict:
    """Train every model of one (task, seed) and test every row."""
    import torch
    torch.set_num_threads(1)
    import mmdatp  # noqa: F401  registers DATP
    from mmdatp.apis import (build_runner, set_pooling, set_test_segments,
                             setup_test_cfg, setup_train_cfg)
    from mmdatp.datasets.synthetic_features import make_feature_dataset
    from mmdatp.evaluation import oracle_accuracy, window_attention
    from mmdatp.utils import atomic_open

    out = osp.join(args.out, task, f'seed{seed}')
    result_file = osp.join(out, 'results.json')
    settings = dict(task=task, seed=seed, protocol=args.protocol,
                    epochs=args.epochs, finetune_epochs=args.finetune_epochs,
                    train=args.train_per_class, test=args.test_per_class)
    if osp.isfile(result_file):
        with open(result_file) as f:
            saved = json.load(f)
        if saved['settings'] == settings:
            return saved
    settings_file = osp.join(out, 'settings.json')
    if osp.isfile(settings_file):  # an interrupted run: keep its models
        with open(settings_file) as f:
            old = json.load(f)
        if old != settings:
            raise ValueError(f'{out} holds a run with other settings ({old})'
                             '; pass another --out, or delete it')
    os.makedirs(out, exist_ok=True)
    with atomic_open(settings_file, 'w') as f:
        json.dump(settings, f)
    start = time.time()
    data_root = osp.join(out, 'data')
    make_feature_dataset(data_root, task=task, seed=seed,
                         videos_per_class=args.train_per_class,
                         val_per_class=args.test_per_class)
    with open(osp.join(data_root, 'meta.json')) as f:
        meta = json.load(f)
    length = meta['settings']['length']
    test_videos = meta['videos']['val']
    ckpts = {}
    for model in MODELS:  # the TSN first
        if model == 'tsn' and args.protocol == 'scratch':
            continue  # no row tests it; tsn_more is the TSN then
        epochs = _epochs(args, model)
        ckpts[model] = osp.join(out, model, f'epoch_{epochs}.pth')
        if osp.isfile(ckpts[model]):  # trained by an interrupted run
            continue
        cfg = _cfg(data_root, model, epochs)
        if MODELS[model][1] and args.protocol == 'finetune':
            if cfg.model.cls_head.type == 'TSNHead':  # the same model
                cfg.load_from = ckpts['tsn']
            else:  # fc_cls from the TSN, the aux net fresh
                cfg.custom_hooks = [
                    dict(type='InitFromTSNHook', checkpoint=ckpts['tsn'])
                ]
        # sigma and mu of the Gaussians per epoch (no-op for other heads)
        cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
            dict(type='GeneratorTraceHook')
        ]
        setup_train_cfg(cfg, work_dir=osp.join(out, model), seed=seed)
        build_runner(cfg).train()
    traces = {}
    for model in ckpts:
        trace_file = osp.join(out, model, 'generator_trace.json')
        if osp.isfile(trace_file):
            with open(trace_file) as f:
                traces[model] = json.load(f)
    top1, located = {}, {}
    for label, model, pooling, segments in ROWS:
        cfg = _cfg(data_root, model, _epochs(args, model))
        dump = osp.join(out, model, f'test_{pooling}.pkl') \
            if pooling in ('datp', 'oracle') else None
        setup_test_cfg(cfg, ckpts[model], work_dir=osp.join(out, model),
                       dump=dump)
        if pooling not in (None, 'oracle'):
            set_pooling(cfg, pooling, segments, random_seed=seed)
        elif segments is not None:
            set_test_segments(cfg, segments)
        top1[label] = float(build_runner(cfg).test()['acc/top1'])
        if dump is not None:
            with open(dump, 'rb') as f:
                preds = pickle.load(f)
            windows = [(v['window'][0] / (length - 1),
                        (v['window'][1] - 1) / (length - 1))
                       for v in test_videos]
            labels = [v['label'] for v in test_videos]
            if pooling == 'oracle':
                top1[label] = oracle_accuracy(preds, windows, labels)
            else:
                located[label] = window_attention(preds, windows, labels)
    saved = dict(settings=settings, top1=top1, localisation=located,
                 trace=traces, seconds=time.time() - start)
    with atomic_open(result_file, 'w') as f:
        json.dump(saved, f, indent=1)
    return saved


def main() -> None:
    args = parse_args()
    from mmdatp.evaluation import (localisation_table, seed_table,
                                   summary_table, trace_section)
    from mmdatp.utils import atomic_open
    jobs = [(task, seed) for task in args.tasks
            for seed in range(args.first_seed, args.first_seed + args.seeds)]
    start = time.time()
    runs: Dict[Tuple[str, int], Dict] = {}
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = {job: pool.submit(run_one, *job, args) for job in jobs}
        for i, (job, future) in enumerate(futures.items(), 1):
            runs[job] = future.result()
            print(f'[{i}/{len(jobs)}] {job[0]} seed {job[1]}: '
                  f'{runs[job]["seconds"]:.0f}s, stock TSN '
                  f'{100 * runs[job]["top1"][BASELINE]:.1f}%, DATP K=2 '
                  f'{100 * runs[job]["top1"]["DATP features, K=2"]:.1f}%',
                  flush=True)
    sections, by_task = [], {}
    for task in args.tasks:
        task_runs = [runs[j] for j in jobs if j[0] == task]
        results = {label: {r['settings']['seed']: r['top1'][label]
                           for r in task_runs} for label, *_ in ROWS}
        by_task[task] = results
        how = (f'TSN {args.epochs} epochs, then {args.finetune_epochs} '
               'more for every model (fine-tuned from it)'
               if args.protocol == 'finetune' else
               f'every model {args.epochs + args.finetune_epochs} epochs '
               'from scratch')
        title = (f'### Feature task `{task}`: 5 classes, '
                 f'{args.train_per_class} train / {args.test_per_class} '
                 f'test videos per class, {how}, {len(task_runs)} seeds')
        sections.append(seed_table(results, [r[0] for r in ROWS], BASELINE,
                                   title) + '\n\nWhere the weights look '
                        '(mean over seeds):\n\n' +
                        localisation_table(
                            [r['localisation'] for r in task_runs]) +
                        trace_section(task_runs, {
                            model: label for label, model, pooling, _ in ROWS
                            if pooling == 'datp'}))
    summary = ('### All tasks: top-1 (%) mean ± 95% CI over seeds (paired '
               f'difference to {BASELINE}, points)\n\n' +
               summary_table(by_task, [r[0] for r in ROWS], BASELINE))
    text = '\n\n'.join([summary] + sections) + \
        f'\n\n({len(jobs)} runs, {time.time() - start:.0f}s wall)\n'
    os.makedirs(args.out, exist_ok=True)
    with atomic_open(osp.join(args.out, 'tables.md'), 'w') as f:
        f.write(text)
    print('\n' + text)


if __name__ == '__main__':
    main()
