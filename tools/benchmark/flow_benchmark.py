"""Optical-flow extraction speed: pairs/s per algorithm, 1 worker vs all.

Runs the real extractor (decode, resize, flow, quantise, JPEG write; the
``--task flow`` path of ``tools/data/build_rawframes.py``) on copies of one
clip, for TV-L1 and Farneback, with 1 worker and with all cores, in the same
run, and prints one table::

    python tools/benchmark/flow_benchmark.py                 # ~1-2 min
    python tools/benchmark/flow_benchmark.py --quick         # seconds
    python tools/benchmark/flow_benchmark.py --video my.avi --new-short 256

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

from mmdatp.datasets.preparation import (FLOW_TYPES, ExtractSpec,
                                         default_num_workers, extract_videos,
                                         find_videos)


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
        choices=FLOW_TYPES,
        default=list(FLOW_TYPES),
        help='algorithms (default: both)')
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


def run_benchmark(video: str, work_dir: str, flow_types: List[str],
                  workers: int, videos_per_worker: int, max_frames: int,
                  new_short: int) -> List[dict]:
    """Time the extractor; returns one row per (algorithm, workers)."""
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
        spec = ExtractSpec(
            task='flow',
            flow_type=flow_type,
            new_short=new_short,
            max_frames=max_frames)
        for num_workers in sorted({1, workers}):
            out = osp.join(work_dir, f'flow_{flow_type}_{num_workers}')
            shutil.rmtree(out, ignore_errors=True)
            summary = extract_videos(
                jobs, out, spec, num_workers=num_workers, verbose=False)
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
        speedup = r['pairs_per_s'] / base[r['flow_type']]
        lines.append(f"| {r['flow_type']} | {r['workers']} | {r['videos']} "
                     f"| {r['pairs']} | {r['seconds']:.2f} | "
                     f"{r['cores_used']:.2f} | "
                     f"{r['pairs_per_s']:.2f} | {speedup:.2f}x |")
    return '\n'.join(lines)


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
    if 'tvl1' in args.flow_types and 'farneback' in args.flow_types:
        for w in sorted({1, args.workers}):
            print(f'farneback / tvl1 at {w} worker(s): '
                  f"{by[('farneback', w)] / by[('tvl1', w)]:.1f}x")


if __name__ == '__main__':
    main()
