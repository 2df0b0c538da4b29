"""Input-pipeline speed of our training configs, and training end to end.

Each pipeline is the ``train_dataloader`` of one of our configs (batch size,
sampler, collate, transforms), with the data root swapped to data this
script generates under ``--work-dir`` (a temporary directory by default):

    rgb_video        configs/datp_tsn_r34_hmdb51_video.py: decord,
                     DATPSampleFrames N=10, MultiScaleCrop, flip
    rgb_frames       configs/datp_tsn_r34_hmdb51.py (HMDB51's RGB config):
                     the same on RGB rawframes (10 JPEGs per video)
    rgb_frames_gpu   configs/datp_tsn_r34_hmdb51_gpu_decode.py: workers
                     read bytes, the data preprocessor decodes
    flow_frames      configs/datp_tsn_r34_hmdb51_flow.py: 10 x 5 stacked
                     x/y flow pairs (100 grey JPEGs per video)
    flow_frames_gpu  configs/datp_tsn_r34_hmdb51_flow_gpu_decode.py

Data: the clips of tests/data/videos (320x240 and 340x256, 164-300 frames)
and their RGB frames and Farneback flow at short side 256, extracted with
mmdatp's own extractor (the layout of tools/data/build_rawframes.py). The
list files name the clips over and over (``--videos`` lines, enough for all
batches by default). Farneback, not TV-L1: only the JPEGs' size and content
type matter here, and TV-L1 takes minutes.

Rates, in videos/s, all measured in this one run:

    in process   ``num_workers=0``, one batch per pipeline in turn (round
                 robin), so machine drift hits all pipelines alike
    W workers    the config's DataLoader with W worker processes, timed from
                 the batch that completes the first round of the workers
    per worker   the W-worker rate / W
    preprocess   the config's data preprocessor on ``--device`` (for _gpu
                 rows JPEG decoding, crop, resize, flip; else stack and
                 normalise), one batch, median of repeats
    workers for R  ceil(R / per-worker rate): workers needed to feed a GPU
                 that trains R videos/s (``--gpu-rate``; 400 is TSN-R34's
                 fp32 model-only rate on one H200, docs/en/benchmarks.md);
                 _gpu rows also need ``preprocess`` >= R on the device

``--e2e`` adds, per pipeline, training iterations/s of the config's model
(TSN-R34 + DATP, ``pretrained=None``) fed by the config's DataLoader (W
workers, pin_memory, persistent workers) against the model-only step on one
batch already decoded on the device, timed before and after; ratio = with
loading / model-only (the goal: >= 0.9).

Usage:
    python tools/benchmark/loader_benchmark.py                    # CPU rows
    python tools/benchmark/loader_benchmark.py --device cuda --e2e
    python tools/benchmark/loader_benchmark.py --quick            # smoke
"""
import argparse
import copy
import logging
import math
import os
import os.path as osp
import shutil
import statistics
import tempfile
import time
from typing import Callable, Dict, List

import mmdatp  # noqa: F401  applies the stack fixes, registers DATP
import torch
from mmdatp.datasets.preparation import (ExtractSpec, VideoJob, count_frames,
                                         extract_videos)
