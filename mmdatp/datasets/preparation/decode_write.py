"""Decode a video once and write its RGB frames and optical flow as JPEGs.

A video of F frames gives F RGB frames (``img_00001.jpg`` ...) and F-1 flow
pairs (``x_00001.jpg``, ``y_00001.jpg`` ...), flow pair k between frames k
and k+1. With the OpenCV backend (:func:`.flow.build_flow_fn`) the flow is
computed pair by pair in this thread. With ``flow_backend='torch'`` (TV-L1
in PyTorch, :mod:`.tvl1_torch`) the consecutive frame pairs of a video go to
the device in batches of ``batch_size``, its frames decoded by a thread
ahead of the flow, its JPEGs written by a pool of threads.

Both write into the directory they are given; making that atomic and
resumable is :mod:`.rawframe_dir`'s.
"""
import os.path as osp
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, Iterable, Iterator, List, Sequence

import numpy as np

from .extract_spec import ExtractSpec
from .flow import TorchFlow, build_flow_fn, quantize_flow
from .frames import RGB_TMPL, read_frames, write_jpeg

#: flow frame names, formatted with 'x'/'y' and the 1-based pair index
#: (``RawframeDataset(modality='Flow', filename_tmpl='{}_{:05d}.jpg')``)
FLOW_TMPL = '{}_{:05d}.jpg'


def _decode_and_write(src: str, out: str, spec: ExtractSpec,
                      modalities: Sequence[str]) -> Dict[str, int]:
    """Decode ``src`` once, write the requested modalities into ``out``."""
    import cv2
    resize = spec.resize
    flow_fn = build_flow_fn(spec.flow_type) if 'flow' in modalities \
        else None
    prev = None
    num = 0
    for frame in read_frames(src, spec.max_frames):
        frame = resize(frame)
        num += 1
        if 'rgb' in modalities:
            write_jpeg(
                osp.join(out, RGB_TMPL.format(num)), frame, spec.jpeg_quality)
        if flow_fn is not None:
            gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
            if prev is not None:
                flow_x, flow_y = quantize_flow(flow_fn(prev, gray), spec.bound)
                # pair k: from frame k to frame k+1 (1-based)
                write_jpeg(
                    osp.join(out, FLOW_TMPL.format('x', num - 1)), flow_x,
                    spec.jpeg_quality)
                write_jpeg(
                    osp.join(out, FLOW_TMPL.format('y', num - 1)), flow_y,
                    spec.jpeg_quality)
            prev = gray
    return _frame_counts(src, num, modalities)


def _prefetch(items: Iterable, depth: int) -> Iterator:
    """Iterate ``items`` in a thread, up to ``depth`` ahead (OpenCV's
    decoding releases the GIL); its errors are raised here."""
    buf: queue.Queue = queue.Queue(depth)
    stop = threading.Event()

    def put(entry) -> None:
        while not stop.is_set():
            try:
                buf.put(entry, timeout=0.1)
                return
            except queue.Full:
                continue

    def work() -> None:
        try:
            for item in items:
                put((True, item))
                if stop.is_set():
                    return
            put((False, None))
        except BaseException as e:  # raised in the consumer
            put((False, e))

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    try:
        while True:
            ok, item = buf.get()
            if ok:
                yield item
            elif item is None:
                return
            else:
                raise item
    finally:
        stop.set()


def _decode_and_write_batched(src: str, out: str, spec: ExtractSpec,
                              modalities: Sequence[str],
                              torch_flow: TorchFlow, batch_size: int,
                              threads: int) -> Dict[str, int]:
    """:func:`_decode_and_write` with the flow of ``batch_size`` pairs at a
    time on ``torch_flow``'s device, JPEGs written by ``threads``
    threads."""
    import cv2
    resize = spec.resize
    grey: List[np.ndarray] = []  # frames whose pairs are not done yet
    num = pairs = 0
    with ThreadPoolExecutor(threads) as pool:
        writes: list = []

        def write(path: str, image: np.ndarray) -> None:
            writes.append(pool.submit(write_jpeg, path, image,
                                      spec.jpeg_quality))
            if len(writes) > 8 * max(batch_size, threads):
                for w in writes:  # bound the images held in memory
                    w.result()
                writes.clear()

        def flush() -> None:
            nonlocal pairs
            qx, qy = torch_flow.quantized(
                np.stack(grey[:-1]), np.stack(grey[1:]), spec.bound)
            for k in range(len(qx)):
                pairs += 1  # pair k: from frame k to frame k+1 (1-based)
                write(osp.join(out, FLOW_TMPL.format('x', pairs)), qx[k])
                write(osp.join(out, FLOW_TMPL.format('y', pairs)), qy[k])
            del grey[:-1]

        for frame in _prefetch(
                read_frames(src, spec.max_frames), depth=2 * batch_size):
            frame = resize(frame)
            num += 1
            if 'rgb' in modalities:
                write(osp.join(out, RGB_TMPL.format(num)), frame)
            if 'flow' in modalities:
                grey.append(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
                if len(grey) == batch_size + 1:
                    flush()
        if 'flow' in modalities and len(grey) > 1:
            flush()
        for w in writes:
            w.result()  # a failed write fails the video
    return _frame_counts(src, num, modalities)


def _frame_counts(src: str, num: int,
                  modalities: Sequence[str]) -> Dict[str, int]:
    """The frames (RGB) and pairs (flow) of ``modalities`` written from the
    ``num`` frames of ``src``; flow needs at least 2 frames."""
    if 'flow' in modalities and num < 2:
        raise ValueError(f'video {src} has {num} frame(s); optical flow '
                         'needs at least 2')
    counts = {'rgb': num, 'flow': num - 1}
    return {m: counts[m] for m in modalities}
