"""Fig. 3 figure: the plot of a prediction (the `trained` and `pred`
fixtures are in tests/conftest.py), the CLI."""
import os
import os.path as osp
import subprocess
import sys

import matplotlib.image as mpimg
import numpy as np
import pytest
from mmdatp.evaluation import load_class_names
from mmdatp.visualization import plot_temporal_weights

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CLI = osp.join(REPO, 'tools', 'analysis', 'vis_temporal_weights.py')
SIZE = 32
NUM_CLASSES = 3


def test_plot_from_prediction(trained, pred, tmp_path):
    out = str(tmp_path / 'sub' / 'fig3.png')
    summary = plot_temporal_weights(
        pred,
        out,
        true_label=(pred['pred_label'] + 1) % NUM_CLASSES,
        class_names=trained['classes'])
    image = mpimg.imread(out)
    assert image.ndim == 3 and image.shape[0] > 100
    n = len(pred['times'])
    assert summary['num_frames'] == n
    images = [ax for ax in summary['figure'].axes if ax.images]
    assert len(images) == n
    # pred, true, weights, 2 Gaussians, mixture
    assert summary['num_lines'] == 6
    assert 'max = 1' in summary['lines'][2]
    assert [f for f in os.listdir(tmp_path / 'sub')] == ['fig3.png']


def _hand_pred(n=5, c=4, mog=True):
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(n, c))
    scores = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    times = (np.arange(n) + 0.5) / n
    rho = np.array([0.7, 0.3])
    mu = np.array([0.7, 0.2])
    sigma = np.array([0.15, 0.2])
    # Eq. 1 at the segment times: w_i = sum_k rho_k N(t_i; mu_k, sigma_k^2)
    gauss = np.exp(-(times[:, None] - mu)**2 / (2 * sigma**2))
    weights = (rho / sigma * gauss).sum(1) / np.sqrt(2 * np.pi)
    pred = dict(
        frames=rng.integers(0, 255, (n, 16, 20, 3), dtype=np.uint8),
        times=times,
        segment_scores=scores,
        weights=weights,
        pred_label=2,
        pred_score=0.6,
        video='v.mp4')
    if mog:
        pred.update(rho=rho, mu=mu, sigma=sigma)
    return pred


def test_plot_hand_made_pred(tmp_path):
    out = str(tmp_path / 'hand.png')
    pred = _hand_pred()
    summary = plot_temporal_weights(pred, out, true_label=1)
    assert mpimg.imread(out).shape[-1] in (3, 4)
    assert summary['num_frames'] == 5
    assert len([ax for ax in summary['figure'].axes if ax.images]) == 5
    assert summary['num_lines'] == 6
    assert summary['lines'][0].startswith('softmax score, predicted class 2')
    assert summary['lines'][1].startswith('softmax score, true class 1')
    ax = [ax for ax in summary['figure'].axes if not ax.images][0]
    weights_line = ax.get_lines()[2]
    assert max(weights_line.get_ydata()) == pytest.approx(1.0)
    # the Gaussian curves span t in [0, 1]
    gauss = ax.get_lines()[3].get_xdata()
    assert gauss[0] == 0 and gauss[-1] == 1 and len(gauss) > 50
    # the mixture curve, scaled like the weights, passes through them
    mixture = ax.get_lines()[5]
    np.testing.assert_allclose(
        np.interp(pred['times'], mixture.get_xdata(), mixture.get_ydata()),
        weights_line.get_ydata(),
        atol=0.02)


@pytest.mark.parametrize('mu, sigma', [
    ([0.7, 0.2], [0.15, 0.2]),
    # where the real-video runs ended: far off the segments, sigma at floor
    ([-1.7e4, -1.4e4], [1e-3, 1e-3]),
])
def test_plot_normalised_components_passes_through_weights(
        tmp_path, mu, sigma):
    """With the configs' ``normalize_components=True`` the weights are not
    Eq. 1's: the curves must be normalised over the segments as the
    generator did, else they miss the weights the model used."""
    import torch
    from mmdatp.models import mog_log_weights
    pred = _hand_pred()
    rho = np.array([0.7, 0.3])
    weights = mog_log_weights(
        torch.as_tensor(pred['times'])[None],
        torch.as_tensor(rho)[None],
        torch.as_tensor(mu, dtype=torch.float64)[None],
        torch.as_tensor(sigma, dtype=torch.float64)[None],
        normalize_components=True)[0].exp().numpy()
    pred.update(mu=np.array(mu), sigma=np.array(sigma), weights=weights,
                normalize_components=True)
    summary = plot_temporal_weights(pred, str(tmp_path / 'n.png'))
    ax = [ax for ax in summary['figure'].axes if not ax.images][0]
    lines = ax.get_lines()
    weights_line, mixture = lines[1], lines[4]
    assert summary['lines'][4].startswith('mixture')
    curve = np.interp(pred['times'], mixture.get_xdata(), mixture.get_ydata())
    np.testing.assert_allclose(curve, weights_line.get_ydata(), atol=0.03)
    assert np.isfinite(mixture.get_ydata()).all()
    # the same weights drawn as Eq. 1 curves miss them
    pred['normalize_components'] = False
    plain = plot_temporal_weights(pred, str(tmp_path / 'e.png'))
    ax = [ax for ax in plain['figure'].axes if not ax.images][0]
    eq1 = np.interp(pred['times'], ax.get_lines()[4].get_xdata(),
                    ax.get_lines()[4].get_ydata())
    assert np.abs(eq1 - weights_line.get_ydata()).max() > 0.1


def test_plot_without_gaussians_and_true_equal_pred(tmp_path):
    out = str(tmp_path / 'plain.png')
    summary = plot_temporal_weights(
        _hand_pred(mog=False),
        out,
        true_label=2,
        class_names=['a', 'b', 'c', 'd'],
        title='custom')
    assert summary['num_lines'] == 2  # pred (= true), weights
    assert summary['lines'][0].endswith('c (2) = true')
    assert summary['figure']._suptitle.get_text() == 'custom'
    assert osp.isfile(out)


def test_plot_rejects_bad_input(tmp_path):
    pred = _hand_pred()
    with pytest.raises(ValueError, match='true_label'):
        plot_temporal_weights(pred, str(tmp_path / 'x.png'), true_label=4)
    bad = dict(pred, weights=pred['weights'][:3])
    with pytest.raises(ValueError, match='same N'):
        plot_temporal_weights(bad, str(tmp_path / 'x.png'))
    with pytest.raises(ValueError, match='frames'):
        plot_temporal_weights(
            {k: v
             for k, v in pred.items() if k != 'frames'},
            str(tmp_path / 'x.png'))
    assert not osp.exists(tmp_path / 'x.png')


def test_load_class_names(tmp_path, trained):
    assert load_class_names(trained['meta']) == trained['classes']
    txt = tmp_path / 'names.txt'
    txt.write_text('jump\n\nrun \n')
    assert load_class_names(str(txt)) == ['jump', 'run']
    with pytest.raises(FileNotFoundError):
        load_class_names(str(tmp_path / 'none.txt'))


def test_cli(trained, tmp_path):
    out = str(tmp_path / 'cli' / 'fig3.png')
    proc = subprocess.run([
        sys.executable, CLI, trained['cfg_path'], trained['ckpt'],
        trained['video'], '--out', out, '--label',
        str(trained['label']), '--class-names', trained['meta']
    ],
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert osp.isfile(out) and mpimg.imread(out).ndim == 3
    assert f'saved to {out}' in proc.stdout
    assert 'Predicted class: ' in proc.stdout
    assert any(name in proc.stdout for name in trained['classes'])