from mmdatp.models import JPEGDecodeDataPreprocessor, decode_clips
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmaction.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CLIPS = osp.join(REPO, 'tests', 'data', 'videos')
SOURCES = ('test.avi', 'test.mp4', 'demo.mp4')
#: name -> (config, list format)
PIPELINES = {
    'rgb_video': ('datp_tsn_r34_hmdb51_video.py', 'videos'),
    'rgb_frames': ('datp_tsn_r34_hmdb51.py', 'rawframes'),
    'rgb_frames_gpu': ('datp_tsn_r34_hmdb51_gpu_decode.py', 'rawframes'),
    'flow_frames': ('datp_tsn_r34_hmdb51_flow.py', 'flow'),
    'flow_frames_gpu': ('datp_tsn_r34_hmdb51_flow_gpu_decode.py', 'flow'),
}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--pipelines', nargs='+', default=list(PIPELINES),
                        choices=list(PIPELINES))
    parser.add_argument(
        '--workers', type=int, default=None,
        help='DataLoader workers W (default: cores - 2 on cuda, capped at '
        '14; all cores on cpu)')
    parser.add_argument('--batch-size', type=int, default=None,
                        help="videos per batch (default: the config's, 16)")
    parser.add_argument('--gpu-rate', type=float, default=400.0,
                        help='videos/s the GPU trains model-only')
    parser.add_argument('--batches', type=int, default=2,
                        help='timed in-process batches per pipeline')
    parser.add_argument('--worker-rounds', type=int, default=2,
                        help='timed batches per worker with W workers')
    parser.add_argument('--e2e', action='store_true',
                        help='also time training with real data loading')
    parser.add_argument('--transforms', action='store_true',
                        help='also print ms per video of every transform')
    parser.add_argument('--no-rates', action='store_true',
                        help='skip the loader-speed table (with --e2e)')
    parser.add_argument('--iters', type=int, default=40,
                        help='timed training iterations per pipeline (e2e)')
    parser.add_argument('--amp', action='store_true',
                        help='e2e under fp16 autocast (AmpOptimWrapper)')
    parser.add_argument('--input-size', type=int, default=224,
                        help='crop size of the pipelines and the model')
    parser.add_argument('--videos', type=int, default=None,
                        help='lines per list (default: enough batches)')
    parser.add_argument('--max-frames', type=int, default=None,
                        help='extract only the first frames of each clip')
    parser.add_argument('--jpeg-quality', type=int, default=95,
                        help='JPEG quality of the extracted frames and '
                        'flow (smaller files decode faster; default: the '
                        "extractor's, 95)")
    parser.add_argument('--work-dir', default=None,
                        help='keep the generated data here (reused)')
    parser.add_argument('--quick', action='store_true',
                        help='smoke run: tiny batches (numbers meaningless)')
    args = parser.parse_args(argv)
    if args.quick:
        args.batch_size = args.batch_size or 2
        args.workers = 1 if args.workers is None else args.workers
        args.batches, args.worker_rounds, args.iters = 1, 1, 1
        args.max_frames = args.max_frames or 12
        args.input_size = 32
    if args.workers is None:
        cores = len(os.sched_getaffinity(0))
        args.workers = max(1, min(14, cores - 2)) if args.device == 'cuda' \
            else cores
    if args.workers < 1 or args.batches < 1 or args.worker_rounds < 1 \
            or args.iters < 1:
        parser.error('--workers, --batches, --worker-rounds and --iters '
                     'must be >= 1')
    if args.input_size < 32:
        parser.error(f'--input-size must be >= 32, got {args.input_size}')
    if args.no_rates and not args.e2e:
        parser.error('--no-rates leaves nothing to do without --e2e')
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error('--device cuda: no CUDA device is available')
    return args


def prepare_data(work_dir: str, max_frames, num_workers: int,
                 jpeg_quality: int = 95) -> Dict:
    """Extract RGB frames and Farneback flow of the test clips (resumable)
    at ``jpeg_quality`` and return the frame counts per clip directory."""
    jobs = [VideoJob(osp.join(CLIPS, s), s.replace('.', '_')) for s in SOURCES]
    frames = osp.join(work_dir, 'rawframes')
    spec = ExtractSpec(task='both', flow_type='farneback',
                       max_frames=max_frames, jpeg_quality=jpeg_quality)
    summary = extract_videos(jobs, frames, spec, verbose=False,
                             num_workers=num_workers)
    if not summary.ok:
        raise RuntimeError(summary.format())
    return {job.rel: (count_frames(osp.join(frames, job.rel), 'rgb'),
                      count_frames(osp.join(frames, job.rel), 'flow'))
            for job in jobs}


