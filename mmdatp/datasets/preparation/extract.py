"""Parallel, resumable extraction of RGB frames and optical flow from videos.

:func:`extract_videos` finds what is left to do, runs one task per video,
shows the progress and sums up (:class:`ExtractSummary`). Each video is
extracted by :func:`.rawframe_dir.extract_video`, whose directory layout,
marker and resume rules make the whole run resumable; its frames are
decoded and written by :mod:`.decode_write`; :class:`.ExtractSpec`
(:mod:`.extract_spec`) says what to extract.

Parallelism: one video per task over a process pool, ``cv2`` limited to
one thread per worker. The workers do not fork the calling process, which
may hold OpenCV's (or torch's) thread pools: a child forked from it can
deadlock on their locks. They come from a ``forkserver`` (``spawn`` where
there is none), which imports this module once and forks the workers from
that clean, single-threaded process, so the task function and its
arguments are top-level and picklable. A video that cannot be read fails
alone: its error is recorded and the job continues. A worker that dies
(killed, out of memory) breaks the pool; the videos still pending are
reported as failed and the next run resumes them.

With ``flow_backend='torch'`` (TV-L1 in PyTorch, :mod:`.tvl1_torch`) the
consecutive frame pairs of a video go to the device in batches of
``batch_size``, its frames decoded by a thread ahead of the flow. On the
CPU the workers are processes as above, one torch thread each (threads of
one process contend on small images); on a GPU the videos are done one
after another in this process, JPEGs written by ``num_workers`` threads.
The directories, the marker and the resume rules are the same. With
``videos_in_flight > 1`` (a GPU), that many videos are extracted at once by
threads whose pairs the device computes in shared batches
(:mod:`.flow_batching`), each video still by :func:`extract_video`.
"""
import multiprocessing
import os
import os.path as osp
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

from .extract_spec import ExtractSpec
from .flow import TorchFlow, build_flow_fn, check_device
from .rawframe_dir import extract_video, needed_modalities, recover

# defined here before the spec, the decoding and the video directory moved
# out; still importable from here
from .decode_write import FLOW_TMPL  # noqa: F401,E402
from .extract_spec import TASKS  # noqa: F401,E402
from .rawframe_dir import MARKER, MODALITY_PREFIXES, read_marker  # noqa

#: video extensions looked for by :func:`find_videos`
VIDEO_EXTS = ('avi', 'mp4', 'webm', 'mkv', 'mov', 'mpg', 'mpeg', 'm4v')


class VideoJob(NamedTuple):
    """One video to extract: its file and its output directory.

    Args:
        src (str): Path of the video file.
        rel (str): Output directory relative to ``out_dir``, e.g.
            ``'brush_hair/April_09_brush_hair_u_nm_np1_ba_goo_0'``.
    """
    src: str
    rel: str


@dataclass
class VideoResult:
    """What happened to one video (returned by the workers)."""
    rel: str
    src: str
    counts: Dict[str, int] = field(default_factory=dict)
    error: Optional[str] = None
    seconds: float = 0.0
    cpu_seconds: float = 0.0


