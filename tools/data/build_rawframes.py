"""Extract RGB frames and optical flow from a directory of videos.

Writes MMAction2 rawframes (``img_%05d.jpg``; ``x_%05d.jpg``/``y_%05d.jpg``,
F-1 flow pairs for F frames) with OpenCV: TV-L1 (the paper's flow,
``cv2.optflow``) or Farneback, quantised as in TSN/denseflow (clip to
[-20, 20] px, map to [0, 255]). Examples (repository root)::

    # HMDB51: data/hmdb51/videos/<class>/<video>.avi -> data/hmdb51/rawframes
    python tools/data/build_rawframes.py data/hmdb51/videos \
        data/hmdb51/rawframes --task both --flow-type tvl1 --new-short 256
    # TSN's fixed size, faster flow, 8 processes
    python tools/data/build_rawframes.py VIDEOS OUT --new-short 0 \
        --new-width 340 --new-height 256 --flow-type farneback \
        --num-workers 8
    # TV-L1 in PyTorch on a GPU, 64 frame pairs per batch
    python tools/data/build_rawframes.py VIDEOS OUT --task flow \
        --flow-type tvl1 --flow-backend torch --device cuda --batch-size 64

Parallel over videos (``--num-workers``, default: all cores), with a
progress bar and ETA. ``--flow-backend torch`` computes the frame pairs of
a video in batches on ``--device``: on the CPU in the same processes, on a
GPU one video after another in this process (``--num-workers``: JPEG
writing threads). Resumable: rerunning the same command skips finished
videos; an interrupted run leaves only hidden ``.<video>.tmp``
directories, which the next run removes. Videos that cannot be read are
reported by name and skipped; the summary lists them.

Exit status: 0 if every video is done (extracted now or before), 1 if some
failed (the others are kept; rerun to retry), 2 for bad arguments, 130 on
Ctrl-C (one line says what is kept and how to resume).
"""
import argparse
import multiprocessing
import sys
from typing import List, Optional

from mmdatp.datasets.preparation import (FLOW_BACKENDS, FLOW_BOUND,
                                         FLOW_TYPES, TASKS,
                                         ExtractInterrupted, ExtractSpec,
                                         check_device, default_num_workers,
                                         extract_videos, find_videos)
from mmdatp.datasets.preparation.extract import VIDEO_EXTS