def write_lists(work_dir: str, counts: Dict, num: int) -> Dict[str, str]:
    """One list per format naming the clips ``num`` times in turn."""
    paths = {}
    for fmt in ('videos', 'rawframes', 'flow'):
        lines = []
        for i in range(num):
            src = SOURCES[i % len(SOURCES)]
            rel = src.replace('.', '_')
            if fmt == 'videos':
                lines.append(f'{src} {i % 51}\n')
            else:
                n = counts[rel][0 if fmt == 'rawframes' else 1]
                lines.append(f'{rel} {n} {i % 51}\n')
        paths[fmt] = osp.join(work_dir, f'bench_{fmt}.txt')
        with open(paths[fmt], 'w') as f:
            f.writelines(lines)
    return paths


def set_input_size(cfg: Config, size: int) -> None:
    """Crop size of the training pipeline and the aux net's feature map."""
    for step in cfg.train_dataloader.dataset.pipeline:
        if step['type'] == 'MultiScaleCrop':
            step['input_size'] = size
        if step['type'] == 'Resize' and not step.get('keep_ratio', True):
            step['scale'] = (size, size)
    cfg.model.cls_head.aux_net.spatial_size = math.ceil(size / 32)


def load_config(name: str, args, work_dir: str, lists: Dict) -> Config:
    """The pipeline's config with the data swapped to ``work_dir``."""
    config, fmt = PIPELINES[name]
    cfg = Config.fromfile(osp.join(REPO, 'configs', config))
    dataset = cfg.train_dataloader.dataset
    dataset.ann_file = lists[fmt]
    dataset.data_prefix = dict(video=CLIPS) if fmt == 'videos' else dict(
        img=osp.join(work_dir, 'rawframes'))
    if args.batch_size:
        cfg.train_dataloader.batch_size = args.batch_size
    cfg.model.backbone.pretrained = None  # offline; speed does not care
    set_input_size(cfg, args.input_size)
    return cfg


def build_loader(cfg: Config, workers: int, pin_memory: bool = False):
    loader = copy.deepcopy(cfg.train_dataloader)
    loader.num_workers = workers
    loader.persistent_workers = workers > 0
    loader.pin_memory = pin_memory
    return Runner.build_dataloader(loader.to_dict(), seed=0)


def sync(device: str) -> None:
    if device == 'cuda':
        torch.cuda.synchronize()


def measure_in_process(cfgs: Dict[str, Config], args) -> Dict[str, float]:
    """videos/s with num_workers=0, batches taken round robin."""
    iters = {name: iter(build_loader(cfg, 0)) for name, cfg in cfgs.items()}
    seconds = {name: 0.0 for name in cfgs}
    for rnd in range(1 + args.batches):  # round 0 warms up
        for name, it in iters.items():
            start = time.perf_counter()
            next(it)
            if rnd:
                seconds[name] += time.perf_counter() - start
    return {name: args.batches * cfgs[name].train_dataloader.batch_size /
            seconds[name] for name in cfgs}


def measure_workers(cfg: Config, args) -> float:
    """videos/s with W workers, after each worker delivered one batch."""
    loader = build_loader(cfg, args.workers)
    it = iter(loader)
    for _ in range(args.workers):
        next(it)
    timed = args.workers * args.worker_rounds
    start = time.perf_counter()
    for _ in range(timed):
        next(it)
    rate = timed * cfg.train_dataloader.batch_size / (
        time.perf_counter() - start)
    del it, loader  # shuts the workers down
    return rate


def measure_transforms(cfg: Config, num: int) -> List[tuple]:
    """Mean ms per video of every transform of the training pipeline."""
    loader = build_loader(cfg, 0)
    dataset, total = loader.dataset, {}
    for i in range(num):
        results = dataset.get_data_info(i % len(dataset))
        for k, step in enumerate(dataset.pipeline.transforms):
            start = time.perf_counter()
            results = step(results)
            key = (k, type(step).__name__)
            total[key] = total.get(key, 0.0) + time.perf_counter() - start
    return [(name, 1000 * t / num) for (_, name), t in total.items()]


