"""Optical-flow extraction speed: pairs/s per algorithm, 1 worker vs all.

Runs the real extractor (decode, resize, flow, quantise, JPEG write; the
``--task flow`` path of ``tools/data/build_rawframes.py``) on copies of one
clip, for OpenCV's TV-L1 (``tvl1``), TV-L1 in PyTorch on the CPU
(``tvl1-torch``, ``--flow-backend torch``) and Farneback, with 1 worker and
with all cores, in the same run, and prints one table::

    python tools/benchmark/flow_benchmark.py                 # a few min
    python tools/benchmark/flow_benchmark.py --quick         # seconds
    python tools/benchmark/flow_benchmark.py --video my.avi --new-short 256

``--device cuda`` times TV-L1 in PyTorch on the GPU instead: pairs/s of the
flow alone (frames decoded beforehand, uint8 in and out) per ``--modes``
(eager; ``compile``: blocks of iterations and the median through
torch.compile; ``cudagraphs``: the same as CUDA graphs) and batch size, at
the clip's size after resizing (340x256 for a 340x256 clip at short side
256), each compiled row with its difference to eager on the same pairs,
then the whole extractor (eager) at the best batch size (unless
``--no-extractor``), and the projected
extraction time of HMDB51 (~0.6 M pairs) and UCF101 (13,320 videos x ~185
pairs: ~186 frames per video on average, an assumption). The OpenCV TV-L1
row (all cores) is added when ``cv2.optflow`` exists, else a note says it
was skipped; then the ratio torch / OpenCV is printed::

    python tools/benchmark/flow_benchmark.py --device cuda \
        --video tests/data/videos/test.mp4                   # ~1-2 min
    python tools/benchmark/flow_benchmark.py --device cuda \
        --video tests/data/videos/test.mp4 --no-extractor \
        --modes eager compile cudagraphs --batch-sizes 256 512

Without ``--video`` a synthetic clip (a textured pattern moving 2 px per
frame, 340x256) is written to a temporary directory. Times include starting
the worker processes from an already running forkserver (started by a
warm-up before the timing), as in a real run after its first second; with
few videos per worker the speed-up is understated somewhat. "cores used"
is the CPU time the workers got divided by the wall time: on a machine
shared with other jobs it shows how much speed-up the load left possible.
Not a test: numbers depend on the machine and its load.
"""
import argparse
import os
import os.path as osp
import shutil
import tempfile
from typing import List, Optional

from mmdatp.datasets.preparation import (ExtractSpec, ResizeSpec, TorchFlow,
                                         default_num_workers, extract_videos,
                                         find_videos, read_frames)

#: rows: OpenCV's TV-L1, TV-L1 in PyTorch (CPU here), Farneback
ROW_TYPES = ('tvl1', 'tvl1-torch', 'farneback')
#: --modes: row name and TVL1Flow's ``compile`` argument
TORCH_MODES = {
    'eager': ('tvl1-torch', False),
    'compile': ('tvl1-torch compiled', True),
    'cudagraphs': ('tvl1-torch compiled+graphs', 'reduce-overhead'),
    'graphs': ('tvl1-torch CUDA graphs', 'graphs'),
}


#: frame pairs of the datasets, for the projection (see module doc)
DATASET_PAIRS = {
    'HMDB51': 600_000,
    'UCF101': 13_320 * 185,
}


def row_spec(row_type: str, new_short: int, max_frames: int) -> ExtractSpec:
    """The extraction of a table row."""
    torch_row = row_type == 'tvl1-torch'
    return ExtractSpec(
        task='flow',
        flow_type='tvl1' if torch_row else row_type,
        flow_backend='torch' if torch_row else 'opencv',
        new_short=new_short,
        max_frames=max_frames)


def has_opencv_tvl1() -> bool:
    """Whether cv2 has contrib's TV-L1 (opencv-python lacks it)."""
    import cv2
    return hasattr(getattr(cv2, 'optflow', None), 'DualTVL1OpticalFlow_create')


