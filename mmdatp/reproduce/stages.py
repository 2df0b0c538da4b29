"""The seven stages of ``tools/reproduce.py``, each resumable.

Work directory ``W``::

    W/reproduce.json                 settings (a rerun must match them)
    W/rawframes/<class>/<video>/     frames and flow (stage 1)
    W/lists/                         file lists (stage 2)
    W/<stream>/seed<S>/<model>/      checkpoints, logs, sigma traces (3, 4)
    W/<stream>/seed<S>/dumps/<row>.pkl   per-video scores (stage 5)
    W/<stream>/seed<S>/results.json  top-1 of every row (stage 5)
    W/fusion.json                    fused top-1 per row and seed (6)
    W/table.md, W/table.json, W/figures/   Table 4 and figures (7)

Resuming: extraction skips finished videos (their completion markers);
training resumes from the last mmengine checkpoint of a model (one per
epoch), a finished model (``epoch_<E>.pth``) is not retrained; a tested
row is in ``results.json`` (written atomically) and is not retested
unless its dump is missing or older than its model's checkpoint.
Before every stage the free disk space is checked against the stage's
estimate (:class:`DiskFullError`).
"""
import json
import os
import os.path as osp
import shutil
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from mmdatp.utils import atomic_open
from .layout import BadInputError, DatasetLayout, read_layout
from .plan import (MODELS, ROWS, SCALES, STAGES, Scale,
                   check_choices, estimate, format_bytes, format_duration,
                   row_label, row_segments, training_order)


class DiskFullError(OSError):
    """Not enough free disk for a stage (checked before it starts)."""


@dataclass
class Options:
    """The command line of ``tools/reproduce.py``.

    Args:
        data_root (str): The dataset folder in its official layout.
        dataset (str): 'ucf101' or 'hmdb51'.
        work_dir (str): Where everything goes.
        split (int): 1, 2 or 3. Defaults to 1.
        scale (str): 'cpu', 'paper' or 'test'. Defaults to 'cpu'.
        seeds (int): Seeds per stream. Defaults to 1.
        first_seed (int): The first seed. Defaults to 0.
        streams (list[str]): 'rgb' and/or 'flow'. Defaults to both.
        skip_bad (bool): Leave out bad clips and folders. Defaults to
            False.
        num_workers (int, optional): Extraction processes and data loader
            workers; defaults to the cores (extraction) and 0 (loaders) on
            the CPU scales, 4 loaders at paper scale.
    """
    data_root: str
    dataset: str
    work_dir: str
    split: int = 1
    scale: str = 'cpu'
    seeds: int = 1
    first_seed: int = 0
    streams: List[str] = field(default_factory=lambda: ['rgb', 'flow'])
    skip_bad: bool = False
    num_workers: Optional[int] = None

    @property
    def seed_list(self) -> List[int]:
        return list(range(self.first_seed, self.first_seed + self.seeds))


def check_disk(path: str, needed: float, what: str) -> None:
    """Raise :class:`DiskFullError` if ``path``'s disk has less free space
    than ``needed`` bytes (plus 1 GB to spare on real runs)."""
    probe = path
    while not osp.exists(probe):
        probe = osp.dirname(probe) or '.'
    free = shutil.disk_usage(probe).free
    if free < needed:
        raise DiskFullError(
            f'{what} needs about {format_bytes(needed)} on the disk of '
            f'{path!r}, which has {format_bytes(free)} free; free space or '
            'pass another --work-dir (finished work there is kept)')


class Progress:
    """``[stage k/7 name] done/total, ETA``, one line per step."""

    def __init__(self, stage: str, total: int, guess: float = 0.0) -> None:
        self.index = [s for s, _ in STAGES].index(stage) + 1
        self.stage, self.total, self.guess = stage, total, guess
        self.done = self.timed = 0
        self.start = time.time()

    def step(self, what: str, did_work: bool = True) -> None:
        """Count one step (``did_work=False``: found done)."""
        self.done += 1
        self.timed += did_work
        left = self.total - self.done
        spent = time.time() - self.start
        if self.timed:
            eta = spent / self.timed * left
        else:
            eta = self.guess * left / max(self.total, 1)
        print(f'[stage {self.index}/{len(STAGES)} {self.stage}] '
              f'{self.done}/{self.total} {what}; ETA '
              f'{format_duration(eta)}', flush=True)


