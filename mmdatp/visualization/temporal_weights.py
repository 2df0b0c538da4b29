"""Figure 3 of the DATP paper for one video: frames, scores and weights.

Song et al. (ACM MM 2018), Figure 3, shows for a video the sampled frames of
its N segments and, below them, the per-segment softmax scores of the
frame-level ConvNet together with the temporal weights that DATP generated.
This module makes that figure for any video file and DATP checkpoint::

    predict_video(config, checkpoint, video)       -> pred (dict)
        test pipeline, step by step  -> decoded RGB frames (kept for display)
                                     -> inputs, data sample (segment_times)
        model.test_step                 -> ActionDataSample with datp_* fields
    plot_temporal_weights(pred, 'fig3.png')         -> summary (dict)
        top:    the N frames, titled with their segment time t_i
        bottom: over t_i, softmax score of the predicted (and true) class,
                weights w_i / max_i w_i and, for Gaussian weights, the
                mixture components as smooth curves over t in [0, 1]

``tools/analysis/vis_temporal_weights.py`` is the command-line front end.
"""
import copy
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from mmaction.registry import MODELS, TRANSFORMS
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

from ..models.heads import DATPHead
from ..utils import atomic_open

__all__ = ['predict_video', 'plot_temporal_weights']

GAUSSIAN_COLOURS = ('tab:orange', 'tab:purple', 'tab:brown', 'tab:olive')

#: First steps of a test pipeline that reads a video file.
VIDEO_INITS = ('DecordInit', 'PyAVInit', 'OpenCVInit')


def _step_type(step: Dict) -> str:
    """Transform type without a registry scope ('mmaction.X' -> 'X')."""
    return str(step.get('type', '')).split('.')[-1]


def _test_pipeline(cfg: Config) -> List[Dict]:
    """The test pipeline: the test dataloader's, else ``test_pipeline``."""
    for key in ('test_dataloader', 'val_dataloader'):
        pipeline = ((cfg.get(key) or {}).get('dataset') or {}).get('pipeline')
        if pipeline:
            return list(pipeline)
    pipeline = cfg.get('test_pipeline') or cfg.get('val_pipeline')
    if not pipeline:
        raise ValueError('predict_video: the config has no test pipeline '
                         '(test_dataloader.dataset.pipeline or '
                         'test_pipeline)')
    return list(pipeline)


def _first_view(sample, key: str) -> Optional[np.ndarray]:
    """Field ``key`` of a data sample, first view, as numpy (or None)."""
    if key not in sample:
        return None
    value = sample.get(key)
    value = value.detach().cpu().numpy() if torch.is_tensor(value) \
        else np.asarray(value)
    return value[0]


