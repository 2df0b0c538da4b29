"""tools/demo.py on a real clip (demo.mp4) with a tiny random model."""
import os.path as osp
import re
import subprocess
import sys

import decord
import matplotlib.image as mpimg
import numpy as np
import pytest
import torch
from conftest import TEST_DATA
from mmdatp.models.weight_generators.base import inverse_softplus
from mmengine.config import Config
from mmengine.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
VIDEO = osp.join(TEST_DATA, 'videos', 'demo.mp4')
CONFIG = osp.join(REPO, 'configs', 'datp_tsn_r34_synthetic.py')
CLASSES = ['clap', 'jump', 'run', 'sit', 'wave']
MU, SIGMA = 0.8, 0.05  # the one Gaussian the checkpoint's aux net emits


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    """A randomly initialised model whose aux net always puts a narrow
    Gaussian at t = 0.8 (regressor weights zero, bias = its parameters)."""
    cfg = Config.fromfile(CONFIG)
    cfg.model.cls_head.weight_generator = dict(
        type='MoGWeightGenerator', num_gaussians=1)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    bias = torch.tensor([
        inverse_softplus(torch.tensor(1.0)).item(), MU,
        inverse_softplus(
            torch.tensor(SIGMA - model.cls_head.weight_generator.min_sigma)
        ).item()
    ])
    model.cls_head.aux_net.init_regressor(bias)
    out = tmp_path_factory.mktemp('demo')
    ckpt = str(out / 'tiny.pth')
    torch.save(
        dict(
            state_dict=model.state_dict(),
            meta=dict(dataset_meta=dict(classes=CLASSES))), ckpt)
    return dict(ckpt=ckpt, dir=out)


def _run_demo(*args):
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'demo.py'), *args],
        capture_output=True,
        text=True,
        cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_demo_on_real_clip(checkpoint):
    png = str(checkpoint['dir'] / 'fig3.png')
    out = _run_demo(VIDEO, CONFIG, checkpoint['ckpt'], '--cfg-options',
                    'model.cls_head.weight_generator.num_gaussians=1',
                    '--out-png', png)

    # top-5 of the 5 classes, names from the checkpoint, scores descending
    rows = re.findall(r'^\s+(\d)\. class\s+(\d+)\s+(\w+)\s+score ([\d.]+)$',
                      out, re.M)
    assert [int(r[0]) for r in rows] == [1, 2, 3, 4, 5]
    assert sorted(r[2] for r in rows) == CLASSES
    assert all(CLASSES[int(r[1])] == r[2] for r in rows)
    scores = [float(r[3]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert sum(scores) == pytest.approx(1.0, abs=1e-3)  # probabilities

    # expected key segment from the clip itself: the centre frame of each
    # of the 10 segments, t = frame / (F - 1); the weights peak where t is
    # nearest the Gaussian's mean
    vr = decord.VideoReader(VIDEO)
    total, fps = len(vr), vr.get_avg_fps()
    bounds = np.arange(11) * total // 10
    centres = bounds[:-1] + (bounds[1:] - bounds[:-1]) // 2
    seg = int(np.argmin(np.abs(centres / (total - 1) - MU)))
    keys = re.findall(
        r'^\s+segment\s+(\d+)\s+frame\s+(\d+)\s+time\s+([\d.]+) s\s+'
        r'attention ([\d.]+)$', out, re.M)
    assert len(keys) == 1  # one Gaussian, one peak
    assert int(keys[0][0]) == seg
    assert int(keys[0][1]) == centres[seg]
    assert float(keys[0][2]) == pytest.approx(centres[seg] / fps, abs=0.01)
    assert float(keys[0][3]) > 0.1 * 3  # far above the uniform 0.1
    centre = re.search(r'centre\s+([\d.]+) s\s+sigma\s+([\d.]+) s', out)
    assert float(centre.group(1)) == pytest.approx(
        MU * (total - 1) / fps, abs=0.01)
    assert float(centre.group(2)) == pytest.approx(
        SIGMA * (total - 1) / fps, abs=0.01)

    # the Figure 3 PNG was written
    assert f'Figure 3 saved to {png}' in out
    assert mpimg.imread(png).ndim == 3


def test_demo_label_map_and_bad_checkpoint(checkpoint, tmp_path):
    names = tmp_path / 'names.txt'
    names.write_text('\n'.join(n.upper() for n in CLASSES) + '\n')
    out = _run_demo(VIDEO, CONFIG, checkpoint['ckpt'], '--label-map',
                    str(names), '--top-k', '2', '--cfg-options',
                    'model.cls_head.weight_generator.num_gaussians=1')
    rows = re.findall(r'^\s+\d\. class\s+\d+\s+([A-Z]+)\s', out, re.M)
    assert len(rows) == 2 and set(rows) <= {n.upper() for n in CLASSES}

    proc = subprocess.run([
        sys.executable,
        osp.join(REPO, 'tools', 'demo.py'), VIDEO, CONFIG,
        str(tmp_path / 'missing.pth')
    ],
                          capture_output=True,
                          text=True,
                          cwd=REPO)
    assert proc.returncode != 0
    assert 'missing.pth' in proc.stderr


def test_demo_rejects_checkpoint_of_another_model(checkpoint):
    """The checkpoint has K=1 Gaussians; the config's default K=2 must not
    silently run with a random aux-net regressor."""
    proc = subprocess.run([
        sys.executable,
        osp.join(REPO, 'tools', 'demo.py'), VIDEO, CONFIG, checkpoint['ckpt']
    ],
                          capture_output=True,
                          text=True,
                          cwd=REPO)
    assert proc.returncode != 0
    assert 'size mismatch for cls_head.aux_net.regressor' in proc.stderr
