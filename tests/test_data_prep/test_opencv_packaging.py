"""cv2 is opencv-contrib-python, pinned, and `make setup` keeps it so."""
import importlib.metadata as md
import os.path as osp
import re
import subprocess

import cv2
from prep_utils import REPO


def pinned_contrib():
    with open(osp.join(REPO, 'requirements', 'runtime.txt')) as f:
        pins = re.findall(r'^opencv-contrib-python==(\S+)$', f.read(), re.M)
    assert len(pins) == 1, pins
    return pins[0]


def test_cv2_has_contrib_tvl1():
    assert callable(cv2.optflow.DualTVL1OpticalFlow_create)
    assert cv2.optflow.DualTVL1OpticalFlow_create() is not None
    # the installed contrib distribution is the pinned one and owns cv2
    version = pinned_contrib()
    assert md.version('opencv-contrib-python') == version
    assert cv2.__version__ == '.'.join(version.split('.')[:3])


def test_make_setup_reinstalls_contrib_last(tmp_path):
    venv = str(tmp_path / 'venv')  # only printed (make -n), never created
    proc = subprocess.run(['make', '-n', 'setup', f'VENV={venv}'],
                          cwd=REPO,
                          capture_output=True,
                          text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = [
        line for line in proc.stdout.splitlines()
        if not line.startswith('#')
    ]
    text = '\n'.join(lines)
    reqs = text.index('-r requirements/tests.txt')
    reinstall = text.index('--no-deps --force-reinstall')
    check = text.index('cv2.optflow.DualTVL1OpticalFlow_create()')
    assert reqs < reinstall < check
    assert "grep '^opencv-contrib-python==' requirements/runtime.txt" in \
        text[reinstall:check]
    pinned_contrib()