@dataclass
class Context:
    """What every stage needs."""
    opts: Options
    scale: Scale
    layout: DatasetLayout
    n: int  # DATP's N
    config_epochs: Dict[str, Tuple[int, int]]
    imagenet: bool = False
    failed: Dict[str, str] = field(default_factory=dict)

    @property
    def frames_root(self) -> str:
        return osp.join(self.opts.work_dir, 'rawframes')

    def seed_dir(self, stream: str, seed: int) -> str:
        return osp.join(self.opts.work_dir, stream, f'seed{seed}')

    def lists(self, stream: str) -> Dict[str, str]:
        from mmdatp.datasets.preparation import list_file_name
        fmt = 'rawframes' if stream == 'rgb' else 'flow'
        return {s: osp.join(self.opts.work_dir, 'lists', list_file_name(
            self.opts.dataset, s, self.opts.split, fmt))
            for s in ('train', 'val')}

    def loader_workers(self) -> int:
        if self.opts.num_workers is not None:
            return self.opts.num_workers
        return 4 if self.scale.name == 'paper' else 0

    def estimate(self, stage: str):
        frames = sum(_frame_count(c.src, self.scale.max_frames)
                     for c in self.layout.clips
                     if not osp.isdir(osp.join(self.frames_root, c.rel))
                     ) if stage == 'frames' else 0
        return estimate(self.scale, stage, self.layout.count('train'),
                        self.layout.count('val'), frames,
                        tuple(self.opts.streams), self.opts.seeds,
                        self.config_epochs, self.n)


def _frame_count(path: str, max_frames: Optional[int]) -> int:
    """Frames of a video from its header (150 if unknown)."""
    import cv2
    cap = cv2.VideoCapture(path)
    num = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0) or 150
    cap.release()
    return min(num, max_frames) if max_frames else num


def imagenet_reachable(timeout: float = 5.0) -> bool:
    """Whether torchvision's ResNet-34 weights are cached or fetchable."""
    import glob
    hub = osp.join(osp.expanduser(os.environ.get(
        'TORCH_HOME', '~/.cache/torch')), 'hub', 'checkpoints')
    if glob.glob(osp.join(hub, 'resnet34-*.pth')):
        return True
    import urllib.request
    try:
        urllib.request.urlopen(urllib.request.Request(
            'https://download.pytorch.org/models/resnet34-b627a593.pth',
            method='HEAD'), timeout=timeout)
        return True
    except Exception:  # offline, proxy, DNS: train from scratch
        return False


def prepare(opts: Options, probe_imagenet: bool = True) -> Context:
    """Read the layout, check the settings of ``W``; no work done yet."""
    from .configs import config_epochs, datp_segments
    if opts.scale not in SCALES:
        raise ValueError(f'--scale must be one of {list(SCALES)}, got '
                         f'{opts.scale!r}')
    check_choices(opts.streams, opts.seeds, opts.first_seed)
    scale = SCALES[opts.scale]
    layout = read_layout(opts.data_root, opts.dataset, opts.split,
                         opts.skip_bad)
    n = datp_segments(opts.dataset, opts.streams[0], scale)
    epochs = {s: config_epochs(opts.dataset, s) for s in ('rgb', 'flow')}
    imagenet = scale.imagenet and probe_imagenet and imagenet_reachable()
    if scale.imagenet and probe_imagenet and not imagenet:
        warnings.warn('ImageNet weights (torchvision://resnet34) cannot be '
                      'fetched: the TSN trains from scratch', stacklevel=2)
    return Context(opts, scale, layout, n, epochs, imagenet)


def check_settings(ctx: Context) -> None:
    """Record the settings in ``W/reproduce.json``, or check a rerun's."""
    from .configs import datp_generator
    path = osp.join(ctx.opts.work_dir, 'reproduce.json')
    settings = dict(dataset=ctx.opts.dataset, split=ctx.opts.split,
                    scale=ctx.scale.name, n=ctx.n, imagenet=ctx.imagenet,
                    num_classes=len(ctx.layout.classes))
    # the DATP configs' weight generator (e.g. normalize_components): a
    # work dir never mixes models trained with two recipes
    settings['datp_generator'] = json.loads(json.dumps({
        stream: datp_generator(ctx.opts.dataset, stream)
        for stream in ('rgb', 'flow')}))
    if osp.isfile(path):
        with open(path) as f:
            old = json.load(f)
        for key, value in settings.items():
            if old.get(key) != value:
                raise ValueError(
                    f'{path}: {key} was {old.get(key)!r}, this run has '
                    f'{value!r}; its work does not fit. Pass another '
                    '--work-dir, or the same settings.')
        return
    with atomic_open(path, 'w') as f:
        json.dump(settings, f, indent=1)