@dataclass
class ExtractSummary:
    """Outcome of :func:`extract_videos`.

    Attributes:
        processed (list[str]): Videos extracted by this run (``rel``).
        skipped (list[str]): Videos already complete.
        failed (dict[str, str]): ``rel`` -> error message (with the path
            of the video).
        cleaned (int): Stale ``.tmp``/``.old`` directories removed or
            restored.
        rgb_frames (int): RGB frames written by this run.
        flow_pairs (int): Flow pairs (x and y image) written by this run.
        seconds (float): Wall time of the extraction.
        cpu_seconds (float): CPU time the videos took, summed over the
            workers; ``cpu_seconds / seconds`` is the number of cores the
            run actually got.
        num_workers (int): Worker processes used (0: in process).
        flow_device (str, optional): The torch device of the torch
            backend (which runs in process), else None.
        flow_batches (list[int]): Pairs of every device batch of the
            cross-video batching (``videos_in_flight > 1``), else empty.
    """
    processed: List[str] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)
    failed: Dict[str, str] = field(default_factory=dict)
    cleaned: int = 0
    rgb_frames: int = 0
    flow_pairs: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    num_workers: int = 0
    flow_device: Optional[str] = None
    flow_batches: List[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no video failed."""
        return not self.failed

    def format(self) -> str:
        """A human-readable report listing every failed video."""
        lines = [
            f'{len(self.processed)} videos extracted, {len(self.skipped)} '
            f'already done (skipped), {len(self.failed)} failed; '
            f'{self.rgb_frames} RGB frames and {self.flow_pairs} flow pairs '
            f'in {self.seconds:.1f} s with ' +
            (f'{self.num_workers} workers' if self.flow_device is None else
             f'{self.num_workers} workers (torch TV-L1 on cpu)'
             if self.flow_device == 'cpu' else
             f'torch TV-L1 on {self.flow_device}, {self.num_workers} '
             'JPEG threads')
        ]
        if self.flow_pairs and self.seconds > 0:
            lines.append(f'flow: {self.flow_pairs / self.seconds:.2f} '
                         'pairs/s')
        if self.cleaned:
            lines.append(f'cleaned {self.cleaned} stale temporary '
                         'directories of an interrupted run')
        if self.failed:
            lines.append('FAILED videos (rerun to retry them; the others '
                         'are kept):')
            for rel in sorted(self.failed):
                lines.append(f'  {rel}: {self.failed[rel]}')
        return '\n'.join(lines)


class ExtractInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`extract_videos`; ``summary`` holds what was
    finished (kept on disk) and ``str()`` says how to resume.

    Args:
        summary (ExtractSummary): What this run finished before the stop.
        num_todo (int): Videos this run had to extract.
    """

    def __init__(self, summary: 'ExtractSummary', num_todo: int) -> None:
        self.summary = summary
        self.num_todo = num_todo
        super().__init__(
            f'Interrupted: {len(summary.processed)} of {num_todo} videos '
            f'extracted by this run ({len(summary.skipped)} were done '
            f'before, {len(summary.failed)} failed) are kept; rerun the same '
            'command to resume (unfinished videos restart from scratch).')


def find_videos(src_dir: str,
                level: int = 2,
                exts: Sequence[str] = VIDEO_EXTS) -> List[VideoJob]:
    """List the videos of a dataset directory.

    Args:
        src_dir (str): ``<src_dir>/<class>/<video>.<ext>`` (level 2) or
            ``<src_dir>/<video>.<ext>`` (level 1).
        level (int): 1 or 2. Defaults to 2.
        exts (Sequence[str]): Extensions to take, without the dot.

    Returns:
        list[VideoJob]: Sorted by ``rel``, which is the path without
        extension relative to ``src_dir``.
    """
    if level not in (1, 2):
        raise ValueError(f'level must be 1 or 2, got {level!r}')
    if not osp.isdir(src_dir):
        raise FileNotFoundError(f'video directory {src_dir!r} does not '
                                'exist')
    exts = tuple('.' + e.lower().lstrip('.') for e in exts)
    if level == 2:
        dirs = [
            osp.join(src_dir, d) for d in sorted(os.listdir(src_dir))
            if not d.startswith('.') and osp.isdir(osp.join(src_dir, d))
        ]
    else:
        dirs = [src_dir]
    jobs: Dict[str, VideoJob] = {}
    for d in dirs:
        for name in sorted(os.listdir(d)):
            stem, ext = osp.splitext(name)
            if name.startswith('.') or ext.lower() not in exts:
                continue
            src = osp.join(d, name)
            rel = osp.relpath(osp.join(d, stem), src_dir)
            if rel in jobs:
                raise ValueError(f'two videos would share the output '
                                 f'directory {rel!r}: {jobs[rel].src} and '
                                 f'{src}')
            jobs[rel] = VideoJob(src, rel)
    return [jobs[k] for k in sorted(jobs)]


class _SigintHeld:
    """Hold Ctrl-C back for the ``with`` block and raise it right after.

    While the block runs, SIGINT only sets a flag; on leaving it the old
    handler is put back and, if a SIGINT came, it is raised again (for
    Python's own handler, a KeyboardInterrupt there). Blocking the signal
    with ``pthread_sigmask`` is not enough: another thread (OpenCV's, torch's)
    takes it and the main thread still raises it where it happens to be.
    Only the main thread can set handlers; elsewhere this does nothing.
    """

    def __init__(self) -> None:
        self.old = None
        self.caught = False

    def _catch(self, signum, frame) -> None:
        self.caught = True

    def __enter__(self) -> '_SigintHeld':
        if threading.current_thread() is threading.main_thread():
            self.old = signal.signal(signal.SIGINT, self._catch)
        return self

    def __exit__(self, *exc) -> None:
        if self.old is not None:
            signal.signal(signal.SIGINT, self.old)
            if self.caught:
                signal.raise_signal(signal.SIGINT)


def _init_worker(torch_backend: bool = False) -> None:
    """Worker set-up: one OpenCV (and torch) thread per process (the pool
    parallelises over videos); Ctrl-C is left to the main process, which
    stops the workers (each would otherwise print a KeyboardInterrupt
    traceback)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import cv2
    cv2.setNumThreads(1)
    if torch_backend:
        import torch
        torch.set_num_threads(1)


#: this process's TorchFlow per device (built once per worker)
_TORCH_FLOWS: Dict[str, TorchFlow] = {}


def _torch_flow(device: str) -> TorchFlow:
    if device not in _TORCH_FLOWS:
        _TORCH_FLOWS[device] = TorchFlow(device)
    return _TORCH_FLOWS[device]


def _run_job(job: VideoJob,
             out_dir: str,
             spec: ExtractSpec,
             modalities: Tuple[str, ...],
             device: str = 'cpu',
             batch_size: int = 32,
             threads: int = 1,
             torch_flow=None) -> VideoResult:
    """Extract one video; errors are returned, not raised. ``device``,
    ``batch_size``, ``threads`` and ``torch_flow`` (default: this
    process's ``TorchFlow`` of ``device``) are the torch backend's."""
    start, cpu_start = time.perf_counter(), time.process_time()
    result = VideoResult(rel=job.rel, src=job.src)
    try:
        torch_args = {}
        if spec.flow_backend == 'torch' and 'flow' in modalities:
            torch_args = dict(
                torch_flow=torch_flow or _torch_flow(device),
                batch_size=batch_size,
                threads=threads)
        marker = extract_video(job.src, osp.join(out_dir, job.rel), spec,
                               modalities, **torch_args)
        result.counts = {m: marker[m]['count'] for m in modalities}
    except Exception as e:  # reported by name, the job goes on
        result.error = f'{type(e).__name__}: {e}'
        if job.src not in result.error:
            result.error += f' (video {job.src})'
    result.seconds = time.perf_counter() - start
    result.cpu_seconds = time.process_time() - cpu_start
    return result


def default_num_workers() -> int:
    """The CPU cores this process may use."""
    if hasattr(os, 'sched_getaffinity'):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _pool_context(method: Optional[str]) -> BaseContext:
    """The multiprocessing context of the worker pool (see module doc)."""
    methods = multiprocessing.get_all_start_methods()
    if method is None:
        method = 'forkserver' if 'forkserver' in methods else 'spawn'
    if method not in methods:
        raise ValueError(f'mp_context must be one of {methods}, got '
                         f'{method!r}')
    ctx = multiprocessing.get_context(method)
    if method == 'forkserver':
        # imported once by the server, inherited by every worker it forks
        ctx.set_forkserver_preload([__name__])
    return ctx


def extract_videos(jobs: Sequence[VideoJob],
                   out_dir: str,
                   spec: ExtractSpec,
                   num_workers: Optional[int] = None,
                   verbose: bool = True,
                   file=None,
                   mp_context: Optional[str] = None,
                   device: str = 'cpu',
                   batch_size: int = 32,
                   videos_in_flight: int = 1) -> ExtractSummary:
    """Extract many videos in parallel; resumable, with a progress bar.

    Args:
        jobs (Sequence[VideoJob]): The videos (see :func:`find_videos`).
        out_dir (str): The rawframes root.
        spec (ExtractSpec): What to extract.
        num_workers (int, optional): Worker processes; 0 runs in this
            process. With the torch backend (in process): JPEG writing
            threads, and torch's threads on the CPU. Defaults to all CPU
            cores available.
        verbose (bool): Show a progress bar (with ETA) and each failure as
            it happens. Defaults to True.
        file (IO, optional): Where to print. Defaults to ``sys.stdout``.
        mp_context (str, optional): Start method of the workers; defaults
            to 'forkserver' ('spawn' where there is none). 'fork' is only
            safe from a process that has not run OpenCV or torch yet.
        device (str): Torch device of ``flow_backend='torch'``: 'cpu',
            'cuda' or 'cuda:<i>'. Defaults to 'cpu'.
        batch_size (int): Frame pairs per batch of the torch backend.
            Defaults to 32.
        videos_in_flight (int): Torch backend: videos extracted at the
            same time in this process, their pairs in shared device
            batches of ``batch_size`` (:mod:`.flow_batching`; meant for
            a GPU). Defaults to 1 (GPU: one video after another, a batch
            holds one video's pairs; CPU: a process per video).

    Returns:
        ExtractSummary: What was extracted, skipped and failed.

    Raises:
        ExtractInterrupted: On Ctrl-C (a ``KeyboardInterrupt``), once the
            workers are stopped; finished videos are kept, unfinished ones
            leave only hidden ``.tmp`` directories that the next run
            removes.
    """
    if num_workers is None:
        num_workers = default_num_workers()
    if isinstance(num_workers, bool) or not isinstance(num_workers, int) \
            or num_workers < 0:
        raise ValueError(f'num_workers must be an integer >= 0, got '
                         f'{num_workers!r}')
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) \
            or batch_size < 1:
        raise ValueError(f'batch_size must be an integer >= 1, got '
                         f'{batch_size!r}')
    if isinstance(videos_in_flight, bool) or not isinstance(
            videos_in_flight, int) or videos_in_flight < 1:
        raise ValueError(f'videos_in_flight must be an integer >= 1, got '
                         f'{videos_in_flight!r}')
    file = file or sys.stdout
    summary = ExtractSummary(num_workers=num_workers)
    # the torch backend on a GPU runs in this process, JPEGs written by
    # num_workers threads; on the CPU as OpenCV: one process per video
    threads = 1
    torch_backend = spec.flow_backend == 'torch' and \
        'flow' in spec.modalities
    if 'flow' in spec.modalities:  # fail now, not once per video
        if torch_backend:
            summary.flow_device = str(check_device(device))
            if summary.flow_device != 'cpu' or videos_in_flight > 1:
                threads = summary.num_workers = max(num_workers, 1)
                num_workers = 0
                if videos_in_flight > 1:  # JPEG threads per video
                    threads = max(1, -(-threads // videos_in_flight))
        else:
            build_flow_fn(spec.flow_type)
    todo = []
    for job in jobs:
        video_dir = osp.join(out_dir, job.rel)
        summary.cleaned += recover(video_dir)
        modalities = needed_modalities(video_dir, spec)
        if modalities:
            todo.append((job, modalities))
        else:
            summary.skipped.append(job.rel)
    bar = None

    def record(res: VideoResult) -> None:
        summary.cpu_seconds += res.cpu_seconds
        if res.error is None:
            summary.processed.append(res.rel)
            summary.rgb_frames += res.counts.get('rgb', 0)
            summary.flow_pairs += res.counts.get('flow', 0)
        else:
            summary.failed[res.rel] = res.error
            if verbose:
                print(f'\nfailed: {res.rel}: {res.error}', file=file)
        if bar is not None:
            bar.update()

    start = time.perf_counter()
    torch_args = dict(device=device, batch_size=batch_size, threads=threads)
    try:  # a Ctrl-C from the first printed line on is ExtractInterrupted
        if verbose:
            flow = '' if spec.task == 'rgb' else ', ' + spec.flow_type
            if torch_backend:
                flow += (f' (torch on {summary.flow_device}, batch '
                         f'{batch_size})')
            print(f'{len(todo)} videos to extract ({spec.task}{flow}), '
                  f'{len(summary.skipped)} already done, into {out_dir}',
                  file=file)
        if verbose and todo:
            from mmengine.utils import ProgressBar
            bar = ProgressBar(len(todo), file=file)
        if torch_backend and videos_in_flight > 1:
            from .flow_batching import run_jobs_cross_video
            summary.flow_batches = run_jobs_cross_video(
                todo,
                lambda job, modalities, flow, chunk: _run_job(
                    job, out_dir, spec, modalities,
                    **dict(torch_args, batch_size=chunk, torch_flow=flow)),
                record, _torch_flow(device), batch_size, videos_in_flight)
        else:
            _run_jobs(todo, out_dir, spec, num_workers, mp_context, record,
                      torch_backend, torch_args)
    except KeyboardInterrupt as e:
        summary.seconds = time.perf_counter() - start
        if bar is not None:
            file.write('\n')
        raise ExtractInterrupted(summary, len(todo)) from e
    summary.seconds = time.perf_counter() - start
    if bar is not None:
        file.write('\n')
    return summary


def _run_jobs(todo: List[Tuple[VideoJob, Tuple[str, ...]]], out_dir: str,
              spec: ExtractSpec, num_workers: int,
              mp_context: Optional[str],
              record: Callable[[VideoResult], None], torch_backend: bool,
              torch_args: dict) -> None:
    """Run ``todo`` in this process or a pool, ``record``-ing each result."""
    if num_workers == 0:
        for job, modalities in todo:
            record(_run_job(job, out_dir, spec, modalities, **torch_args))
    elif todo:
        pool = ProcessPoolExecutor(
            num_workers,
            mp_context=_pool_context(mp_context),
            initializer=_init_worker,
            initargs=(torch_backend, ))
        try:
            # the workers start inside submit(); a Ctrl-C raised there can
            # land between a fork and pool._processes (that worker would
            # outlive us) or in logging's at-fork hook, which drops it: it
            # waits until every worker is up
            with _SigintHeld():
                futures = {
                    pool.submit(_run_job, job, out_dir, spec, modalities,
                                **torch_args): job
                    for job, modalities in todo
                }
            for future in as_completed(futures):
                job = futures[future]
                try:
                    res = future.result()
                except BrokenProcessPool:
                    res = VideoResult(
                        job.rel,
                        job.src,
                        error='a worker process died (killed or out of '
                        'memory) before this video was finished; rerun to '
                        f'resume (video {job.src})')
                record(res)
        except BaseException:
            # Ctrl-C: do not wait for the queued videos, nor for the ones
            # being extracted (their .tmp directories are removed next run)
            for proc in list(getattr(pool, '_processes', {}).values()):
                proc.terminate()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
