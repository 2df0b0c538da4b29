"""TV-L1 in PyTorch: ground truth on synthetic motion, agreement with
OpenCV's TV-L1 on the real clips, batching, and its building blocks against
closed forms / OpenCV."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmdatp.datasets.preparation import quantize_flow, read_frames
import torch.nn.functional as F
from mmdatp.datasets.preparation.tvl1_torch import (TVL1Flow,
                                                    _linear_resize_matrix,
                                                    _median_blur,
                                                    _select_median,
                                                    pyramid_sizes, tvl1_flow)
from prep_utils import VIDEOS

H, W = 64, 80


@pytest.fixture(autouse=True)
def _one_thread():
    # the suite shares 2 cores; the results do not depend on threads
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def texture(x: np.ndarray, y: np.ndarray, seed: int = 0) -> np.ndarray:
    """A smooth texture defined everywhere: 12 plane waves, in 0..1."""
    rng = np.random.default_rng(seed)
    out = np.zeros_like(x)
    for _ in range(12):
        k, a, phase = rng.uniform(0.08, 0.35), rng.uniform(0, np.pi), \
            rng.uniform(0, 2 * np.pi)
        out += np.sin(k * (np.cos(a) * x + np.sin(a) * y) + phase)
    return (out + 12) / 24  # in (0, 1), a fixed map for all frames


def grid():
    y, x = np.mgrid[0:H, 0:W].astype(np.float64)
    return x, y


def epe(flow: np.ndarray, truth: np.ndarray, border: int = 8) -> np.ndarray:
    """End-point error inside ``border`` (flow at the edges is ill-posed:
    content leaves or enters)."""
    err = np.sqrt(((flow - truth)**2).sum(-1))
    return err[border:-border, border:-border]


def torch_flow(prev: np.ndarray, nxt: np.ndarray, **kw) -> np.ndarray:
    return tvl1_flow(
        torch.from_numpy(np.ascontiguousarray(prev)),
        torch.from_numpy(np.ascontiguousarray(nxt)), **kw).numpy()


@pytest.mark.parametrize('shift', [(0.5, -0.25), (1.3, 0.7), (-2.6, 1.4)])
def test_subpixel_translation_against_ground_truth(shift):
    """next(x + d) = prev(x): the flow is d everywhere. Measured mean EPE
    0.048 / 0.065 / 0.079 px (OpenCV on the same images: 0.048 / 0.064 /
    0.086), max 0.11 / 0.12 / 0.22."""
    x, y = grid()
    dx, dy = shift
    prev = texture(x, y).astype(np.float32)
    nxt = texture(x - dx, y - dy).astype(np.float32)
    err = epe(torch_flow(prev, nxt), np.float32(shift))
    assert err.mean() < 0.1
    assert err.max() < 0.35


@pytest.mark.parametrize('degrees', [2.0, -3.0])
def test_small_rotation_against_ground_truth(degrees):
    """A rotation about the centre (up to 1.8 / 2.7 px at the corners).
    Measured mean EPE 0.065 / 0.086 px (OpenCV: 0.065 / 0.086), max 0.24 /
    0.45 (OpenCV 0.27 / 0.41)."""
    x, y = grid()
    t = np.deg2rad(degrees)
    cx, cy = (W - 1) / 2, (H - 1) / 2
    # next(x) = prev(R^-1 (x - c) + c), so next(R (x - c) + c) = prev(x)
    back_x = np.cos(t) * (x - cx) + np.sin(t) * (y - cy) + cx
    back_y = -np.sin(t) * (x - cx) + np.cos(t) * (y - cy) + cy
    prev = texture(x, y).astype(np.float32)
    nxt = texture(back_x, back_y).astype(np.float32)
    truth = np.stack([
        np.cos(t) * (x - cx) - np.sin(t) * (y - cy) + cx - x,
        np.sin(t) * (x - cx) + np.cos(t) * (y - cy) + cy - y
    ], -1)
    err = epe(torch_flow(prev, nxt), truth)
    assert err.mean() < 0.12
    assert err.max() < 0.6


def clip_pairs(clip: str, num_pairs: int, short: int = 64):
    """The first grey frame pairs of a real clip, short side ``short``."""
    frames = []
    for frame in read_frames(osp.join(VIDEOS, clip), num_pairs + 1):
        h, w = frame.shape[:2]
        size = (round(w * short / min(h, w)), round(h * short / min(h, w)))
        frames.append(
            cv2.cvtColor(cv2.resize(frame, size), cv2.COLOR_BGR2GRAY))
    return np.stack(frames[:-1]), np.stack(frames[1:])


@pytest.mark.parametrize('clip', ['test.avi', 'demo.mp4', 'test.mp4'])
def test_agrees_with_opencv_tvl1_on_real_clips(clip):
    """Per pair, short side 64 (85x64), uint8 frames as the extractor
    gives them. Measured mean EPE to OpenCV's flow 0.014-0.048 px (OpenCV's
    own mean flow 0.01-1.3 px); mean |difference| of the two quantised
    (bound 20) x/y images 0.08-0.46 grey levels, where 1 level is 0.157 px
    (near-zero flow rounds to 127 or 128). At short side 256 one pair of
    each clip: EPE 0.012 / 0.037 / 0.028 px, 0.22 / 0.14 / 0.11 levels."""
    prevs, nxts = clip_pairs(clip, 3)
    ours = torch_flow(prevs, nxts)  # one batch
    tvl1 = cv2.optflow.DualTVL1OpticalFlow_create()
    for prev, nxt, flow in zip(prevs, nxts, ours):
        ref = tvl1.calc(prev, nxt, None)
        err = np.sqrt(((flow - ref)**2).sum(-1))
        assert err.mean() < 0.08
        levels = np.abs(
            np.stack(quantize_flow(flow)).astype(np.float32) -
            np.stack(quantize_flow(ref)).astype(np.float32))
        assert levels.mean() < 0.6
        # and pixel for pixel: almost all within 2 levels
        assert (levels > 2).mean() < 0.02


def test_batched_equals_one_by_one_and_check_interval_is_free():
    prevs, nxts = clip_pairs('test.mp4', 3, short=40)
    model = TVL1Flow()
    batched = model(torch.from_numpy(prevs), torch.from_numpy(nxts))
    iterations = model.last_iterations
    singles = [
        TVL1Flow()(torch.from_numpy(p), torch.from_numpy(n))
        for p, n in zip(prevs, nxts)
    ]
    assert batched.shape == (3, 40, 53, 2)
    for k in range(3):  # measured: identical on CPU
        assert torch.allclose(batched[k], singles[k], atol=1e-5)
    # stopped pairs are masked: checking every 7 iterations changes nothing
    # but the iterations run
    model7 = TVL1Flow(check_every=7)
    sparse = model7(torch.from_numpy(prevs), torch.from_numpy(nxts))
    assert torch.allclose(sparse, batched, atol=1e-5)
    assert sum(model7.last_iterations) >= sum(iterations)
    # float frames in 0..1 are frames in 0..255
    as_float = model(
        torch.from_numpy(prevs).float() / 255,
        torch.from_numpy(nxts).float() / 255)
    assert torch.allclose(as_float, batched, atol=1e-4)


def test_pyramid_and_resize_match_opencv():
    # OpenCV: round(side * 0.8) per level, stop under 16 px
    assert pyramid_sizes(256, 340, 5, 0.8) == [(256, 340), (205, 272),
                                               (164, 218), (131, 174),
                                               (105, 139)]
    assert pyramid_sizes(40, 90, 5, 0.8) == [(40, 90), (32, 72), (26, 58),
                                             (21, 46), (17, 37)]
    assert pyramid_sizes(24, 90, 5, 0.5) == [(24, 90)]
    rng = np.random.default_rng(0)
    img = (rng.random((41, 57)) * 255).astype(np.float32)
    for size, fx in (((46, 33), 0.8), ((72, 52), None)):
        if fx is None:  # to a given size (the flow's upsampling)
            ref = cv2.resize(img, size, interpolation=cv2.INTER_LINEAR)
            ratios = (41 / size[1], 57 / size[0])
        else:  # by a factor (the pyramid)
            ref = cv2.resize(
                img, None, fx=fx, fy=fx, interpolation=cv2.INTER_LINEAR)
            ratios = (1 / fx, 1 / fx)
        rows = _linear_resize_matrix(41, size[1], ratios[0], 'cpu')
        cols = _linear_resize_matrix(57, size[0], ratios[1], 'cpu')
        ours = (rows @ torch.from_numpy(img) @ cols.t()).numpy()
        assert ours.shape == ref.shape
        np.testing.assert_allclose(ours, ref, atol=2e-3)


def test_median_matches_opencv():
    rng = np.random.default_rng(1)
    u = rng.normal(size=(2, 23, 31)).astype(np.float32)
    u[0, :6] = 0.5  # ties, at the border too
    ours = _median_blur(torch.from_numpy(u)[None], 5)[0].numpy()
    for c in range(2):
        np.testing.assert_array_equal(ours[c], cv2.medianBlur(u[c], 5))


def unfold_median(u: torch.Tensor, ksize: int) -> torch.Tensor:
    """The median as it was before the selection network: unfold the
    replicate-padded field and take torch.median of every window."""
    r = ksize // 2
    b, c, h, w = u.shape
    pad = F.pad(u, (r, r, r, r), mode='replicate')
    patches = pad.unfold(2, ksize, 1).unfold(3, ksize, 1)  # b c h w k k
    return patches.reshape(b, c, h, w, ksize * ksize).median(dim=-1).values


@pytest.mark.parametrize('ksize', [3, 5, 7])
def test_median_network_equals_unfold_median_bitwise(ksize):
    gen = torch.Generator().manual_seed(ksize)
    u = torch.randn(3, 2, 13, 17, generator=gen)
    u[0, 0, :4] = 0.25  # ties at the border
    u[1, 1] = torch.randint(0, 3, (13, 17), generator=gen).float()  # many
    u[2, 0, :, :1] = float('inf')
    u[2, 1, 5, 5] = -float('inf')
    assert torch.equal(_median_blur(u, ksize), unfold_median(u, ksize))


def test_median_network_exact_by_the_0_1_principle():
    """A min/max network selects the median of every input iff it does of
    every 0/1 input: all 2^25 of them as bit sets (min = and, max = or),
    where the median is 1 iff at least 13 of the 25 are 1."""
    index = np.arange(2**25, dtype=np.uint64)
    bits = [
        np.packbits(((index >> np.uint64(i)) & np.uint64(1)).astype(bool))
        for i in range(25)
    ]
    ours = _select_median(bits, np.bitwise_and, np.bitwise_or)
    majority = np.packbits(np.bitwise_count(index) >= 13)
    assert np.array_equal(ours, majority)
    assert _select_median([7.0], min, max) == 7.0
    with pytest.raises(ValueError, match='odd number of values, got 4'):
        _select_median([1, 2, 3, 4], min, max)


def test_compiled_path_equals_eager(monkeypatch):
    """The compiled path (blocks of iterations and the median through
    torch.compile, working set shrinking to sizes 2^k / 3 * 2^(k-1) as
    under CUDA graphs) traced here with the aot_eager backend and
    fullgraph=True, so a graph break fails; results must equal eager's
    exactly (same kernels). Inductor itself is left to the GPU benchmark,
    which prints the compiled / eager difference (compiling here takes
    about a minute)."""
    compile_ = torch.compile
    modes = []

    def traced(fn, dynamic, mode):
        modes.append(mode)
        return compile_(
            fn, dynamic=dynamic, backend='aot_eager', fullgraph=True)

    monkeypatch.setattr(torch, 'compile', traced)
    torch._dynamo.reset()
    prevs, nxts = clip_pairs('test.mp4', 3, short=24)
    prevs, nxts = torch.from_numpy(prevs), torch.from_numpy(nxts)
    eager = TVL1Flow(check_every=3)
    compiled = TVL1Flow(check_every=3, compile='reduce-overhead')
    assert modes == ['reduce-overhead'] * 2
    assert torch.equal(compiled(prevs, nxts), eager(prevs, nxts))
    # stopped pairs stay in the working set for up to 3 more iterations,
    # and more as padding of its size
    assert sum(compiled.last_iterations) >= sum(eager.last_iterations)
    torch._dynamo.reset()


@pytest.mark.parametrize('dtype', ['float16', 'bfloat16'])
def test_reduced_precision_stays_within_005_px_of_float32(dtype):
    """p and the per-warp constants in 16 bits, u and the stopping rule
    in float32. Measured on the 3 real clips at short side 64, 2 pairs:
    mean EPE to float32 0.021-0.042 px (float16), 0.021-0.032 (bfloat16);
    here test.avi and demo.mp4 (at short side 40 float16 gives 0.055)."""
    for clip in ('test.avi', 'demo.mp4'):
        prevs, nxts = clip_pairs(clip, 2, short=64)
        prevs, nxts = torch.from_numpy(prevs), torch.from_numpy(nxts)
        ref = TVL1Flow()(prevs, nxts)
        model = TVL1Flow(dtype=dtype)
        low = model(prevs, nxts)
        assert low.dtype == torch.float32
        err = (low - ref).square().sum(-1).sqrt()
        assert 0 < err.mean() <= 0.05


def test_graphs_mode_runs_blocks_through_static_buffers_on_cpu():
    """'graphs' records a CUDA graph per working-set shape; on the CPU
    the same buffers run eagerly, so the plumbing (copies in, bucketed
    working sets, copies out) must give eager's result exactly."""
    prevs, nxts = clip_pairs('test.mp4', 3, short=24)
    prevs, nxts = torch.from_numpy(prevs), torch.from_numpy(nxts)
    graphs = TVL1Flow(check_every=3, compile='graphs')
    assert torch.equal(
        graphs(prevs, nxts),
        TVL1Flow(check_every=3)(prevs, nxts))
    assert graphs._working_size(5, 64) == 6
    keys = list(graphs._block.graphs)
    assert keys and all(graphs._block.graphs[k][0] is None for k in keys)
    # one entry per (shape, steps): reused across warps and calls
    graphs(prevs, nxts)
    assert list(graphs._block.graphs) == keys