def stage_frames(ctx: Context) -> None:
    """Stage 1: frames and flow (``extract_videos``; finished videos are
    skipped, so the lead's ``build_rawframes.py`` output counts)."""
    from mmdatp.datasets.preparation import ExtractSpec, extract_videos
    task = 'both' if len(ctx.opts.streams) == 2 else \
        {'rgb': 'rgb', 'flow': 'flow'}[ctx.opts.streams[0]]
    spec = ExtractSpec(task=task, flow_type=ctx.scale.flow_type,
                       new_short=ctx.scale.new_short,
                       max_frames=ctx.scale.max_frames)
    print(f'[stage 1/7 frames] {len(ctx.layout.clips)} clips, short side '
          f'{spec.new_short}, {spec.flow_type} flow', flush=True)
    summary = extract_videos(ctx.layout.jobs(), ctx.frames_root, spec,
                             num_workers=ctx.opts.num_workers)
    print(summary.format(), flush=True)
    ctx.failed = dict(summary.failed)
    if summary.failed and not ctx.opts.skip_bad:
        raise BadInputError(
            [f'{rel}: {err}' for rel, err in sorted(summary.failed.items())],
            'These clips could not be decoded (the others are kept); pass '
            '--skip-bad to leave them out.')


def stage_lists(ctx: Context) -> None:
    """Stage 2: rawframes and flow lists of the split (safe names)."""
    from mmdatp.datasets.preparation import write_file_lists
    fmts = [{'rgb': 'rawframes', 'flow': 'flow'}[s]
            for s in ctx.opts.streams]
    split = ctx.layout.to_split(exclude=ctx.failed)
    out = write_file_lists(ctx.opts.dataset, ctx.layout.classes,
                           {ctx.opts.split: split}, ctx.frames_root,
                           osp.join(ctx.opts.work_dir, 'lists'), fmts,
                           skip_missing=ctx.opts.skip_bad)
    skipped = sorted(set(ctx.failed) | set(out['missing']))
    with atomic_open(osp.join(ctx.opts.work_dir, 'skipped.json'), 'w') as f:
        json.dump(dict(layout=ctx.layout.skipped, clips=skipped), f,
                  indent=1)
    print(f'[stage 2/7 lists] {len(out["written"])} files in '
          f'{osp.join(ctx.opts.work_dir, "lists")} ({len(split.train)} '
          f'train / {len(split.val)} test clips, {len(skipped)} left out)',
          flush=True)


def _ckpt(ctx: Context, stream: str, seed: int, model: str) -> str:
    from .configs import model_cfg
    cfg = model_cfg(model, ctx.opts.dataset, stream,
                    len(ctx.layout.classes), ctx.scale, ctx.frames_root,
                    ctx.lists(stream), ctx.loader_workers(), ctx.imagenet)
    work = osp.join(ctx.seed_dir(stream, seed), model)
    return cfg, work, osp.join(work, f'epoch_{cfg.train_cfg.max_epochs}'
                               '.pth')


def _resumable(work: str) -> bool:
    """Whether ``work`` holds the checkpoint its ``last_checkpoint``
    names (an interrupted run); a deleted one is trained afresh."""
    last = osp.join(work, 'last_checkpoint')
    if not osp.isfile(last):
        return False
    with open(last) as f:
        ckpt = f.read().strip()
    if osp.isfile(ckpt):
        return True
    os.remove(last)
    return False


def train_model(ctx: Context, stream: str, seed: int, model: str) -> bool:
    """Train (or resume) one model; False if it was finished already."""
    from mmdatp.apis import build_runner, setup_train_cfg
    cfg, work, ckpt = _ckpt(ctx, stream, seed, model)
    if osp.isfile(ckpt):
        return False
    resume = _resumable(work)
    parent = MODELS[model].parent
    hooks = [dict(type='GeneratorTraceHook')]
    if parent is not None and not resume:
        parent_ckpt = _ckpt(ctx, stream, seed, parent)[2]
        if MODELS[model].kind == 'tsn':  # the same model: load all
            cfg.load_from = parent_ckpt
        else:  # backbone + classifier from the parent, aux net fresh (an
            # untrained one from the uniform model: its init)
            hooks.insert(0, dict(type='InitFromTSNHook',
                                 checkpoint=parent_ckpt))
    cfg.custom_hooks = list(cfg.get('custom_hooks') or []) + hooks
    setup_train_cfg(cfg, work_dir=work, seed=seed, no_validate=True,
                    resume='auto' if resume else None)
    build_runner(cfg).train()
    return True


