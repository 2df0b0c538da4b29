"""Flow batches across videos: several videos in flight share one device.

The torch backend of the extractor batches the consecutive frame pairs of
one video (:func:`.rawframe_dir.extract_video`). A device batch that holds the
pairs of one video only is as large as that video's chunk, and every batch
pays the coarse pyramid levels' stragglers (a few pairs that never meet
OpenCV's stopping rule run all iterations, launch-bound) once. Here
``videos_in_flight`` videos are extracted by as many threads, each by the
unchanged :func:`.rawframe_dir.extract_video` (its ``.tmp`` directory, marker
and rename: the resume and atomic guarantees are the extractor's), and
their chunks of pairs meet in one :class:`CrossVideoFlow`, which runs them
on the device together::

    thread 1: decode video a -> chunk a1 --\\
    thread 2: decode video b -> chunk b1 ----> CrossVideoFlow: one batch
    thread 3: decode video c -> chunk c1 --/   (a1 b1 c1), flow, quantise
              <- x/y images a1 | b1 | c1 (each thread writes its JPEGs)

A batch is run once its pairs (of one frame size and bound) reach
``batch_size``, or when every thread is waiting for flow (no more pairs
can come), by the thread that finds it ready (no extra thread). Each pair
is computed as alone (TV-L1's per-pair stopping rule is masked per pair,
:mod:`.tvl1_torch`), so the result does not depend on the mix.
"""
import math
import queue
import threading
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

__all__ = ['CrossVideoFlow', 'run_jobs_cross_video']


class _Request:
    """One chunk of one video waiting for its flow."""

    def __init__(self, prevs: np.ndarray, nxts: np.ndarray,
                 bound: float) -> None:
        self.prevs = prevs
        self.nxts = nxts
        self.bound = bound
        self.key = (prevs.shape[1:], float(bound))
        self.result: Optional[Tuple[np.ndarray, np.ndarray]] = None
        self.error: Optional[BaseException] = None
        self.done = False


class CrossVideoFlow:
    """``TorchFlow.quantized`` shared by the threads of several videos.

    Args:
        torch_flow: A :class:`.flow.TorchFlow` (or anything with its
            ``quantized(prevs, nxts, bound)``).
        batch_size (int): Pairs per device batch (a batch is run once
            this many are waiting; it can be larger by less than one
            chunk).

    Attributes:
        batches (list[int]): Pairs of every batch run, in order.
    """

    def __init__(self, torch_flow, batch_size: int) -> None:
        if isinstance(batch_size, bool) or not isinstance(
                batch_size, int) or batch_size < 1:
            raise ValueError(f'batch_size must be an integer >= 1, got '
                             f'{batch_size!r}')
        self.torch_flow = torch_flow
        self.batch_size = batch_size
        self.batches: List[int] = []
        self._cond = threading.Condition()
        self._pending: List[_Request] = []
        self._clients = 0
        self._busy = False

    def add_client(self) -> None:
        """A thread that may call :meth:`quantized` starts."""
        with self._cond:
            self._clients += 1

    def remove_client(self) -> None:
        """A thread will not call :meth:`quantized` any more."""
        with self._cond:
            self._clients -= 1
            self._cond.notify_all()

    def _take(self) -> List[_Request]:
        """The requests of the next batch, or [] if none is ready
        (called with the lock held)."""
        if self._busy or not self._pending:
            return []
        key = self._pending[0].key
        same = [r for r in self._pending if r.key == key]
        waiting = sum(len(r.prevs) for r in same)
        if waiting < self.batch_size and \
                len(self._pending) < self._clients:
            return []  # a thread still decoding may add pairs
        batch, num = [], 0
        for r in same:
            if batch and num + len(r.prevs) > self.batch_size:
                break
            batch.append(r)
            num += len(r.prevs)
        for r in batch:
            self._pending.remove(r)
        return batch

    def _run(self, batch: List[_Request]) -> None:
        """Flow of ``batch`` in one device call (without the lock)."""
        self.batches.append(sum(len(r.prevs) for r in batch))
        try:
            prevs = np.concatenate([r.prevs for r in batch])
            nxts = np.concatenate([r.nxts for r in batch])
            qx, qy = self.torch_flow.quantized(prevs, nxts, batch[0].bound)
            start = 0
            for r in batch:
                stop = start + len(r.prevs)
                r.result = (qx[start:stop], qy[start:stop])
                start = stop
        except BaseException as e:  # each video of the batch fails
            for r in batch:
                r.error = e

    def quantized(self,
                  prevs: np.ndarray,
                  nxts: np.ndarray,
                  bound: float = 20.0) -> Tuple[np.ndarray, np.ndarray]:
        """As ``TorchFlow.quantized``, in a batch with other videos' pairs.

        Blocks until this chunk's flow is there; may run a batch (this
        chunk's or another's) in the calling thread meanwhile.

        Args:
            prevs (np.ndarray): ``(B, H, W)`` uint8 frames.
            nxts (np.ndarray): The frames that follow.
            bound (float): Clipping bound in pixels. Defaults to 20.

        Returns:
            tuple[np.ndarray, np.ndarray]: ``(B, H, W)`` uint8 x and y
            images of these pairs.
        """
        if prevs.shape != nxts.shape or prevs.ndim != 3:
            raise ValueError(f'prevs and nxts must be (B, H, W) of one '
                             f'shape, got {prevs.shape} and {nxts.shape}')
        req = _Request(prevs, nxts, bound)
        with self._cond:
            self._pending.append(req)
            self._cond.notify_all()
            while not req.done:
                batch = self._take()
                if not batch:
                    self._cond.wait()
                    continue
                self._busy = True
                self._cond.release()
                try:
                    self._run(batch)
                finally:
                    self._cond.acquire()
                    self._busy = False
                    for r in batch:
                        r.done = True
                    self._cond.notify_all()
        if req.error is not None:
            raise req.error
        return req.result