@torch.no_grad()
def predict_video(config: Union[str, Config],
                  checkpoint: Optional[str],
                  video: str,
                  device: Union[str, torch.device] = 'cpu') -> Dict:
    """Run a DATP recognizer on one video file and keep what Fig. 3 shows.

    The config's test pipeline is run step by step on
    ``dict(filename=video, label=-1, start_index=0, modality='RGB')``; the
    RGB frames produced by its decode step (before resizing and cropping)
    are kept for display, one per segment (the centre frame of each clip).
    Only pipelines that read video files (``DecordInit``, ``PyAVInit``,
    ``OpenCVInit``) are supported. With several test views (crops or
    clips) the per-segment values are those of the first view, while
    ``pred_label`` and ``class_scores`` are the model's view-averaged
    prediction.

    Args:
        config (str | Config): Config file or loaded config (not changed).
        checkpoint (str, optional): Checkpoint file; None keeps the
            initial weights (only useful for tests).
        video (str): Path of a video file.
        device (str | torch.device): Where to run the model.
            Defaults to 'cpu'.

    Returns:
        dict: With N segments and C classes:

        - ``frames`` (np.ndarray): (N, H, W, 3) uint8 RGB frames.
        - ``frame_inds`` (np.ndarray): (N,) index of each frame in the video.
        - ``times`` (np.ndarray): (N,) normalised segment times t_i.
        - ``segment_scores`` (np.ndarray): (N, C) softmax scores I_i.
        - ``weights`` (np.ndarray): (N,) temporal weights w_i (Eq. 1).
        - ``attention`` (np.ndarray): (N,) ``w / sum(w)``.
        - ``pooled_score`` (np.ndarray): (C,) S of Eq. 3.
        - ``class_scores`` (np.ndarray): (C,) the model's prediction scores.
        - ``pred_label`` (int) and ``pred_score`` (float, its score).
        - ``rho``, ``mu``, ``sigma`` (np.ndarray): (K,) Gaussian mixture
          parameters, only for Gaussian weights (``'datp'`` with
          ``MoGWeightGenerator``, or ``pooling='random'``).
        - ``class_names`` (list[str] | None): From the checkpoint's
          ``dataset_meta``, if it has ``classes``.
        - ``video`` (str), ``pooling`` (str), ``num_views`` (int).
        - ``fps`` (float | None) and ``total_frames`` (int): frame rate and
          length of the video as the init step read them (``fps`` is None
          if the init step does not report it), to turn frame indices and
          segment times into seconds.

    Raises:
        FileNotFoundError: If the video or checkpoint file does not exist.
        ValueError: If the test pipeline does not read video files, or the
            model's head is not a ``DATPHead``.
    """
    if not isinstance(video, (str, os.PathLike)) or not osp.isfile(video):
        raise FileNotFoundError(f'predict_video: video file not found: '
                                f'{video!r}')
    if checkpoint is not None and not osp.isfile(checkpoint):
        raise FileNotFoundError(f'predict_video: checkpoint file not found: '
                                f'{checkpoint!r}')
    if isinstance(config, (str, os.PathLike)):
        cfg = Config.fromfile(str(config))
    elif isinstance(config, Config):
        cfg = copy.deepcopy(config)
    else:
        raise TypeError('predict_video: config must be a file path or an '
                        f'mmengine Config, got {type(config).__name__}')
    init_default_scope(cfg.get('default_scope', 'mmaction'))

    pipeline = _test_pipeline(cfg)
    first = _step_type(pipeline[0])
    if first not in VIDEO_INITS:
        raise ValueError(
            f'predict_video reads video files, but the test pipeline of '
            f'this config starts with {first!r} (rawframes or optical flow '
            f'read from a frame_dir are not supported); use a config whose '
            f'test pipeline starts with one of {VIDEO_INITS}')

    head_cfg = cfg.model.get('cls_head') or {}
    head_cls = MODELS.get(head_cfg['type']) if 'type' in head_cfg else None
    if not (isinstance(head_cls, type) and issubclass(head_cls, DATPHead)):
        raise ValueError(
            'predict_video visualises DATP temporal weights, so the model '
            f'needs a DATPHead, but its cls_head is '
            f'{head_cfg.get("type")!r}')
    if cfg.model.get('backbone', {}).get('pretrained'):
        cfg.model.backbone.pretrained = None  # the checkpoint has them
    model = MODELS.build(cfg.model)
    if not isinstance(getattr(model, 'cls_head', None), DATPHead):
        raise ValueError('predict_video: the built model has no DATPHead '
                         f'cls_head (got {type(model).__name__})')
    class_names = None
    if checkpoint is not None:
        ckpt = load_checkpoint(
            model, checkpoint, map_location='cpu', strict=True)
        meta = (ckpt.get('meta') or {}) if isinstance(ckpt, dict) else {}
        classes = (meta.get('dataset_meta') or {}).get('classes')
        if classes:
            class_names = [str(c) for c in classes]
    model.to(device)
    model.eval()

    # the test pipeline, keeping the decoded frames
    results = dict(filename=str(video), label=-1, start_index=0,
                   modality='RGB')
    decoded = None
    for step in pipeline:
        results = TRANSFORMS.build(step)(results)
        if results is None:
            raise RuntimeError(f'predict_video: pipeline step '
                               f'{_step_type(step)!r} dropped {video}')
        if _step_type(step) in VIDEO_INITS:
            fps = results.get('avg_fps')
            total_frames = int(results['total_frames'])
        if decoded is None and _step_type(step).endswith('Decode'):
            decoded = np.stack(results['imgs']).astype(np.uint8)  # F,H,W,3
            frame_inds = np.asarray(results['frame_inds']).reshape(-1)
            clip_len = int(results.get('clip_len', 1))
    if decoded is None:
        raise ValueError('predict_video: the test pipeline has no decode '
                         'step (e.g. DecordDecode) after its init step')

    sample = model.test_step(pseudo_collate([results]))[0]
    seg_scores = _first_view(sample, 'segment_scores')  # N, C
    n = seg_scores.shape[0]
    if decoded.shape[0] < n * clip_len:
        raise ValueError(f'predict_video: the head pooled {n} segments but '
                         f'the pipeline decoded {decoded.shape[0]} frames '
                         f'of {clip_len} per clip')
    centre = clip_len // 2  # the frame shown for a clip of clip_len frames
    frames = decoded[:n * clip_len].reshape(
        (n, clip_len) + decoded.shape[1:])[:, centre]
    frame_inds = frame_inds[:n * clip_len].reshape(n, clip_len)[:, centre]
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError('predict_video: expected RGB frames (H, W, 3), the '
                         f'decode step gave {decoded.shape[1:]}')

    class_scores = sample.pred_score.detach().cpu().numpy()
    pred_label = int(sample.pred_label.reshape(-1)[0])
    pred = dict(
        video=str(video),
        frames=np.ascontiguousarray(frames),
        frame_inds=frame_inds.astype(np.int64),
        times=_first_view(sample, 'datp_times'),
        segment_scores=seg_scores,
        weights=_first_view(sample, 'datp_weights'),
        attention=_first_view(sample, 'datp_attention'),
        pooled_score=_first_view(sample, 'pooled_score'),
        class_scores=class_scores,
        pred_label=pred_label,
        pred_score=float(class_scores[pred_label]),
        class_names=class_names,
        pooling=model.cls_head.pooling,
        num_views=int(sample.get('datp_weights').shape[0]),
        fps=float(fps) if fps else None,
        total_frames=total_frames)
    for key in ('rho', 'mu', 'sigma'):
        value = _first_view(sample, f'datp_{key}')
        if value is not None:
            pred[key] = value
    return pred