_DEFAULT_START = 'fork' if sys.platform.startswith('linux') else None


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser (flag names as MMAction2's tool)."""
    parser = argparse.ArgumentParser(
        description='Extract RGB frames and TV-L1/Farneback optical flow '
        '(MMAction2 rawframes), in parallel and resumable.')
    parser.add_argument('src_dir', help='videos: SRC/<class>/<video>.<ext>')
    parser.add_argument('out_dir', help='rawframes root')
    parser.add_argument(
        '--task',
        choices=TASKS,
        default='both',
        help='rgb frames, optical flow, or both from one decoding '
        '(default: both)')
    parser.add_argument(
        '--flow-type',
        choices=FLOW_TYPES,
        default='tvl1',
        help='tvl1 (paper, OpenCV contrib) or farneback (much faster) '
        '(default: tvl1)')
    parser.add_argument(
        '--flow-backend',
        choices=FLOW_BACKENDS,
        default='opencv',
        help='opencv (default; processes over videos) or torch (TV-L1 '
        'only, batches of frame pairs on --device)')
    parser.add_argument(
        '--device',
        default='cpu',
        help="torch backend's device: cpu, cuda or cuda:<i> "
        '(default: cpu)')
    parser.add_argument(
        '--batch-size',
        type=int,
        default=32,
        help='torch backend: frame pairs per batch (default: 32; on a GPU '
        '64-256 fill it better)')
    parser.add_argument(
        '--level',
        type=int,
        choices=(1, 2),
        default=2,
        help='directory levels of SRC: 2 = class folders (default: 2)')
    parser.add_argument(
        '--ext',
        nargs='+',
        default=list(VIDEO_EXTS),
        help='video extensions to take (default: %(default)s)')
    parser.add_argument(
        '--num-workers',
        type=int,
        default=None,
        help='processes (default: all cores available, here '
        f'{default_num_workers()}); 0 runs in this process. With '
        '--flow-backend torch on a GPU: JPEG writing threads')
    parser.add_argument(
        '--new-short',
        type=int,
        default=None,
        help='resize the short side to this, keeping the aspect ratio '
        '(default: 256 unless --new-width/--new-height are given; 0 with '
        'no width/height keeps the original size)')
    parser.add_argument(
        '--new-width', type=int, default=0, help='fixed output width')
    parser.add_argument(
        '--new-height', type=int, default=0, help='fixed output height')
    parser.add_argument(
        '--max-frames',
        type=int,
        default=None,
        help='use only the first N frames of each video (quick runs)')
    parser.add_argument(
        '--bound',
        type=float,
        default=FLOW_BOUND,
        help='flow clipping bound in pixels for the 8-bit quantisation '
        f'(default: {FLOW_BOUND:g})')
    parser.add_argument(
        '--jpeg-quality', type=int, default=95, help='(default: 95)')
    parser.add_argument(
        '--start-method',
        choices=multiprocessing.get_all_start_methods(),
        default=None,
        help=f'how worker processes start (default: {_DEFAULT_START}, '
        'forkserver with --flow-backend torch). On Linux '
        'this fresh process forks them before it runs any OpenCV, which '
        'is safe and saves re-importing mmdatp; the library default, '
        'forkserver, is what to use from a process that already ran '
        'OpenCV or torch')
    parser.add_argument(
        '--quiet', action='store_true', help='no progress bar')
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Run the extraction; returns the exit status (see module doc)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    new_short = args.new_short
    if new_short is None:
        new_short = 0 if args.new_width or args.new_height else 256
    try:
        spec = ExtractSpec(
            task=args.task,
            flow_type=args.flow_type,
            new_short=new_short,
            new_width=args.new_width,
            new_height=args.new_height,
            max_frames=args.max_frames,
            bound=args.bound,
            jpeg_quality=args.jpeg_quality,
            flow_backend=args.flow_backend)
        if args.flow_backend == 'torch':
            if args.batch_size < 1:
                raise ValueError(f'--batch-size must be >= 1, got '
                                 f'{args.batch_size}')
            try:
                check_device(args.device)
            except ValueError as e:
                raise ValueError(f'--device {args.device}: {e}') from None
        elif args.device != 'cpu':
            raise ValueError(f'--device {args.device} needs --flow-backend '
                             'torch (OpenCV computes on the CPU)')
        if args.num_workers is not None and args.num_workers < 0:
            raise ValueError(f'--num-workers must be >= 0, got '
                             f'{args.num_workers}')
        jobs = find_videos(args.src_dir, args.level, args.ext)
    except (ValueError, FileNotFoundError) as e:
        parser.error(str(e))
    if not jobs:
        parser.error(f'no video with extension {args.ext} under '
                     f'{args.src_dir} (level {args.level})')
    start_method = args.start_method
    if start_method is None and args.flow_backend == 'opencv':
        start_method = _DEFAULT_START
    # torch was imported here (mmdatp imports the stack): a forked child
    # can hang in its thread pools, so the torch backend uses forkserver
    try:
        summary = extract_videos(
            jobs,
            args.out_dir,
            spec,
            num_workers=args.num_workers,
            verbose=not args.quiet,
            mp_context=start_method,
            device=args.device,
            batch_size=args.batch_size)
    except ImportError as e:  # TV-L1 without OpenCV contrib
        parser.error(str(e))
    except ExtractInterrupted as e:  # Ctrl-C: one line, no traceback
        print(f'\n{e}', file=sys.stderr)
        return 130
    print(summary.format())
    print(f'rawframes in {args.out_dir}')
    return 0 if summary.ok else 1


if __name__ == '__main__':
    sys.exit(main())