def to_device(batch: Dict, device: str) -> List[torch.Tensor]:
    """The batch's inputs on ``device``, decoded when they are encoded."""
    inputs = batch['inputs']
    if JPEGDecodeDataPreprocessor.is_encoded(inputs):
        return decode_clips(inputs, batch['data_samples'], device)
    return [x.to(device) for x in inputs]


def measure_preprocess(cfg: Config, batch: Dict, args) -> float:
    """videos/s of the data preprocessor on the device, median of 5 after
    a warm-up (1 with --quick)."""
    pre = MODELS.build(cfg.model.data_preprocessor).to(args.device)
    times = []
    for _ in range(2 if args.quick else 6):
        sync(args.device)
        start = time.perf_counter()
        pre(dict(batch), training=True)
        sync(args.device)
        times.append(time.perf_counter() - start)
    return len(batch['inputs']) / statistics.median(times[1:])


def timed_steps(step: Callable, n: int, device: str) -> float:
    """Iterations/s of ``n`` calls of ``step``."""
    sync(device)
    start = time.perf_counter()
    for _ in range(n):
        step()
    sync(device)
    return n / (time.perf_counter() - start)


def measure_e2e(cfg: Config, batch: Dict, args) -> Dict[str, float]:
    """Training it/s with the W-worker DataLoader and model-only."""
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.to(args.device).train()
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.dtype = 'float16' if args.device == 'cuda' \
            else 'bfloat16'
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    ready = dict(inputs=to_device(batch, args.device),
                 data_samples=batch['data_samples'])

    def model_only():
        model.train_step(ready, wrapper)

    warm = 1 if args.quick else 5
    for _ in range(warm):
        model_only()
    before = timed_steps(model_only, args.iters, args.device)
    # workers start now, after the model-only timing, with empty queues
    loader = build_loader(cfg, args.workers, pin_memory=args.device == 'cuda')
    it = iter(loader)

    def with_loading():
        model.train_step(next(it), wrapper)

    for _ in range(args.workers + warm):  # the first round of batches
        with_loading()
    e2e = timed_steps(with_loading, args.iters, args.device)
    after = timed_steps(model_only, args.iters, args.device)
    del it, loader
    return dict(before=before, after=after, e2e=e2e,
                ratio=e2e / statistics.mean([before, after]))


def format_rates(names, rates, args, batch_size) -> str:
    dev = torch.cuda.get_device_name() if args.device == 'cuda' else 'cpu'
    base = rates['in_process'].get('rgb_video')
    lines = [
        f'Loader speed (videos/s), batch {batch_size}, {args.input_size} px, '
        f'W={args.workers} workers, {len(os.sched_getaffinity(0))} cores; '
        f'preprocess on {dev}; workers needed for --gpu-rate '
        f'{args.gpu_rate:g} videos/s', '',
        '| pipeline | in process | vs rgb_video | W workers | per worker '
        f'| preprocess | workers for {args.gpu_rate:g}/s |',
        '|---|---:|---:|---:|---:|---:|---:|'
    ]
    for name in names:
        one = rates['in_process'][name]
        per = rates['workers'][name] / args.workers
        ratio = f'{one / base:.2f}' if base else '-'
        lines.append(f"| {name} | {one:.1f} | {ratio} | "
                     f"{rates['workers'][name]:.1f} | {per:.1f} | "
                     f"{rates['preprocess'][name]:.0f} | "
                     f'{math.ceil(args.gpu_rate / per)} |')
    return '\n'.join(lines)


