"""TV-L1 in PyTorch through the whole extractor, per mode and precision.

Each row (``MODE:DTYPE``, MODE eager / compile / graphs, DTYPE float32 /
float16 / bfloat16) builds one ``TorchFlow`` and gives:

- its mean end-point error (px) against OpenCV's TV-L1 on real pairs
  (``--refs``: an ``.npz`` of ``<clip>_prev/_next/_flow``, written on a
  machine with opencv-contrib) and against this run's eager float32 flow;
- pairs/s of the extractor (decode, resize, flow, quantise, JPEG write,
  ``.tmp`` and rename per video) on ``--videos`` copies of ``--video``,
  ``--in-flight`` videos at once with shared device batches of
  ``--batch`` pairs (:mod:`mmdatp.datasets.preparation.flow_batching`),
  after a warm-up extraction (compiling, recording CUDA graphs);
- the hours of HMDB51 and UCF101 at that rate.

``--baseline`` first adds the previous extractor (eager float32, one video
at a time, a batch of a video's 128 pairs). Rows print as they finish;
``--json`` collects them::

    python tools/benchmark/flow_extractor_benchmark.py --device cuda \\
        --refs refs.npz --rows eager:float32 eager:bfloat16 --baseline
"""
import argparse
import json
import os
import os.path as osp
import shutil
import tempfile
import time

import numpy as np
import torch
from flow_benchmark import TORCH_MODES, projection
from mmdatp.datasets.preparation import (ExtractSpec, TorchFlow,
                                         extract_videos, find_videos)
from mmdatp.datasets.preparation import extract as extract_mod


def ref_flows(flow: TorchFlow, refs) -> dict:
    """{clip: (B, H, W, 2)} flow of ``flow`` on the reference pairs."""
    return {
        clip: flow.flow(refs[clip + '_prev'], refs[clip + '_next'])
        for clip in sorted({k.rsplit('_', 1)[0] for k in refs.files})
    }


def epe(a: dict, b: dict) -> float:
    """Mean end-point difference of two {clip: (B, H, W, 2)} flows."""
    return float(
        np.mean([np.sqrt(((a[k] - b[k])**2).sum(-1)).mean() for k in a]))


def time_extractor(flow: TorchFlow, device: str, video: str, work: str,
                   args, batch: int, in_flight: int, tag: str) -> dict:
    """Warm-up extraction, then the timed one; pairs/s and batches."""
    src = osp.join(work, 'videos')
    if not osp.isdir(src):
        os.makedirs(src)
        for i in range(args.videos):
            os.symlink(osp.abspath(video),
                       osp.join(src, f'v{i:03d}{osp.splitext(video)[1]}'))
    jobs = find_videos(src, level=1)
    spec = ExtractSpec(task='flow', flow_backend='torch',
                       new_short=args.new_short, max_frames=args.frames)
    # the extractor's TorchFlow of this device is this row's
    extract_mod._TORCH_FLOWS[device] = flow
    kw = dict(num_workers=args.workers, verbose=False, device=device,
              batch_size=batch, videos_in_flight=in_flight)
    # warm-up: one full batch (compiles, records the CUDA graphs of it)
    chunk = -(-batch // in_flight)
    warm_spec = ExtractSpec(task='flow', flow_backend='torch',
                            new_short=args.new_short, max_frames=chunk + 1)
    start = time.perf_counter()
    extract_videos(jobs[:in_flight], osp.join(work, 'warm_' + tag),
                   warm_spec, **kw)
    warm = time.perf_counter() - start
    out = osp.join(work, 'out_' + tag)
    summary = extract_videos(jobs, out, spec, **kw)
    shutil.rmtree(out, ignore_errors=True)
    if not summary.ok:
        raise RuntimeError(summary.format())
    fill = summary.flow_batches or [batch]
    return dict(pairs=summary.flow_pairs, seconds=summary.seconds,
                pairs_per_s=summary.flow_pairs / summary.seconds,
                warm_up_s=warm, batch=batch, in_flight=in_flight,
                mean_batch=float(np.mean(fill)))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--device', default='cuda')
    p.add_argument('--refs', required=True, help='OpenCV reference .npz')
    p.add_argument('--rows', nargs='*', default=['eager:float32'])
    p.add_argument('--baseline', action='store_true')
    p.add_argument('--video', default='tests/data/videos/test.mp4')
    p.add_argument('--videos', type=int, default=16)
    p.add_argument('--frames', type=int, default=129)
    p.add_argument('--new-short', type=int, default=256)
    p.add_argument('--batch', type=int, default=512)
    p.add_argument('--in-flight', type=int, default=8)
    p.add_argument('--workers', type=int, default=16, help='JPEG threads')
    p.add_argument('--json', help='append the rows here')
    args = p.parse_args()
    refs = np.load(args.refs)
    device = args.device
    work = tempfile.mkdtemp(prefix='flow_extractor_')
    reference = ref_flows(TorchFlow(device), refs)
    opencv = {k: refs[k + '_flow'] for k in reference}
    rows = [('eager:float32', 'baseline', args.frames - 1, 1)] * \
        args.baseline + [(r, r, args.batch, args.in_flight)
                         for r in args.rows]
    name = torch.cuda.get_device_name() if device.startswith('cuda') \
        else 'cpu'
    print(f'{name}, torch {torch.__version__}; {args.videos} x '
          f'{args.video} ({args.frames - 1} pairs), short side '
          f'{args.new_short}', flush=True)
    try:
        for row, tag, batch, in_flight in rows:
            mode, dtype = row.split(':')
            result = dict(row=tag)
            try:
                flow = TorchFlow(device, compile=TORCH_MODES[mode][1],
                                 dtype=dtype)
                ours = ref_flows(flow, refs)
                result.update(epe_opencv=epe(ours, opencv),
                              epe_fp32=epe(ours, reference))
                result.update(time_extractor(flow, device, args.video, work,
                                             args, batch, in_flight,
                                             tag.replace(':', '_')))
                result['projection'] = projection(result['pairs_per_s'])
            except Exception as e:  # noqa: B902  reported, next row
                result['error'] = repr(e)[:300]
            print(json.dumps(result), flush=True)
            if args.json:
                with open(args.json, 'a') as f:
                    f.write(json.dumps(result) + '\n')
            if device.startswith('cuda'):
                torch.cuda.empty_cache()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