def stage_train(ctx: Context, stage: str) -> None:
    """Stage 3 (``'tsn'``) or 4 (``'datp'``): train every model."""
    models = training_order([m for m, s in MODELS.items()
                             if (s.parent is None) == (stage == 'tsn')])
    todo = [(st, seed, m) for st in ctx.opts.streams
            for seed in ctx.opts.seed_list for m in models]
    progress = Progress(stage, len(todo), ctx.estimate(stage).seconds)
    for stream, seed, model in todo:
        did = train_model(ctx, stream, seed, model)
        progress.step(f'{stream} seed {seed} {model} '
                      f'{"trained" if did else "done before"}', did)


def _load(path: str) -> dict:
    if osp.isfile(path):
        with open(path) as f:
            return json.load(f)
    return {}


def test_row(ctx: Context, stream: str, seed: int, row) -> float:
    """Test one row of Table 4 and dump its per-video scores."""
    from mmdatp.apis import (build_runner, set_pooling, set_test_segments,
                             setup_test_cfg)
    cfg, work, ckpt = _ckpt(ctx, stream, seed, row.model)
    dump = osp.join(ctx.seed_dir(stream, seed), 'dumps', f'{row.key}.pkl')
    os.makedirs(osp.dirname(dump), exist_ok=True)
    if osp.exists(dump):
        os.remove(dump)  # DumpResults appends nothing, but be explicit
    segments = row_segments(row, ctx.scale, ctx.n)
    setup_test_cfg(cfg, ckpt, work_dir=osp.join(work, f'test_{row.key}'),
                   dump=dump)
    if row.pooling is not None:
        set_pooling(cfg, row.pooling,
                    segments if row.pooling == 'avg' else None,
                    random_seed=seed)
    elif row.segments is not None:
        set_test_segments(cfg, segments)
    return float(build_runner(cfg).test()['acc/top1'])


def stage_test(ctx: Context) -> None:
    """Stage 5: every row, stream and seed not tested yet."""
    todo = [(st, seed, r) for st in ctx.opts.streams
            for seed in ctx.opts.seed_list for r in ROWS]
    progress = Progress('test', len(todo), ctx.estimate('test').seconds)
    for stream, seed, row in todo:
        path = osp.join(ctx.seed_dir(stream, seed), 'results.json')
        saved = _load(path) or dict(top1={}, trace={})
        dump = osp.join(ctx.seed_dir(stream, seed), 'dumps',
                        f'{row.key}.pkl')
        ckpt = _ckpt(ctx, stream, seed, row.model)[2]
        if row.key in saved['top1'] and osp.isfile(dump) and \
                osp.getmtime(dump) >= osp.getmtime(ckpt):  # not retrained
            progress.step(f'{stream} seed {seed} {row.key} done before',
                          False)
            continue
        saved['top1'][row.key] = test_row(ctx, stream, seed, row)
        for model in MODELS:
            trace = _load(osp.join(ctx.seed_dir(stream, seed), model,
                                   'generator_trace.json'))
            if trace:
                saved['trace'][model] = trace
        with atomic_open(path, 'w') as f:
            json.dump(saved, f, indent=1)
        progress.step(f'{stream} seed {seed} {row.key}: '
                      f'{100 * saved["top1"][row.key]:.1f}%')