def write_synthetic_clip(path: str,
                         num_frames: int,
                         width: int = 340,
                         height: int = 256) -> None:
    """A smooth random texture moving right by 2 px per frame (MJPG)."""
    import cv2
    import numpy as np
    rng = np.random.default_rng(0)
    pad = 2 * num_frames + 8
    big = (rng.random((height, width + pad)) * 255).astype(np.uint8)
    big = cv2.GaussianBlur(big, (0, 0), 2.0)
    big = cv2.normalize(big, None, 0, 255, cv2.NORM_MINMAX)
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), 25,
                             (width, height))
    if not writer.isOpened():
        raise RuntimeError(f'cannot write {path}')
    for t in range(num_frames):
        x0 = pad - 2 * t
        frame = big[:, x0:x0 + width]
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser."""
    parser = argparse.ArgumentParser(
        description='Flow extraction pairs/s per algorithm, 1 worker vs '
        'all cores, side by side.')
    parser.add_argument(
        '--video', help='clip to use (default: a synthetic 340x256 clip)')
    parser.add_argument(
        '--flow-types',
        nargs='+',
        choices=ROW_TYPES,
        default=list(ROW_TYPES),
        help='rows (default: all three; tvl1-torch is TV-L1 in PyTorch, '
        'one torch thread per worker)')
    parser.add_argument(
        '--device',
        default='cpu',
        help='cpu (the table above) or cuda: TV-L1 in PyTorch on the GPU '
        '(see the module doc)')
    parser.add_argument(
        '--batch-sizes',
        type=int,
        nargs='+',
        default=[64, 128, 256],
        help='--device cuda: frame pairs per batch to try (default: '
        '%(default)s)')
    parser.add_argument(
        '--pairs',
        type=int,
        default=512,
        help='--device cuda: pairs timed per batch size (default: 512)')
    parser.add_argument(
        '--modes',
        nargs='+',
        choices=list(TORCH_MODES),
        default=['eager'],
        help='--device cuda: eager, compile (torch.compile\'d blocks of '
        'iterations and median), cudagraphs (the same with CUDA graphs, '
        'mode reduce-overhead) (default: eager)')
    parser.add_argument(
        '--compile',
        action='store_true',
        help='--device cuda: same as adding compile to --modes')
    parser.add_argument(
        '--no-extractor',
        action='store_true',
        help='--device cuda: skip the whole-extractor row (and OpenCV\'s)')
    parser.add_argument(
        '--workers',
        type=int,
        default=default_num_workers(),
        help='"all cores" (default: the cores available, %(default)s)')
    parser.add_argument(
        '--videos-per-worker',
        type=int,
        default=2,
        help='copies of the clip per worker of the largest pool '
        '(default: 2)')
    parser.add_argument(
        '--max-frames',
        type=int,
        default=11,
        help='frames per clip; pairs = frames - 1 (default: 11)')
    parser.add_argument(
        '--new-short',
        type=int,
        default=256,
        help='short side the frames are resized to (default: 256)')
    parser.add_argument(
        '--quick',
        action='store_true',
        help='smoke run: short side 64, 4 frames, 1 video per worker')
    parser.add_argument(
        '--work-dir',
        help='scratch directory (default: a temporary one, removed)')
    return parser


def run_benchmark(video: str,
                  work_dir: str,
                  flow_types: List[str],
                  workers: int,
                  videos_per_worker: int,
                  max_frames: int,
                  new_short: int,
                  worker_counts: Optional[List[int]] = None) -> List[dict]:
    """Time the extractor; returns one row per (algorithm, workers), for
    1 and ``workers`` workers unless ``worker_counts`` says otherwise."""
    src = osp.join(work_dir, 'videos')
    os.makedirs(src, exist_ok=True)
    ext = osp.splitext(video)[1]
    num_videos = max(workers, 1) * videos_per_worker
    for i in range(num_videos):
        dst = osp.join(src, f'clip{i:03d}{ext}')
        if not osp.lexists(dst):
            try:
                os.symlink(osp.abspath(video), dst)
            except OSError:
                shutil.copy(video, dst)
    jobs = find_videos(src, level=1)
    # start the worker machinery (the forkserver imports mmdatp once)
    # before anything is timed
    extract_videos(
        jobs[:workers],
        osp.join(work_dir, 'warm_up'),
        ExtractSpec(task='flow', flow_type='farneback', max_frames=2),
        num_workers=workers,
        verbose=False)
    rows = []
    for flow_type in flow_types:
        spec = row_spec(flow_type, new_short, max_frames)
        for num_workers in worker_counts or sorted({1, workers}):
            out = osp.join(work_dir, f'flow_{flow_type}_{num_workers}')
            shutil.rmtree(out, ignore_errors=True)
            summary = extract_videos(
                jobs,
                out,
                spec,
                num_workers=num_workers,
                verbose=False,
                batch_size=max_frames - 1)  # tvl1-torch: a video a batch
            if not summary.ok:
                raise RuntimeError(summary.format())
            rows.append(
                dict(
                    flow_type=flow_type,
                    workers=num_workers,
                    videos=len(jobs),
                    pairs=summary.flow_pairs,
                    seconds=summary.seconds,
                    cores_used=summary.cpu_seconds / summary.seconds,
                    pairs_per_s=summary.flow_pairs / summary.seconds))
            shutil.rmtree(out, ignore_errors=True)
    return rows


def format_table(rows: List[dict]) -> str:
    """The markdown table, with the speed-up over 1 worker per row."""
    base = {r['flow_type']: r['pairs_per_s'] for r in rows
            if r['workers'] == 1}
    lines = [
        '| flow | workers | videos | pairs | seconds | cores used | pairs/s '
        '| speed-up vs 1 worker |', '|---|---:|---:|---:|---:|---:|---:|---:|'
    ]
    for r in rows:
        speedup = '-'
        if r['flow_type'] in base:
            speedup = f"{r['pairs_per_s'] / base[r['flow_type']]:.2f}x"
        lines.append(f"| {r['flow_type']} | {r['workers']} | {r['videos']} "
                     f"| {r['pairs']} | {r['seconds']:.2f} | "
                     f"{r['cores_used']:.2f} | "
                     f"{r['pairs_per_s']:.2f} | {speedup} |")
    return '\n'.join(lines)


def grey_frames(video: str, new_short: int, num: int):
    """``num`` grey uint8 frames of ``video`` resized as the extractor
    does, played back and forth if the clip is shorter (no cut)."""
    import cv2
    import numpy as np
    resize = ResizeSpec(new_short)
    frames = [
        cv2.cvtColor(resize(f), cv2.COLOR_BGR2GRAY)
        for f in read_frames(video, num)
    ]
    if len(frames) < 2:
        raise ValueError(f'{video} has {len(frames)} frame(s), need 2')
    while len(frames) < num:
        frames += frames[-2::-1][:num - len(frames)]
    return np.stack(frames)


def time_torch_flow(frames,
                    device: str,
                    batch_sizes: List[int],
                    modes: List[str] = ('eager', ),
                    eager_warm_up: int = 8) -> List[dict]:
    """Pairs/s of TorchFlow alone (uint8 frames in, quantised uint8 out)
    per mode (``TORCH_MODES``) and batch size, after a warm-up batch: the
    full batch compiled (compiling, recording CUDA graphs for the shapes
    met), ``eager_warm_up`` pairs eager. A compiled row also gives its
    difference to the eager row of the same batch size on the first batch
    (mean and max |difference| of the quantised x/y images in grey
    levels, the fraction over 2 levels). A mode that fails gives a row
    with its error and the others go on."""
    import time

    import numpy as np
    import torch
    prevs, nxts = frames[:-1], frames[1:]
    rows = []
    first = {}  # (mode, batch) -> quantised images of the first batch
    cuda = device.startswith('cuda')
    for mode in modes:
        name, compile_arg = TORCH_MODES[mode]
        try:
            flow = TorchFlow(device, compile=compile_arg)
        except Exception as e:  # noqa: B902 (reported, the rest goes on)
            rows.append(dict(flow=name, batch=0, error=repr(e)))
            continue
        for bs in batch_sizes:
            try:
                if cuda:
                    torch.cuda.reset_peak_memory_stats()
                warm = bs if compile_arg else min(bs, eager_warm_up)
                start = time.perf_counter()
                flow.quantized(prevs[:warm], nxts[:warm])  # waits for it
                warm_up = time.perf_counter() - start
                start = time.perf_counter()
                for i in range(0, len(prevs), bs):
                    out = np.stack(
                        flow.quantized(prevs[i:i + bs], nxts[i:i + bs]))
                    if i == 0:
                        first[(mode, bs)] = out
                seconds = time.perf_counter() - start
            except Exception as e:  # noqa: B902
                rows.append(dict(flow=name, batch=bs, error=repr(e)))
                print(f'  {name} batch {bs}: failed: {e!r}', flush=True)
                continue
            row = dict(
                flow=name,
                batch=bs,
                pairs=len(prevs),
                seconds=seconds,
                pairs_per_s=len(prevs) / seconds,
                warm_up=warm_up,
                peak_gib=torch.cuda.max_memory_allocated() / 2**30
                if cuda else 0.0)
            if mode != 'eager' and ('eager', bs) in first:
                diff = np.abs(first[(mode, bs)].astype(np.int16) -
                              first[('eager', bs)].astype(np.int16))
                row.update(
                    levels_mean=float(diff.mean()),
                    levels_max=int(diff.max()),
                    over_2=float((diff > 2).mean()))
            rows.append(row)
            print(f"  {name} batch {bs}: {row['pairs_per_s']:.1f} pairs/s"
                  f" (warm-up {warm_up:.1f} s)", flush=True)
    return rows


def time_torch_extractor(video: str, work_dir: str, device: str,
                         batch_size: int, new_short: int, num_videos: int,
                         max_frames: int, workers: int) -> dict:
    """Pairs/s of the whole extractor with the torch backend on
    ``device`` (decode, flow, JPEG), one warm-up video first."""
    src = osp.join(work_dir, 'cuda_videos')
    os.makedirs(src, exist_ok=True)
    for i in range(num_videos):
        os.symlink(
            osp.abspath(video),
            osp.join(src, f'clip{i:03d}{osp.splitext(video)[1]}'))
    jobs = find_videos(src, level=1)
    spec = row_spec('tvl1-torch', new_short, max_frames)
    kwargs = dict(
        num_workers=workers,
        verbose=False,
        device=device,
        batch_size=batch_size)
    extract_videos(jobs[:1], osp.join(work_dir, 'cuda_warm_up'), spec,
                   **kwargs)
    summary = extract_videos(jobs, osp.join(work_dir, 'cuda_out'), spec,
                             **kwargs)
    if not summary.ok:
        raise RuntimeError(summary.format())
    return dict(
        flow='tvl1-torch extractor',
        batch=batch_size,
        pairs=summary.flow_pairs,
        seconds=summary.seconds,
        pairs_per_s=summary.flow_pairs / summary.seconds)


def format_cuda_table(rows: List[dict]) -> str:
    """The markdown table of the GPU rows; compiled rows with their
    difference to eager (quantised x/y images, grey levels)."""
    lines = [
        '| flow | batch | pairs | seconds | pairs/s | warm-up s '
        '| peak GPU GiB | vs eager: mean / max levels, > 2 levels |',
        '|---|---:|---:|---:|---:|---:|---:|---|'
    ]
    for r in rows:
        if 'error' in r:
            lines.append(f"| {r['flow']} | {r['batch']} | failed: "
                         f"{r['error'][:200]} | | | | | |")
            continue
        extra = (f"{r['warm_up']:.2f} | {r['peak_gib']:.1f}"
                 if 'warm_up' in r else '- | -')
        diff = '-'
        if 'levels_mean' in r:
            diff = (f"{r['levels_mean']:.3f} / {r['levels_max']}, "
                    f"{100 * r['over_2']:.3f}%")
        lines.append(f"| {r['flow']} | {r['batch']} | {r['pairs']} | "
                     f"{r['seconds']:.2f} | {r['pairs_per_s']:.1f} | "
                     f'{extra} | {diff} |')
    return '\n'.join(lines)


def projection(pairs_per_s: float) -> str:
    """Extraction time of the datasets at ``pairs_per_s``."""
    return ', '.join(
        f'{name} ({pairs:,} pairs) {pairs / pairs_per_s / 3600:.1f} h'
        for name, pairs in DATASET_PAIRS.items())


def main_cuda(args, parser: argparse.ArgumentParser) -> None:
    """``--device cuda``: the GPU rows (see the module doc)."""
    import torch

    from mmdatp.datasets.preparation import check_device
    try:
        device = str(check_device(args.device))
    except ValueError as e:
        parser.error(f'--device {args.device}: {e}')
    if min(args.batch_sizes) < 1 or args.pairs < 1:
        parser.error('--batch-sizes and --pairs must be >= 1')
    work_dir = args.work_dir or tempfile.mkdtemp(prefix='flow_benchmark_')
    try:
        video = args.video
        if video is None:
            video = osp.join(work_dir, 'synthetic.avi')
            write_synthetic_clip(video, args.pairs + 1)
        frames = grey_frames(video, args.new_short, args.pairs + 1)
        name = torch.cuda.get_device_name(device) if device != 'cpu' \
            else 'cpu'
        print(f'{name}, torch '
              f'{torch.__version__}; clip {args.video or "synthetic"} at '
              f'{frames.shape[2]}x{frames.shape[1]}', flush=True)
        modes = list(dict.fromkeys(args.modes + ['compile'] * args.compile))
        rows = time_torch_flow(frames, device, args.batch_sizes, modes)
        timed = [r for r in rows if 'error' not in r]
        if not timed:
            print(format_cuda_table(rows))
            raise SystemExit('every mode failed')
        best = max(timed, key=lambda r: r['pairs_per_s'])
        eager = [r for r in timed if r['flow'] == 'tvl1-torch']
        extractor = opencv = None
        if eager and not args.no_extractor:
            extractor = time_torch_extractor(
                video, work_dir, device,
                max(eager, key=lambda r: r['pairs_per_s'])['batch'],
                args.new_short, 4, 129, args.workers)
            rows.append(extractor)
        if args.no_extractor:
            pass  # nor OpenCV's row
        elif has_opencv_tvl1():
            opencv = run_benchmark(video, work_dir, ['tvl1'], args.workers,
                                   args.videos_per_worker, args.max_frames,
                                   args.new_short, [args.workers])[0]
        else:
            print('note: cv2 has no optflow (opencv-contrib-python is not '
                  'installed here): the OpenCV TV-L1 row is skipped')
    finally:
        if args.work_dir is None:
            shutil.rmtree(work_dir, ignore_errors=True)
    print(format_cuda_table(rows))
    print(f"flow alone, {best['flow']}, batch {best['batch']}: "
          f"{projection(best['pairs_per_s'])}")
    if extractor is None:
        return
    print(f"extractor (decode, flow, JPEG; 4 videos x 128 pairs, batched "
          f"per video, {args.workers} JPEG threads): "
          f"{projection(extractor['pairs_per_s'])}")
    if opencv is not None:
        print(format_table([opencv]))
        print(f"torch on {device} / OpenCV TV-L1 on {args.workers} cores: "
              f"{best['pairs_per_s'] / opencv['pairs_per_s']:.1f}x flow "
              f"alone, {extractor['pairs_per_s'] / opencv['pairs_per_s']:.1f}"
              'x extractor')


def main(argv: Optional[List[str]] = None) -> None:
    """Run the benchmark and print the table."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.quick:
        args.new_short, args.max_frames, args.videos_per_worker = 64, 4, 1
    if args.workers < 1 or args.videos_per_worker < 1 or \
            args.max_frames < 2:
        parser.error('--workers and --videos-per-worker must be >= 1 and '
                     f'--max-frames >= 2, got {args.workers}, '
                     f'{args.videos_per_worker}, {args.max_frames}')
    if args.video is not None and not osp.isfile(args.video):
        parser.error(f'--video {args.video!r} does not exist')
    if args.device != 'cpu':
        return main_cuda(args, parser)
    work_dir = args.work_dir or tempfile.mkdtemp(prefix='flow_benchmark_')
    try:
        video = args.video
        if video is None:
            video = osp.join(work_dir, 'synthetic.avi')
            write_synthetic_clip(video, args.max_frames)
        rows = run_benchmark(video, work_dir, args.flow_types, args.workers,
                             args.videos_per_worker, args.max_frames,
                             args.new_short)
    finally:
        if args.work_dir is None:
            shutil.rmtree(work_dir, ignore_errors=True)
    print(f'clip: {args.video or "synthetic 340x256"}, short side '
          f'{args.new_short}, {args.max_frames} frames '
          f'({args.max_frames - 1} flow pairs) per video, '
          f'{default_num_workers()} cores available')
    print(format_table(rows))
    by = {(r['flow_type'], r['workers']): r['pairs_per_s'] for r in rows}
    for other in ('tvl1-torch', 'farneback'):
        if 'tvl1' in args.flow_types and other in args.flow_types:
            for w in sorted({1, args.workers}):
                print(f'{other} / tvl1 at {w} worker(s): '
                      f"{by[(other, w)] / by[('tvl1', w)]:.2f}x")


if __name__ == '__main__':
    main()
