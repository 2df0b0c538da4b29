"""Flow quantisation (closed form) and flow direction/magnitude of both
algorithms, directly and through the extractor's x_/y_ JPEGs."""
import os.path as osp

import cv2
import numpy as np
import pytest
from mmdatp.datasets.preparation import (FLOW_BOUND, ExtractSpec,
                                         build_flow_fn, dequantize_flow,
                                         extract_videos, find_videos,
                                         quantize_flow)
from prep_utils import write_moving_texture


def test_quantisation_closed_form():
    values = np.array([0.0, -20.0, 20.0, -35.0, 1e6, 10.0, -10.0, 0.1],
                      dtype=np.float32)
    flow = np.stack([values, -values], axis=-1)[None]  # (1, 8, 2)
    qx, qy = quantize_flow(flow)
    assert qx.dtype == np.uint8 and qx.shape == (1, 8)
    # 0 -> 127.5 -> 128 (half to even), +-20 and beyond -> 255 / 0
    # 10 -> 30/40*255 = 191.25 -> 191, -10 -> 63.75 -> 64, 0.1 -> 128.1
    assert qx[0].tolist() == [128, 0, 255, 0, 255, 191, 64, 128]
    assert qy[0].tolist() == [128, 255, 0, 255, 0, 64, 191, 127]
    expected = np.round((np.clip(values, -20, 20) + 20) / 40 * 255)
    np.testing.assert_array_equal(qx[0], expected)


def test_dequantise_inverts_within_half_a_level():
    f = np.linspace(-FLOW_BOUND, FLOW_BOUND, 1001, dtype=np.float32)
    flow = np.stack([f, f[::-1]], axis=-1)[None]
    qx, qy = quantize_flow(flow)
    step = 2 * FLOW_BOUND / 255
    assert np.abs(dequantize_flow(qx)[0] - f).max() <= step / 2 + 1e-5
    assert np.abs(dequantize_flow(qy)[0] - f[::-1]).max() <= step / 2 + 1e-5
    assert dequantize_flow(np.uint8([0, 255])).tolist() == [-20, 20]
    # another bound
    qx, _ = quantize_flow(np.full((1, 1, 2), 5.0), bound=10)
    assert qx[0, 0] == round(15 / 20 * 255)
    assert abs(dequantize_flow(qx, bound=10)[0, 0] - 5.0) < 0.05


def test_bad_arguments():
    with pytest.raises(ValueError, match=r'shape \(H, W, 2\)'):
        quantize_flow(np.zeros((4, 4)))
    with pytest.raises(ValueError, match='bound must be a number > 0'):
        quantize_flow(np.zeros((4, 4, 2)), bound=0)
    with pytest.raises(ValueError, match=r"flow_type must be one of .*"
                       r"'brox'"):
        build_flow_fn('brox')


def _texture_pair(shift):
    rng = np.random.default_rng(3)
    big = (rng.random((90, 110)) * 255).astype(np.uint8)
    big = cv2.normalize(
        cv2.GaussianBlur(big, (0, 0), 2.0), None, 0, 255, cv2.NORM_MINMAX)
    dx, dy = shift
    prev = big[10:74, 10:90]
    nxt = big[10 - dy:74 - dy, 10 - dx:90 - dx]  # content moved by (dx, dy)
    return prev, nxt


@pytest.mark.parametrize('flow_type', ['tvl1', 'farneback'])
@pytest.mark.parametrize('shift', [(2, 0), (-3, 1)])
def test_translation_gives_flow_of_the_right_sign(flow_type, shift):
    prev, nxt = _texture_pair(shift)
    flow = build_flow_fn(flow_type)(prev, nxt)
    assert flow.shape == prev.shape + (2, ) and flow.dtype == np.float32
    inner = flow[8:-8, 8:-8]
    # quantise, JPEG round trip, dequantise: what training reads
    qx, qy = quantize_flow(inner)
    qx = cv2.imdecode(cv2.imencode('.jpg', qx)[1], cv2.IMREAD_GRAYSCALE)
    qy = cv2.imdecode(cv2.imencode('.jpg', qy)[1], cv2.IMREAD_GRAYSCALE)
    assert dequantize_flow(qx).mean() == pytest.approx(shift[0], abs=0.2)
    assert dequantize_flow(qy).mean() == pytest.approx(shift[1], abs=0.2)


@pytest.mark.parametrize('flow_type', ['tvl1', 'farneback'])
def test_extracted_flow_jpegs_of_a_moving_video(tmp_path, flow_type):
    """A video moving right by 2 px/frame: x_ JPEGs say +2, y_ JPEGs 0."""
    write_moving_texture(
        str(tmp_path / 'moving.avi'), num_frames=4, shift=(2, 0))
    out = str(tmp_path / 'flow')
    summary = extract_videos(
        find_videos(str(tmp_path), level=1),
        out,
        ExtractSpec(task='flow', flow_type=flow_type, new_short=0),
        num_workers=0,
        verbose=False)
    assert summary.ok and summary.flow_pairs == 3
    for k in (1, 2, 3):
        x = cv2.imread(osp.join(out, 'moving', f'x_{k:05d}.jpg'),
                       cv2.IMREAD_GRAYSCALE)
        y = cv2.imread(osp.join(out, 'moving', f'y_{k:05d}.jpg'),
                       cv2.IMREAD_GRAYSCALE)
        assert x.shape == (72, 96)
        assert dequantize_flow(x[8:-8, 8:-8]).mean() == pytest.approx(
            2.0, abs=0.25)
        assert dequantize_flow(y[8:-8, 8:-8]).mean() == pytest.approx(
            0.0, abs=0.25)


def test_tvl1_without_contrib_binary_is_a_clear_error(monkeypatch):
    """opencv-python over contrib leaves cv2.optflow as stubs only."""
    import types
    monkeypatch.setattr(cv2, 'optflow', types.ModuleType('cv2.optflow'))
    with pytest.raises(ImportError, match=r'DualTVL1OpticalFlow_create\); '
                       r'cv2 .* lacks them.*farneback'):
        build_flow_fn('tvl1')
    build_flow_fn('farneback')  # still fine


def test_extraction_without_tvl1_fails_before_any_video(monkeypatch,
                                                         tmp_path):
    import types
    write_moving_texture(str(tmp_path / 'moving.avi'), num_frames=3)
    monkeypatch.setattr(cv2, 'optflow', types.ModuleType('cv2.optflow'))
    with pytest.raises(ImportError, match='farneback'):
        extract_videos(
            find_videos(str(tmp_path), level=1),
            str(tmp_path / 'out'),
            ExtractSpec(task='both', flow_type='tvl1'),
            num_workers=0,
            verbose=False)
    assert not (tmp_path / 'out').exists()