def test_working_set_sizes():
    eager = TVL1Flow()
    compiled = TVL1Flow(compile=True)
    graphs = TVL1Flow(compile='reduce-overhead')
    assert [eager._working_size(n, 64) for n in (0, 1, 5, 64)] == \
        [0, 1, 5, 64]
    # compiled: at least 2 (a working set of 1 would compile anew)
    assert [compiled._working_size(n, 64) for n in (0, 1, 5, 64)] == \
        [0, 2, 5, 64]
    # CUDA graphs: 2^k or 3 * 2^(k-1), at most the current size
    assert [graphs._working_size(n, 64) for n in range(1, 10)] == \
        [2, 2, 3, 4, 6, 6, 8, 8, 12]
    assert graphs._working_size(40, 64) == 48
    assert graphs._working_size(50, 64) == 64
    assert graphs._working_size(50, 60) == 60
    assert graphs._working_size(1, 1) == 1


def test_bad_arguments():
    with pytest.raises(ValueError, match=r'gamma must be 0 .* got 0\.1'):
        TVL1Flow(gamma=0.1)
    with pytest.raises(ValueError, match='median_filtering must be 0, 1 or '
                       'an odd integer, got 4'):
        TVL1Flow(median_filtering=4)
    with pytest.raises(ValueError, match=r'scale_step must be in \(0, 1\)'):
        TVL1Flow(scale_step=1.0)
    with pytest.raises(ValueError, match='warps must be an integer >= 1'):
        TVL1Flow(warps=0)
    with pytest.raises(ValueError, match="compile must be one of .* got "
                       "'max-autotune'"):
        TVL1Flow(compile='max-autotune')
    with pytest.raises(ValueError, match="dtype must be one of .* got "
                       "'float64'"):
        TVL1Flow(dtype='float64')
    with pytest.raises(ValueError, match='same shape'):
        TVL1Flow()(torch.zeros(2, 8, 8), torch.zeros(2, 8, 9))
    with pytest.raises(ValueError, match=r'\(B, H, W\) or \(H, W\)'):
        TVL1Flow()(torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 8, 8))
