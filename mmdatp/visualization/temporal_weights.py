"""Figure 3 of the DATP paper for one video: frames, scores and weights.

Song et al. (ACM MM 2018), Figure 3, shows for a video the sampled frames of
its N segments and, below them, the per-segment softmax scores of the
frame-level ConvNet together with the temporal weights that DATP generated.
This module makes that figure for any video file and DATP checkpoint::

    mmdatp.apis.predict_video(config, checkpoint, video) -> pred (dict)
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
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..utils import atomic_open

__all__ = ['plot_temporal_weights']

GAUSSIAN_COLOURS = ('tab:orange', 'tab:purple', 'tab:brown', 'tab:olive')

def _name(label: int, class_names: Optional[Sequence[str]]) -> str:
    if class_names is not None and 0 <= label < len(class_names):
        return f'{class_names[label]} ({label})'
    return f'class {label}'


def _gaussians(t: np.ndarray,
               rho: np.ndarray,
               mu: np.ndarray,
               sigma: np.ndarray,
               seg_times: Optional[np.ndarray] = None) -> np.ndarray:
    """The K weight components over ``t``, shape (K, len(t)).

    ``rho_k N(t; mu_k, sigma_k^2)`` (Eq. 1 terms); with ``seg_times`` each
    density is divided by its sum over those times first (the generator's
    ``normalize_components=True``), so the curves pass through the weights
    the model used. Computed in log space: a Gaussian far from the segments
    (mu in the thousands, sigma at its floor) gives large finite values,
    not 0/0.
    """
    rho, mu, sigma = rho[:, None], mu[:, None], sigma[:, None]

    def log_density(x):
        return (-(x[None, :] - mu)**2 / (2 * sigma**2) - np.log(sigma) -
                0.5 * np.log(2 * np.pi))

    log_w = log_density(t)
    if seg_times is not None:
        log_w = log_w - np.logaddexp.reduce(
            log_density(seg_times), axis=1, keepdims=True)
    # beyond 1e6 x the largest weight a curve is off the chart anyway
    return rho * np.exp(np.minimum(log_w, np.log(1e6)))


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
    weight markers lie on the mixture curve (with
    ``pred['normalize_components']`` each density is first divided by its
    sum over the segment times, as the generator did). The file is written
    atomically (temporary file, then ``os.replace``).

    Args:
        pred (dict): What :func:`predict_video` returns; needs ``frames``
            (N, H, W, 3), ``times`` (N,), ``segment_scores`` (N, C),
            ``weights`` (N,) and ``pred_label``; optional ``pred_score``,
            ``rho``/``mu``/``sigma`` (K,), ``normalize_components``
            (bool), ``class_names``, ``video``.
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
        comps = _gaussians(
            t, *(np.asarray(pred[k], np.float64).reshape(-1)
                 for k in ('rho', 'mu', 'sigma')),
            seg_times=times if pred.get('normalize_components') else None)
        comps = comps / w_max
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