def format_e2e(names, e2e, args, batch_size) -> str:
    dev = torch.cuda.get_device_name() if args.device == 'cuda' else 'cpu'
    lines = [
        f'Training end to end on {dev}: TSN-R34 DATP, batch {batch_size}, '
        f'{args.input_size} px, amp={"on" if args.amp else "off"}, '
        f'W={args.workers} workers, pin_memory={args.device == "cuda"}, '
        'persistent workers; '
        f'{args.iters} timed iterations', '',
        '| pipeline | model-only it/s (before / after) | with loading it/s '
        '| videos/s | ratio |', '|---|---:|---:|---:|---:|'
    ]
    for name in names:
        r = e2e[name]
        lines.append(f"| {name} | {r['before']:.2f} / {r['after']:.2f} | "
                     f"{r['e2e']:.2f} | {r['e2e'] * batch_size:.0f} | "
                     f"{r['ratio']:.3f} |")
    for stream in ('rgb', 'flow'):
        best = max((n for n in names if n.startswith(stream)),
                   key=lambda n: e2e[n]['ratio'], default=None)
        if best:
            ok = 'meets' if e2e[best]['ratio'] >= 0.9 else 'misses'
            lines.append(f'{stream}: best {best}, ratio '
                         f"{e2e[best]['ratio']:.3f} ({ok} the 0.9 goal)")
    return '\n'.join(lines)


def main(argv=None) -> None:
    args = parse_args(argv)
    init_default_scope('mmaction')
    MMLogger.get_current_instance().setLevel(logging.ERROR)
    import cv2
    cv2.setNumThreads(0)  # as mmengine's runner sets it (env_cfg)
    work_dir = args.work_dir or tempfile.mkdtemp(prefix='loader_bench_')
    os.makedirs(work_dir, exist_ok=True)
    t0 = time.perf_counter()
    try:
        # in process for --quick: no worker start-up for 3 short clips
        counts = prepare_data(work_dir, args.max_frames,
                              0 if args.quick else min(args.workers, 3),
                              args.jpeg_quality)
        bs = args.batch_size or Config.fromfile(osp.join(
            REPO, 'configs', PIPELINES['rgb_video'][0])).train_dataloader \
            .batch_size
        need = bs * max(args.workers * (1 + args.worker_rounds) + 2,
                        args.workers + args.iters + 8, args.batches + 2)
        lists = write_lists(work_dir, counts, args.videos or need)
        print(f'data ready in {time.perf_counter() - t0:.0f} s under '
              f'{work_dir}', flush=True)
        cfgs = {n: load_config(n, args, work_dir, lists)
                for n in args.pipelines}
        batches = {n: next(iter(build_loader(c, 0))) for n, c in cfgs.items()}
        if not args.no_rates:
            rates = dict(in_process=measure_in_process(cfgs, args),
                         workers={}, preprocess={})
            for name, cfg in cfgs.items():
                rates['workers'][name] = measure_workers(cfg, args)
                rates['preprocess'][name] = measure_preprocess(
                    cfg, batches[name], args)
            print(format_rates(args.pipelines, rates, args, bs), flush=True)
            print(f'({time.perf_counter() - t0:.0f} s so far)\n', flush=True)
        if args.transforms:
            print('ms per video per transform (in process):')
            for name, cfg in cfgs.items():
                steps = measure_transforms(cfg, bs)
                print(f'  {name}: ' + ', '.join(
                    f'{n} {ms:.1f}' for n, ms in steps) +
                    f' = {sum(ms for _, ms in steps):.1f}', flush=True)
            print()
        if args.e2e:
            e2e = {}
            for name, cfg in cfgs.items():
                e2e[name] = measure_e2e(cfg, batches[name], args)
                print(f'  {name}: ratio {e2e[name]["ratio"]:.3f} '
                      f'({time.perf_counter() - t0:.0f} s)', flush=True)
            print(format_e2e(args.pipelines, e2e, args, bs))
    finally:
        if args.work_dir is None:
            shutil.rmtree(work_dir, ignore_errors=True)
    print(f'total {time.perf_counter() - t0:.0f} s')


if __name__ == '__main__':
    main()