def run_jobs_cross_video(todo: Sequence[tuple], run_job: Callable,
                         record: Callable, torch_flow, batch_size: int,
                         videos_in_flight: int) -> List[int]:
    """Run the videos of ``todo`` in ``videos_in_flight`` threads whose
    flow shares one :class:`CrossVideoFlow`, ``record``-ing each result.

    Args:
        todo (Sequence[tuple]): ``(job, modalities)`` per video.
        run_job (Callable): ``run_job(job, modalities, torch_flow,
            chunk)`` extracts one video and returns its result (errors
            returned, not raised), as ``extract._run_job`` does.
        record (Callable): Called with every result, in this thread.
        torch_flow: The device's ``TorchFlow``.
        batch_size (int): Pairs per device batch; every video sends
            chunks of ``ceil(batch_size / videos_in_flight)`` pairs.
        videos_in_flight (int): Videos extracted at the same time.

    Returns:
        list[int]: Pairs of every device batch run, in order.

    Raises:
        KeyboardInterrupt: On Ctrl-C; no new video is started, the ones
            being extracted are abandoned (daemon threads: their ``.tmp``
            directories are removed by the next run).
    """
    if isinstance(videos_in_flight, bool) or not isinstance(
            videos_in_flight, int) or videos_in_flight < 1:
        raise ValueError(f'videos_in_flight must be an integer >= 1, got '
                         f'{videos_in_flight!r}')
    shared = CrossVideoFlow(torch_flow, batch_size)
    chunk = math.ceil(batch_size / videos_in_flight)
    jobs: queue.Queue = queue.Queue()
    for item in todo:
        jobs.put(item)
    results: queue.Queue = queue.Queue()
    stop = threading.Event()

    def work() -> None:
        try:
            while not stop.is_set():
                try:
                    job, modalities = jobs.get_nowait()
                except queue.Empty:
                    return
                results.put(run_job(job, modalities, shared, chunk))
        finally:
            shared.remove_client()
            results.put(None)  # this thread is done

    threads = []
    for _ in range(min(videos_in_flight, len(todo))):
        shared.add_client()
        threads.append(threading.Thread(target=work, daemon=True))
    for t in threads:
        t.start()
    running = len(threads)
    try:
        while running:
            res = results.get()
            if res is None:
                running -= 1
            else:
                record(res)
    except BaseException:
        stop.set()
        raise
    return shared.batches
