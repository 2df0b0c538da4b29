"""Figure 4 of the DATP paper: the largest per-class accuracy changes.

Song et al. (ACM MM 2018), Figure 4, shows the top-5 and bottom-5 changes of
per-class top-1 accuracy when DATP replaces the baseline's average pooling.
:func:`mmdatp.evaluation.class_accuracy_changes` computes the two lists;
:func:`plot_class_acc_changes` draws them as horizontal bars::

    top    (largest increase first)   above the dashed line
    bottom (largest decrease last)    below it
    bars: green for a gain, red for a loss, labelled with the change in
    percentage points and the accuracies (base -> new) in %

Only matplotlib's object API with the Agg canvas is used, so no display is
needed and the global pyplot backend is left alone.
``tools/analysis/class_acc_change.py`` is the command-line front end.
"""
from typing import Optional, Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..evaluation import ClassAccChange
from ..utils import atomic_open

__all__ = ['plot_class_acc_changes']

_UP, _DOWN, _FLAT = '#2e8b57', '#c0392b', '#7f7f7f'


def plot_class_acc_changes(top: Sequence[ClassAccChange],
                           bottom: Sequence[ClassAccChange],
                           class_names: Optional[Sequence[str]] = None,
                           out_file: Optional[str] = None,
                           title: Optional[str] = None) -> Figure:
    """Draw the top and bottom per-class accuracy changes as a bar chart.

    Args:
        top (Sequence[ClassAccChange]): Largest changes, largest first, as
            ``(class, base, new, delta)`` with accuracies in [0, 1].
        bottom (Sequence[ClassAccChange]): Smallest changes, smallest first.
        class_names (Sequence[str], optional): Name of each class index.
            Defaults to ``class <index>``.
        out_file (str, optional): Where to write the PNG (written to a
            temporary file first, then moved into place). Defaults to None
            (not saved).
        title (str, optional): Figure title. Defaults to
            ``Top-k / bottom-k changes of per-class accuracy``.

    Returns:
        matplotlib.figure.Figure: The figure.
    """
    top, bottom = list(top), list(bottom)
    entries = top + bottom
    if not entries:
        raise ValueError('nothing to plot: top and bottom are both empty')
    for e in entries:
        if class_names is not None and not 0 <= e[0] < len(class_names):
            raise ValueError(f'class index {e[0]} has no name among the '
                             f'{len(class_names)} class names')

    def _name(c: int) -> str:
        return str(class_names[c]) if class_names is not None \
            else f'class {c}'

    # Bars from top to bottom of the axes: the top list, then the bottom list
    # reversed, so the changes decrease down the chart (largest drop last).
    entries = top + bottom[::-1]
    labels = [_name(e[0]) for e in entries]
    deltas = [100.0 * e[3] for e in entries]  # percentage points
    colors = [_UP if d > 0 else _DOWN if d < 0 else _FLAT for d in deltas]
    ys = list(range(len(entries)))[::-1]

    fig = Figure(figsize=(7.0, 1.6 + 0.45 * len(entries)))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.barh(ys, deltas, color=colors, height=0.7)
    ax.set_yticks(ys)
    ax.set_yticklabels(labels)
    ax.axvline(0.0, color='black', linewidth=0.8)
    if top and bottom:
        ax.axhline(ys[len(top) - 1] - 0.5, color='gray', linestyle='--',
                   linewidth=0.8)
    span = max(max(abs(d) for d in deltas), 1.0)
    for y, d, e in zip(ys, deltas, entries):
        ax.text(d + (0.02 * span if d >= 0 else -0.02 * span), y,
                f'{d:+.1f} ({100 * e[1]:.0f}\u2192{100 * e[2]:.0f})',
                va='center', ha='left' if d >= 0 else 'right', fontsize=8)
    ax.set_xlim(-1.45 * span if min(deltas) < 0 else -0.4 * span,
                1.45 * span if max(deltas) > 0 else 0.4 * span)
    ax.set_xlabel('change of per-class top-1 accuracy (percentage points)')
    if title is None:
        title = (f'Top-{len(top)} / bottom-{len(bottom)} changes of '
                 'per-class accuracy')
    ax.set_title(title)
    fig.tight_layout()

    if out_file is not None:
        with atomic_open(out_file) as f:
            fig.savefig(f, format='png', dpi=150)
    return fig