def stage_fusion(ctx: Context) -> Dict[str, Dict[int, float]]:
    """Stage 6: RGB:flow = 1:1.5 for every row (paper Sec. 4.2): the
    pooled scores S where both dumps have them (DATP heads), else the
    class probabilities."""
    from mmdatp.evaluation import (accuracy_report, check_labels_match,
                                   fuse_scores, load_results)
    from .plan import FUSION_WEIGHTS
    fused: Dict[str, Dict[int, float]] = {}
    if sorted(ctx.opts.streams) != ['flow', 'rgb']:
        print('[stage 6/7 fusion] skipped: needs --streams rgb flow')
        return fused
    for seed in ctx.opts.seed_list:
        for row in ROWS:
            dumps = [osp.join(ctx.seed_dir(s, seed), 'dumps',
                              f'{row.key}.pkl') for s in ('rgb', 'flow')]
            if not all(osp.isfile(d) for d in dumps):
                continue
            try:
                scores = [load_results(d, 'pooled_score') for d in dumps]
            except ValueError:  # no pooled score (TSNHead): probabilities
                scores = [load_results(d) for d in dumps]
            check_labels_match([lab for _, lab in scores], names=dumps)
            both = fuse_scores([s for s, _ in scores],
                               [FUSION_WEIGHTS['rgb'],
                                FUSION_WEIGHTS['flow']])
            fused.setdefault(row.key, {})[seed] = accuracy_report(
                both, scores[0][1])['top1']
    with atomic_open(osp.join(ctx.opts.work_dir, 'fusion.json'), 'w') as f:
        json.dump(fused, f, indent=1)
    print(f'[stage 6/7 fusion] {sum(map(len, fused.values()))} fused '
          'results', flush=True)
    return fused


def plan_text(ctx: Context) -> str:
    """The ``--dry-run`` plan: stages, what they run, time and disk."""
    o, s = ctx.opts, ctx.scale
    init = 'ImageNet init if reachable' if s.imagenet else 'from scratch'
    lines = [ctx.layout.describe(),
             f'scale {s.name}: short side {s.new_short}, {s.crop} crops, '
             f'{s.flow_type} flow, N={ctx.n}, {init}'
             f'; {s.why}', f'work dir {o.work_dir}; streams '
             f'{" ".join(o.streams)}; seeds {o.seed_list}', '']
    total_s = total_b = 0.0
    for i, (stage, what) in enumerate(STAGES, 1):
        est = ctx.estimate(stage)
        total_s += est.seconds
        total_b += est.bytes
        lines.append(f'{i}. {stage}: {what}; ~{format_duration(est.seconds)}'
                     f', ~{format_bytes(est.bytes)}')
    from .configs import config_file
    for stream in o.streams:
        for model, spec in MODELS.items():
            first = spec.parent is None
            eps = (s.tsn_epochs if first else s.finetune_epochs) or {
                stream: ctx.config_epochs[stream][0 if first else 1]}
            segs = ctx.n if spec.kind == 'datp' else (s.tsn_segments
                                                      or ctx.n)
            lines.append(
                f'   train {stream} {model}: '
                f'{osp.relpath(config_file(o.dataset, stream, spec.kind))}'
                f' {spec.change or ""} {eps[stream]} epochs on {segs} '
                f'segments from {spec.parent or "scratch/ImageNet"} -> '
                f'{osp.join(ctx.seed_dir(stream, "<S>"), model)}')
    for row in ROWS:
        lines.append(f'   test {row.key}: {row_label(row, s, ctx.n)}')
    lines.append(f'total ~{format_duration(total_s)} (estimated at '
                 f'{s.train_img_s:g} train / {s.test_img_s:g} test images/s'
                 f'), ~{format_bytes(total_b)} of disk')
    return '\n'.join(lines)


def run(opts: Options, dry_run: bool = False) -> Optional[str]:
    """Run (or, with ``dry_run``, print the plan of) every stage.

    Returns:
        str, optional: The path of the table (None for a dry run).
    """
    from .table import write_table
    ctx = prepare(opts, probe_imagenet=not dry_run)
    if dry_run:
        print(plan_text(ctx))
        return None
    for line in ctx.layout.skipped:
        print(f'skipped (--skip-bad): {line}', file=sys.stderr)
    print(ctx.layout.describe(), flush=True)
    check_settings(ctx)
    for stage, fn in (('frames', stage_frames), ('lists', stage_lists),
                      ('tsn', lambda c: stage_train(c, 'tsn')),
                      ('datp', lambda c: stage_train(c, 'datp')),
                      ('test', stage_test)):
        check_disk(opts.work_dir, ctx.estimate(stage).bytes,
                   f'stage {stage}')
        fn(ctx)
    fused = stage_fusion(ctx)
    return write_table(ctx, fused)


__all__ = ['DiskFullError', 'Options', 'Context', 'Progress', 'check_disk',
           'prepare', 'run', 'plan_text']
