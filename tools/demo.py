"""Recognise the action in one video with a DATP model.

Usage:
    python tools/demo.py VIDEO CONFIG CHECKPOINT [--label-map classes.txt]
        [--top-k 5] [--num-key 3] [--out-png fig3.png] [--device cpu]
        [--cfg-options k=v ...]

CONFIG may read videos or RGB rawframes (the main configs, e.g.
configs/datp_tsn_r34_hmdb51.py): the test pipeline then decodes VIDEO in
place of the frames (mmdatp.apis.video_test_pipeline). Flow configs need
precomputed flow and are refused.

Prints the top-k classes and the key segments: the segments where the
temporal weights DATP generated for this video peak, with their frame index
and time in seconds (and, for a mixture of Gaussians, each component's
centre and width in seconds). ``--out-png`` also writes the paper's
Figure 3 for the video (frames, segment scores, temporal weights).

Class names come from ``--label-map`` (one name per line, or a JSON file
with ``classes`` such as the synthetic dataset's ``meta.json``), else from
the checkpoint's ``dataset_meta``, else class indices are printed.
"""
import argparse
import os.path as osp

import mmdatp  # noqa: F401  applies the stack fixes, registers DATP
import numpy as np
from mmdatp.apis import key_segments, top_k_classes
from mmdatp.engine.checkpoint import check_checkpoint_file
from mmdatp.apis.cli import load_config
from mmdatp.evaluation import load_class_names
from mmdatp.visualization import plot_temporal_weights, predict_video
from mmengine.config import DictAction


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='DATP demo: top-k classes and key segments of a video')
    parser.add_argument('video', help='video file')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--label-map', help='class names: text file, one per line, or JSON')
    parser.add_argument(
        '--top-k', type=int, default=5, help='classes to print')
    parser.add_argument(
        '--num-key', type=int, default=3, help='key segments to print')
    parser.add_argument(
        '--out-png', help='also write the Figure 3 PNG of the video here')
    parser.add_argument(
        '--device', default='cpu', help='device, e.g. cpu or cuda:0')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries, e.g. model.cls_head.num_classes=51')
    return parser.parse_args()


def _fmt_time(seconds) -> str:
    return 'n/a' if seconds is None else f'{seconds:7.2f} s'


def main() -> None:
    args = parse_args()
    cfg = load_config(args)
    # an empty or truncated file: an error naming it, not a bare EOFError
    check_checkpoint_file(args.checkpoint)
    pred = predict_video(cfg, args.checkpoint, args.video, device=args.device)

    num_classes = pred['class_scores'].shape[0]
    names = load_class_names(args.label_map, num_classes) \
        if args.label_map else pred['class_names']
    fps = pred['fps']
    print(f'Video: {args.video} ({pred["total_frames"]} frames'
          + (f', {fps:.2f} fps, {pred["total_frames"] / fps:.2f} s)'
             if fps else ')'))
    print(f'Pooling: {pred["pooling"]}, {len(pred["weights"])} segments')

    print(f'Top-{min(args.top_k, num_classes)} classes:')
    for rank, c in enumerate(
            top_k_classes(pred['class_scores'], args.top_k, names), 1):
        name = f'  {c["name"]}' if c['name'] is not None else ''
        print(f'  {rank}. class {c["label"]:>3}{name}  score {c["score"]:.4f}')

    peaks = key_segments(pred['weights'], pred['frame_inds'], fps,
                         args.num_key)
    if not peaks:
        print('Key segments: none, the temporal weights are uniform')
    else:
        print('Key segments (where the temporal weights peak):')
        for p in peaks:
            print(f'  segment {p["segment"]:>2}  frame {p["frame"]:>5}  '
                  f'time {_fmt_time(p["time_s"])}  '
                  f'attention {p["attention"]:.3f}')
    if 'mu' in pred and fps:
        # t = frame / (total_frames - 1), so seconds = t * (F - 1) / fps
        scale = max(pred['total_frames'] - 1, 1) / fps
        order = np.argsort(-pred['rho'])
        print('Gaussian components (weight, centre, width):')
        for k in order:
            print(f'  rho {pred["rho"][k]:.3f}  centre '
                  f'{_fmt_time(pred["mu"][k] * scale)}  sigma '
                  f'{_fmt_time(pred["sigma"][k] * scale)}')

    if args.out_png:
        plot_temporal_weights(pred, args.out_png, class_names=names)
        print(f'Figure 3 saved to {osp.abspath(args.out_png)}')


if __name__ == '__main__':
    main()