def _name(label: int, class_names: Optional[Sequence[str]]) -> str:
    if class_names is not None and 0 <= label < len(class_names):
        return f'{class_names[label]} ({label})'
    return f'class {label}'


def _gaussians(t: np.ndarray, rho: np.ndarray, mu: np.ndarray,
               sigma: np.ndarray) -> np.ndarray:
    """``rho_k N(t; mu_k, sigma_k^2)`` of shape (K, len(t)) (Eq. 1 terms)."""
    t = t[None, :]
    rho, mu, sigma = rho[:, None], mu[:, None], sigma[:, None]
    return rho / (sigma * np.sqrt(2 * np.pi)) * np.exp(
        -(t - mu)**2 / (2 * sigma**2))


def _save_atomic(fig: Figure, out_file: str, dpi: int) -> None:
    """Write ``fig`` as PNG to a temporary file, then rename it."""
    with atomic_open(out_file) as f:
        fig.savefig(f, format='png', dpi=dpi)


def plot_temporal_weights(pred: Dict,
                          out_file: str,
                          true_label: Optional[int] = None,
                          class_names: Optional[Sequence[str]] = None,
                          title: Optional[str] = None,
                          dpi: int = 100) -> Dict:
    """Draw Figure 3 of the paper for one prediction and save it as PNG.

    Top row: the N sampled frames, titled with their segment time t_i.
    Bottom: over t_i, the softmax score of the predicted class and of the
    true class (when given and different), the temporal weights normalised
    so that their maximum is 1 (``w_i / max_i w_i``) and, when ``pred`` has
    ``mu``, ``sigma`` and ``rho``, the Gaussian components
    ``rho_k N(t; mu_k, sigma_k^2)`` (and their sum when K > 1) as smooth
    curves over t in [0, 1], divided by the same ``max_i w_i`` so that the
    weight markers lie on the mixture curve. The file is written
    atomically (temporary file, then ``os.replace``).

    Args:
        pred (dict): What :func:`predict_video` returns; needs ``frames``
            (N, H, W, 3), ``times`` (N,), ``segment_scores`` (N, C),
            ``weights`` (N,) and ``pred_label``; optional ``pred_score``,
            ``rho``/``mu``/``sigma`` (K,), ``class_names``, ``video``.
        out_file (str): PNG to write; its directory is created if needed.
        true_label (int, optional): Ground-truth class. Defaults to None.
        class_names (Sequence[str], optional): Names by label; defaults to
            ``pred['class_names']``, else 'class i'.
        title (str, optional): Figure title. Defaults to the video name
            and the prediction.
        dpi (int): Resolution of the PNG. Defaults to 100.

    Returns:
        dict: ``out_file``, ``num_frames`` (image axes drawn),
        ``num_lines`` and ``lines`` (the legend labels of the bottom plot,
        in drawing order) and ``figure`` (the matplotlib Figure).
    """
    for key in ('frames', 'times', 'segment_scores', 'weights',
                'pred_label'):
        if pred.get(key) is None:
            raise ValueError(f'plot_temporal_weights: pred has no {key!r}')
    frames = np.asarray(pred['frames'])
    times = np.asarray(pred['times'], dtype=np.float64).reshape(-1)
    scores = np.asarray(pred['segment_scores'], dtype=np.float64)
    weights = np.asarray(pred['weights'], dtype=np.float64).reshape(-1)
    n = len(times)
    if frames.ndim != 4 or frames.shape[0] != n or scores.ndim != 2 or \
            scores.shape[0] != n or len(weights) != n:
        raise ValueError(
            'plot_temporal_weights: expected frames (N, H, W, 3), times '
            '(N,), segment_scores (N, C) and weights (N,) with the same N; '
            f'got {frames.shape}, {times.shape}, {scores.shape}, '
            f'{weights.shape}')
    num_classes = scores.shape[1]
    pred_label = int(pred['pred_label'])
    if class_names is None:
        class_names = pred.get('class_names')
    if true_label is not None:
        true_label = int(true_label)
        if not 0 <= true_label < num_classes:
            raise ValueError(f'plot_temporal_weights: true_label must be in '
                             f'[0, {num_classes}), got {true_label}')

    fig = Figure(figsize=(max(8.0, 1.1 * n), 6.0), layout='constrained')
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(2, n, height_ratios=(1.0, 2.2))
    for i in range(n):
        ax = fig.add_subplot(grid[0, i])
        frame = frames[i]
        ax.imshow(frame if frame.shape[-1] == 3 else frame[..., 0],
                  interpolation='nearest')
        ax.set_title(f't={times[i]:.2f}', fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])

    ax = fig.add_subplot(grid[1, :])
    same = true_label is not None and true_label == pred_label
    ax.plot(
        times,
        scores[:, pred_label],
        'o-',
        color='tab:blue',
        label=f'softmax score, predicted {_name(pred_label, class_names)}' +
        (' = true' if same else ''))
    if true_label is not None and not same:
        ax.plot(
            times,
            scores[:, true_label],
            'o-',
            color='tab:green',
            label=f'softmax score, true {_name(true_label, class_names)}')
    w_max = weights.max() if weights.max() > 0 else 1.0
    ax.plot(
        times,
        weights / w_max,
        's--',
        color='tab:red',
        label='DATP weights $w_i$ / max$_i$ $w_i$ (max = 1)')
    top = 1.0
    if all(pred.get(k) is not None for k in ('rho', 'mu', 'sigma')):
        t = np.linspace(0.0, 1.0, 201)
        comps = _gaussians(t, *(np.asarray(pred[k], np.float64).reshape(-1)
                                for k in ('rho', 'mu', 'sigma'))) / w_max
        for k, comp in enumerate(comps):
            ax.plot(
                t,
                comp,
                ':',
                color=GAUSSIAN_COLOURS[k % len(GAUSSIAN_COLOURS)],
                label=f'Gaussian {k + 1}: $\\mu$={pred["mu"][k]:.2f}, '
                f'$\\sigma$={pred["sigma"][k]:.2f}, '
                f'$\\rho$={pred["rho"][k]:.2f} ($\\div$ max$_i$ $w_i$)')
        if len(comps) > 1:
            ax.plot(
                t,
                comps.sum(0),
                '-',
                color='tab:red',
                alpha=0.4,
                label='mixture of Gaussians ($\\div$ max$_i$ $w_i$)')
        top = max(top, float(comps.sum(0).max()))
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, min(1.05 * top, 3.0))
    ax.set_xlabel('normalised segment time $t_i$')
    ax.set_ylabel('softmax score / relative weight')
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc='upper left', bbox_to_anchor=(1.01, 1.0))

    if title is None:
        name = osp.basename(str(pred.get('video', ''))) or 'video'
        title = f'{name}: predicted {_name(pred_label, class_names)}'
        if pred.get('pred_score') is not None:
            title += f' (score {float(pred["pred_score"]):.2f})'
        if true_label is not None:
            title += f', true {_name(true_label, class_names)}'
    fig.suptitle(title, fontsize=10)

    _save_atomic(fig, out_file, dpi)
    lines = [line.get_label() for line in ax.get_lines()]
    return dict(
        out_file=out_file,
        num_frames=n,
        num_lines=len(lines),
        lines=lines,
        figure=fig)
