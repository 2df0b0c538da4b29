"""Figure 3 of the DATP paper for one video: frames, scores and weights.

Usage:
    python tools/analysis/vis_temporal_weights.py CONFIG CHECKPOINT VIDEO
        [--out fig3.png] [--label TRUE_LABEL]
        [--class-names classes.txt | meta.json] [--title TITLE]
        [--device cpu] [--cfg-options k=v ...]

Runs the config's test pipeline and the DATP model on VIDEO (a video file;
a config that reads RGB rawframes, such as configs/datp_tsn_r34_hmdb51.py,
decodes the video instead: mmdatp.apis.video_test_pipeline) and writes a
PNG: the N sampled frames with their segment times t_i on
top; below, over t_i, the per-segment softmax score of the predicted class
(and of --label), the temporal weights DATP generated (scaled to a maximum
of 1) and, for Gaussian weights, the mixture components.
"""
import argparse
import os.path as osp

import mmdatp  # noqa: F401  applies the stack fixes, registers DATP
from mmdatp.apis.cli import load_config
from mmdatp.evaluation import load_class_names
from mmdatp.visualization import plot_temporal_weights, predict_video
from mmengine.config import DictAction


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Plot the temporal weights DATP generates for a video '
        '(Fig. 3 of the paper)')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('video', help='video file')
    parser.add_argument(
        '--out',
        help='PNG to write; default: <video name>_temporal_weights.png in '
        'the current directory')
    parser.add_argument(
        '--label', type=int, help='true class of the video (plotted too)')
    parser.add_argument(
        '--class-names',
        help='class names: a text file with one name per line, or a JSON '
        "file (e.g. the synthetic dataset's meta.json) with 'classes'")
    parser.add_argument('--title', help='figure title')
    parser.add_argument(
        '--device', default='cpu', help='device, e.g. cpu or cuda:0')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries, e.g. model.cls_head.pooling=random')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = load_config(args)
    class_names = load_class_names(args.class_names) \
        if args.class_names else None
    out = args.out or osp.splitext(osp.basename(
        args.video))[0] + '_temporal_weights.png'

    pred = predict_video(cfg, args.checkpoint, args.video, device=args.device)
    names = class_names or pred['class_names']
    plot_temporal_weights(
        pred,
        out,
        true_label=args.label,
        class_names=names,
        title=args.title)

    label = pred['pred_label']
    name = f' {names[label]}' if names and label < len(names) else ''
    print(f'Predicted class: {label}{name} '
          f'(score {pred["pred_score"]:.3f})')
    if args.label is not None:
        print(f'True class: {args.label} '
              f'({"correct" if args.label == label else "wrong"})')
    print(f'Temporal weights figure saved to {osp.abspath(out)}')


if __name__ == '__main__':
    main()
