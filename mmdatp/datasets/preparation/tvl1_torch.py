"""Dual TV-L1 optical flow in PyTorch, batched over frame pairs, CPU or CUDA.

The energy, parameters and multi-scale scheme of OpenCV's
``cv2.optflow.DualTVL1OpticalFlow`` (Zach, Pock, Bischof 2007; Sanchez,
Meinhardt-Llopis, Facciolo 2013), with its defaults, so that flow computed
here can stand in for the flow of TSN / denseflow / the DATP paper. For a
flow ``u = (u1, u2)`` from ``I0`` to ``I1`` it minimises::

    E(u) = sum_x |grad u1| + |grad u2| + lambda * |I1(x + u) - I0(x)|

by the alternation of the dual TV-L1 scheme: linearise ``I1`` around the
current flow ``u0`` (a *warp*)::

    rho(u) = I1(x + u0) + grad I1(x + u0) . (u - u0) - I0(x),

then iterate (``theta`` couples ``u`` and an auxiliary field ``v``)::

    v = u + TH(rho)            pointwise thresholding, l_t = lambda * theta:
        +l_t * gI  if rho < -l_t |gI|^2,  -l_t * gI  if rho > l_t |gI|^2,
        -rho gI / |gI|^2 otherwise                  (gI = grad I1(x + u0))
    u = v + theta * div p                           (div: backward differences)
    p = (p + tau/theta * grad u) / (1 + tau/theta * |grad u|)
                                                    (grad: forward differences)

Tensor flow of one call (B pairs, all on ``device``)::

    I0, I1 (B, H, W) -> float 0..255 -> pyramid: bilinear resize by
    scale_step while both sides >= 16, up to nscales levels
    coarsest level, u = 0:
      per level: p = 0, gradient of I1 (central differences)
        warps x: I1, dI1/dx, dI1/dy sampled at x + u (bicubic, zero
                 outside, positions on a 1/32 px grid), rho's constant part
          outer x: 5x5 median of u (a min/max selection network)
            inner x: v, u, p updates as above; a pair stops when the
                     squared change of u summed over the level falls to
                     epsilon^2 * (pixels of the level)
      u -> next finer level: bilinear resize, divided by scale_step
    -> flow (B, H, W, 2)

What follows OpenCV (``modules/optflow/src/tvl1flow.cpp``, read, not
copied): images in 0..255 (uint8 as is, float scaled by 255), the pyramid
of ``cv2.resize(INTER_LINEAR)`` with the exact factor ``scale_step``
(sizes rounded) and no pre-smoothing, the flow upsampled by
``cv2.resize`` to the finer size and divided by ``scale_step``, the dual
variables reset at every level, the border handling of its central and
forward differences and divergence, ``cv2.remap(INTER_CUBIC)`` with its
constant zero border and 1/32 px position grid, ``cv2.medianBlur`` (border
replicate) before every outer iteration, and its stopping rule, per pair.
The per-pair stopping rule is applied by masking (a stopped pair keeps its
``u`` and ``p``), so a batch gives the same result as its pairs one by one;
the loop ends early once every pair has stopped, checked every
``check_every`` iterations (each check waits for the device; the
iterations between two checks are one block, under ``compile`` one
compiled call, or one CUDA graph launch). Not
supported: ``gamma != 0`` (OpenCV's illumination term; off by default)
and an initial flow.

Sign convention (as :mod:`mmdatp.datasets.preparation.flow`):
``flow[..., y, x, :] = (u, v)`` with ``I1(x + u, y + v) ~= I0(x, y)``:
content moving right has ``u > 0``.

Needs only torch (and numpy for the numpy wrapper).
"""
import math
from typing import Callable, Dict, List, Optional, Tuple, Union

import torch
import torch.nn.functional as F

__all__ = ['TVL1Flow', 'tvl1_flow', 'pyramid_sizes']

#: OpenCV's remap positions are fixed point with 5 fractional bits
_REMAP_SUBPIXELS = 32.0
#: a level is used only if both its sides are at least this (as OpenCV)
_MIN_SIZE = 16
#: ``compile`` argument -> torch.compile mode (None: eager)
_COMPILE_MODES = {
    False: None,
    True: 'default',
    'default': 'default',
    'reduce-overhead': 'reduce-overhead',
    'graphs': 'graphs',
}
#: ``dtype`` argument -> storage dtype of the dual variable p and of the
#: per-warp constants (u, the stopping rule and the warps stay float32)
_DTYPES = {
    'float32': torch.float32,
    'float16': torch.float16,
    'bfloat16': torch.bfloat16,
}
#: numpy's float32 epsilon: |grad I|^2 below it gives no data step
_FLT_EPSILON = 1.1920928955078125e-07


def pyramid_sizes(height: int, width: int, nscales: int,
                  scale_step: float) -> List[Tuple[int, int]]:
    """The (H, W) of every pyramid level, finest first (OpenCV's rule).

    A level is ``round(side * scale_step)`` of the one above it; the first
    level with a side under 16 and all below it are dropped.

    Args:
        height (int): Image height.
        width (int): Image width.
        nscales (int): Levels asked for.
        scale_step (float): Size ratio between levels.

    Returns:
        list[tuple[int, int]]: 1 to ``nscales`` sizes.
    """
    sizes = [(height, width)]
    for _ in range(1, nscales):
        h, w = sizes[-1]
        h, w = int(round(h * scale_step)), int(round(w * scale_step))
        if h < _MIN_SIZE or w < _MIN_SIZE:
            break
        sizes.append((h, w))
    return sizes


def _linear_resize_matrix(n_in: int, n_out: int, src_per_dst: float,
                          device: torch.device) -> torch.Tensor:
    """(n_out, n_in) matrix of 1-D linear interpolation as cv2.resize.

    Output pixel ``d`` samples ``(d + 0.5) * src_per_dst - 0.5``, clamped
    to the first and last input pixels (INTER_LINEAR, half-pixel centres).
    """
    pos = (torch.arange(n_out, dtype=torch.float64) + 0.5) * src_per_dst \
        - 0.5
    left = torch.floor(pos)
    frac = pos - left
    left = left.long()
    frac[left < 0] = 0.0
    left = left.clamp(min=0)
    last = left >= n_in - 1
    frac[last] = 0.0
    left[last] = n_in - 1
    mat = torch.zeros(n_out, n_in, dtype=torch.float64)
    rows = torch.arange(n_out)
    mat[rows, left] += 1.0 - frac
    right = (left + 1).clamp(max=n_in - 1)
    mat[rows, right] += frac
    return mat.to(device=device, dtype=torch.float32)


class _Resizer:
    """Separable linear resizes as two matrix products, matrices cached."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.cache: Dict[tuple, torch.Tensor] = {}

    def matrix(self, n_in: int, n_out: int,
               src_per_dst: float) -> torch.Tensor:
        key = (n_in, n_out, src_per_dst)
        if key not in self.cache:
            self.cache[key] = _linear_resize_matrix(n_in, n_out, src_per_dst,
                                                    self.device)
        return self.cache[key]

    def __call__(self, x: torch.Tensor, size: Tuple[int, int],
                 src_per_dst: Tuple[float, float]) -> torch.Tensor:
        # x: (..., H, W) -> (..., h, w)
        h_in, w_in = x.shape[-2:]
        rows = self.matrix(h_in, size[0], src_per_dst[0])  # (h, H)
        cols = self.matrix(w_in, size[1], src_per_dst[1])  # (w, W)
        return rows @ x @ cols.t()


def _centered_gradient(img: torch.Tensor) -> torch.Tensor:
    """(B, 1, H, W) -> (B, 2, H, W): half central differences, one-sided
    half differences at the borders (replicate padding)."""
    pad = F.pad(img, (1, 1, 1, 1), mode='replicate')
    gx = 0.5 * (pad[..., 1:-1, 2:] - pad[..., 1:-1, :-2])
    gy = 0.5 * (pad[..., 2:, 1:-1] - pad[..., :-2, 1:-1])
    return torch.cat([gx, gy], dim=1)


def _forward_gradient(u: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Forward differences of (B, C, H, W), 0 in the last column / row."""
    ux = F.pad(u[..., :, 1:] - u[..., :, :-1], (0, 1))
    uy = F.pad(u[..., 1:, :] - u[..., :-1, :], (0, 0, 0, 1))
    return ux, uy


def _divergence(px: torch.Tensor, py: torch.Tensor) -> torch.Tensor:
    """Backward-difference divergence (the negative adjoint of
    :func:`_forward_gradient`), a field that is 0 before the first
    column / row."""
    return (px - F.pad(px[..., :, :-1], (1, 0))) + \
        (py - F.pad(py[..., :-1, :], (0, 0, 1, 0)))


def _select_median(values: list, minimum: Callable,
                   maximum: Callable):
    """The median of an odd number of values by forgetful selection, a
    network of ``minimum`` / ``maximum`` only (no sort, no indexing).

    Of ``n`` values, ``n // 2 + 2`` are taken; their smallest and largest
    cannot be the median of the ``n`` (each has more than ``n // 2``
    values on its other side), so both are dropped, the next value is
    taken, and so on; the last three give the median by
    ``max(min(a, b), min(max(a, b), c))``. Dropping the extremes of ``s``
    values: ``s // 2`` compare-exchanges of pairs, a min tournament of the
    smaller halves and a max tournament of the larger halves, whose losers
    stay (an odd value out joins as the median of it and the two
    extremes). 25 values (5x5) take 252 operations, 9 take 36. Because it
    only selects, the result is bitwise a median of the inputs, and the
    0-1 principle applies: it is exact for all inputs when it is for all
    inputs of 0s and 1s (``minimum`` = and, ``maximum`` = or).

    Args:
        values (list): An odd number of tensors (or anything ``minimum``
            and ``maximum`` take), all the same shape.
        minimum (Callable): Elementwise minimum of two values.
        maximum (Callable): Elementwise maximum of two values.

    Returns:
        The elementwise median.
    """
    n = len(values)
    if n % 2 == 0:
        raise ValueError(f'need an odd number of values, got {n}')
    if n == 1:
        return values[0]
    take = min(n // 2 + 2, n)
    work, rest = list(values[:take]), list(values[take:])
    while len(work) > 3:
        pairs = list(zip(work[0:len(work) - 1:2], work[1::2]))
        lows = [minimum(a, b) for a, b in pairs]
        highs = [maximum(a, b) for a, b in pairs]
        stay = []
        low, high = lows[0], highs[0]
        for x in lows[1:]:
            stay.append(maximum(low, x))
            low = minimum(low, x)
        for x in highs[1:]:
            stay.append(minimum(high, x))
            high = maximum(high, x)
        if len(work) % 2:  # the odd one out against both extremes
            stay.append(minimum(maximum(work[-1], low), high))
        work = stay + rest[:1]
        rest = rest[1:]
    a, b, c = work
    return maximum(minimum(a, b), minimum(maximum(a, b), c))


def _median_blur(u: torch.Tensor, ksize: int) -> torch.Tensor:
    """ksize x ksize median of every channel, border replicate: the
    selection network of :func:`_select_median` on the ``ksize**2``
    shifted views (elementwise only, so torch.compile fuses it into one
    kernel; eager, about 5x faster on the CPU than unfold + median)."""
    r = ksize // 2
    h, w = u.shape[-2:]
    pad = F.pad(u, (r, r, r, r), mode='replicate')
    views = [
        pad[..., i:i + h, j:j + w] for i in range(ksize)
        for j in range(ksize)
    ]
    return _select_median(views, torch.minimum, torch.maximum)


def _warp_bicubic(images: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """Sample (B, C, H, W) images at ``x + u`` (bicubic, A = -0.75, zero
    outside), positions rounded to 1/32 px as cv2.remap does."""
    _, _, h, w = images.shape
    ys = torch.arange(h, device=u.device, dtype=u.dtype).view(1, h, 1)
    xs = torch.arange(w, device=u.device, dtype=u.dtype).view(1, 1, w)
    x = torch.round((xs + u[:, 0]) * _REMAP_SUBPIXELS) / _REMAP_SUBPIXELS
    y = torch.round((ys + u[:, 1]) * _REMAP_SUBPIXELS) / _REMAP_SUBPIXELS
    # align_corners=True: -1 and 1 are the centres of the corner pixels
    grid = torch.stack(
        [x * (2.0 / max(w - 1, 1)) - 1.0, y * (2.0 / max(h - 1, 1)) - 1.0],
        dim=-1)
    return F.grid_sample(
        images,
        grid,
        mode='bicubic',
        padding_mode='zeros',
        align_corners=True)


class TVL1Flow:
    """Dual TV-L1 optical flow for batches of frame pairs (see module doc).

    Parameter names and defaults are OpenCV's
    (``cv2.optflow.DualTVL1OpticalFlow_create()``).

    Args:
        tau (float): Time step of the dual update. Defaults to 0.25.
        lambda_ (float): Weight of the data term. Defaults to 0.15.
        theta (float): Coupling of ``u`` and ``v``. Defaults to 0.3.
        nscales (int): Pyramid levels (fewer when a side would drop under
            16 px). Defaults to 5.
        warps (int): Linearisations per level. Defaults to 5.
        epsilon (float): Stopping threshold: a pair stops iterating in a
            warp when the summed squared change of ``u`` in one iteration
            is at most ``epsilon^2 * pixels``. Defaults to 0.01.
        inner_iterations (int): Iterations between median filterings.
            Defaults to 30.
        outer_iterations (int): Median filterings per warp. Defaults to 10.
        scale_step (float): Size ratio between levels, in (0, 1).
            Defaults to 0.8.
        gamma (float): OpenCV's illumination term; only 0 (off, OpenCV's
            default) is supported. Defaults to 0.
        median_filtering (int): Median window (odd; 1 or 0: none).
            Defaults to 5.
        check_every (int, optional): Iterations between the checks which
            pairs have stopped (each check waits for the device; stopped
            pairs then leave the working set). The iterations between two
            checks run as one block (one compiled call when compiling).
            The result does not depend on it. Defaults to None: 1 on CPU,
            5 on other devices.
        compile (bool | str): Run the blocks of iterations and the median
            through ``torch.compile`` (``dynamic=True``; the first calls
            compile; needs a working inductor backend, e.g. triton on
            CUDA). ``True`` or ``'default'``: fused kernels;
            ``'reduce-overhead'``: also CUDA graphs, a block one graph
            launch (the working set then shrinks to sizes 2^k or
            3 * 2^(k-1), so that few shapes are recorded; stopped pairs in
            it are masked). ``'graphs'``: no compiler, the eager block
            recorded as a CUDA graph per (working-set shape, steps) on
            first use and replayed (recording takes about two runs of a
            block, so it is bounded; working set as under
            ``'reduce-overhead'``; on the CPU the block runs eagerly through
            the same buffers). Defaults to False (eager).
        dtype (str): Storage of the dual variable ``p`` and of the
            per-warp constants (``grad I1(x + u0)``, ``rho``'s constant
            part, thresholds): 'float32', 'float16' or 'bfloat16'. ``u``,
            its update and the stopping rule's sum stay float32, so the
            energy, defaults and stopping rule are OpenCV's; less memory
            traffic per iteration, at an end-point difference to float32
            that the benchmark measures. Defaults to 'float32'.
    """

    def __init__(self,
                 tau: float = 0.25,
                 lambda_: float = 0.15,
                 theta: float = 0.3,
                 nscales: int = 5,
                 warps: int = 5,
                 epsilon: float = 0.01,
                 inner_iterations: int = 30,
                 outer_iterations: int = 10,
                 scale_step: float = 0.8,
                 gamma: float = 0.0,
                 median_filtering: int = 5,
                 check_every: Optional[int] = None,
                 compile: Union[bool, str] = False,
                 dtype: str = 'float32') -> None:
        for name, value in (('tau', tau), ('lambda_', lambda_),
                            ('theta', theta)):
            if isinstance(value, bool) or not isinstance(
                    value, (int, float)) or not value > 0:
                raise ValueError(f'{name} must be a number > 0, got '
                                 f'{value!r}')
        if isinstance(epsilon, bool) or not isinstance(
                epsilon, (int, float)) or not epsilon >= 0:
            raise ValueError(f'epsilon must be >= 0, got {epsilon!r}')
        for name, value in (('nscales', nscales), ('warps', warps),
                            ('inner_iterations', inner_iterations),
                            ('outer_iterations', outer_iterations),
                            ('check_every', 1 if check_every is None else
                             check_every)):
            if isinstance(value, bool) or not isinstance(value, int) or \
                    value < 1:
                raise ValueError(f'{name} must be an integer >= 1, got '
                                 f'{value!r}')
        if not 0 < scale_step < 1:
            raise ValueError(f'scale_step must be in (0, 1), got '
                             f'{scale_step!r}')
        if gamma != 0:
            raise ValueError(f'gamma must be 0 (the illumination term of '
                             f'OpenCV is not implemented), got {gamma!r}')
        if isinstance(median_filtering, bool) or not isinstance(
                median_filtering, int) or median_filtering < 0 or (
                    median_filtering > 1 and median_filtering % 2 == 0):
            raise ValueError(f'median_filtering must be 0, 1 or an odd '
                             f'integer, got {median_filtering!r}')
        self.tau = float(tau)
        self.lambda_ = float(lambda_)
        self.theta = float(theta)
        self.nscales = nscales
        self.warps = warps
        self.epsilon = float(epsilon)
        self.inner_iterations = inner_iterations
        self.outer_iterations = outer_iterations
        self.scale_step = float(scale_step)
        self.gamma = float(gamma)
        self.median_filtering = median_filtering
        if compile not in _COMPILE_MODES:
            raise ValueError(f'compile must be one of '
                             f'{sorted(map(str, _COMPILE_MODES))}, got '
                             f'{compile!r}')
        if dtype not in _DTYPES:
            raise ValueError(f'dtype must be one of {sorted(_DTYPES)}, got '
                             f'{dtype!r}')
        self.check_every = check_every
        #: storage dtype of p and the per-warp constants
        self.dtype = _DTYPES[dtype]
        #: the torch.compile mode ('graphs': CUDA graphs, no compiler;
        #: None: eager)
        self.compile_mode = _COMPILE_MODES[compile]
        self._median = _median_blur
        self._block = self._iterations
        if self.compile_mode == 'graphs':
            self._block = _GraphBlocks(self._iterations)
        elif self.compile_mode is not None:
            self._median = torch.compile(
                _median_blur, dynamic=True, mode=self.compile_mode)
            self._block = torch.compile(
                self._iterations, dynamic=True, mode=self.compile_mode)
        #: iterations run per level in the last call (all pairs together)
        self.last_iterations: List[int] = []

    @torch.no_grad()
    def __call__(self, prev: torch.Tensor, nxt: torch.Tensor) -> torch.Tensor:
        """Flow from ``prev`` to ``nxt``.

        Args:
            prev (torch.Tensor): ``(B, H, W)`` or ``(H, W)`` grey frames,
                uint8 (0..255) or float (0..1, scaled by 255 as OpenCV
                does). Computed on its device.
            nxt (torch.Tensor): Same shape, dtype and device.

        Returns:
            torch.Tensor: float32 flow ``(B, H, W, 2)`` (``(H, W, 2)`` for
            2-D input) in pixels, ``nxt(x + u) ~= prev(x)``.
        """
        if prev.shape != nxt.shape or prev.dtype != nxt.dtype or \
                prev.device != nxt.device:
            raise ValueError(
                f'prev and nxt must have the same shape, dtype and device, '
                f'got {tuple(prev.shape)} {prev.dtype} {prev.device} and '
                f'{tuple(nxt.shape)} {nxt.dtype} {nxt.device}')
        single = prev.dim() == 2
        if single:
            prev, nxt = prev[None], nxt[None]
        if prev.dim() != 3 or min(prev.shape[-2:]) < 3:
            raise ValueError(f'frames must be (B, H, W) or (H, W) with H, '
                             f'W >= 3, got {tuple(prev.shape)}')
        scale = 1.0 if prev.dtype == torch.uint8 else 255.0
        i0 = prev.to(torch.float32).mul(scale)[:, None]  # B 1 H W
        i1 = nxt.to(torch.float32).mul(scale)[:, None]
        flow = self._pyramid_flow(i0, i1)  # B 2 H W
        flow = flow.permute(0, 2, 3, 1).contiguous()
        return flow[0] if single else flow

    def _pyramid_flow(self, i0: torch.Tensor,
                      i1: torch.Tensor) -> torch.Tensor:
        b, _, h, w = i0.shape
        resize = _Resizer(i0.device)
        sizes = pyramid_sizes(h, w, self.nscales, self.scale_step)
        down = 1.0 / self.scale_step
        i0s, i1s = [i0], [i1]
        for size in sizes[1:]:
            i0s.append(resize(i0s[-1], size, (down, down)))
            i1s.append(resize(i1s[-1], size, (down, down)))
        self.last_iterations = []
        u = torch.zeros(b, 2, *sizes[-1], device=i0.device)
        for level in range(len(sizes) - 1, -1, -1):
            u = self._one_level(i0s[level], i1s[level], u)
            if level:
                (hc, wc), (hf, wf) = sizes[level], sizes[level - 1]
                u = resize(u, (hf, wf), (hc / hf, wc / wf)) * down
        return u

    def _one_level(self, i0: torch.Tensor, i1: torch.Tensor,
                   u: torch.Tensor) -> torch.Tensor:
        """Warps and iterations at one level; u (B, 2, h, w) in and out.

        The pairs still iterating form the working set; at every check
        the stopped ones are written back and dropped from it, so a batch
        costs what its pairs cost one by one plus at most ``check_every``
        masked iterations each (more under CUDA graphs, see ``compile``).
        """
        b, _, h, w = i0.shape
        l_t = self.lambda_ * self.theta
        # a tensor: torch.compile would specialise on a float, per level
        threshold = torch.tensor(self.epsilon**2 * h * w, device=i0.device)
        check_every = self.check_every
        if check_every is None:
            check_every = 1 if u.device.type == 'cpu' else 5
        inner = self.inner_iterations
        median = self.median_filtering > 1
        images = torch.cat([i1, _centered_gradient(i1)], dim=1)  # B 3 h w
        u_all = u
        p_all = torch.zeros(
            b, 4, h, w, device=u.device, dtype=self.dtype)  # p11 p21 p12 p22
        total = self.outer_iterations * inner
        iterations = 0
        for _ in range(self.warps):
            warped = _warp_bicubic(images, u_all)
            i1w, gi = warped[:, :1], warped[:, 1:]  # B 1 h w, B 2 h w
            grad_sq = (gi * gi).sum(1, keepdim=True)
            rho_c = i1w - (gi * u_all).sum(1, keepdim=True) - i0
            # the data step TH(rho) = rho_c + gi.u -> coef * gi, see _step
            consts = torch.cat([
                gi, rho_c, l_t * grad_sq,
                torch.where(grad_sq > _FLT_EPSILON, grad_sq,
                            torch.full_like(grad_sq, math.inf))
            ], dim=1).to(self.dtype)  # B 5 h w
            idx = None  # working set: all pairs
            u, p = u_all, p_all
            active = torch.ones(b, 1, 1, 1, dtype=torch.bool, device=u.device)
            n, done = 0, False
            while n < total:
                if median and n % inner == 0:
                    u = torch.where(active,
                                    self._median(u, self.median_filtering),
                                    u)
                # a block: to the next check or the next median filtering
                steps = min(check_every - n % check_every, inner - n % inner)
                u, p, active = self._run_block(u, p, consts, active,
                                               threshold, steps)
                n += steps
                iterations += steps
                if n % check_every and n < total:
                    continue  # a median filtering, no check, comes next
                keep = active.view(-1)
                num = int(keep.sum())  # waits for the device
                size = self._working_size(num, keep.numel())
                if size == keep.numel():
                    continue
                u_all, p_all = _write_back(u_all, p_all, u, p, idx)
                if num == 0:
                    done = True
                    break
                sel = keep.nonzero().view(-1)
                if size > num:  # pad with stopped pairs (masked)
                    sel = torch.cat(
                        [sel, (~keep).nonzero().view(-1)[:size - num]])
                idx = sel if idx is None else idx[sel]
                u, p, consts, active = u[sel], p[sel], consts[sel], \
                    active[sel]
            if not done:
                u_all, p_all = _write_back(u_all, p_all, u, p, idx)
        self.last_iterations.insert(0, iterations)
        return u_all

    def _working_size(self, num: int, size: int) -> int:
        """Pairs kept in the working set when ``num`` of ``size`` are
        active: all of them eager; at least 2 compiled (a size of 1 would
        be specialised and compiled anew); 2^k or 3 * 2^(k-1) under CUDA
        graphs (few shapes to record)."""
        if self.compile_mode is None or num == 0:
            return num
        if self.compile_mode in ('reduce-overhead', 'graphs'):
            k = max(num - 1, 1).bit_length()  # 2^(k-1) < num <= 2^k
            target = 3 << (k - 2) if k >= 2 and num <= 3 << (k - 2) \
                else 1 << k
            return min(max(target, 2), size)
        return min(max(num, 2), size)

    def _run_block(self, u: torch.Tensor, p: torch.Tensor,
                   consts: torch.Tensor, active: torch.Tensor,
                   threshold: torch.Tensor, steps: int
                   ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``steps`` iterations, one (compiled) call."""
        l_t = self.lambda_ * self.theta
        taut = self.tau / self.theta
        if self.compile_mode != 'reduce-overhead' or \
                u.device.type != 'cuda':
            return self._block(u, p, consts, active, threshold, l_t,
                               self.theta, taut, steps)
        # CUDA graphs: a call's outputs live in the graph's memory until
        # the next call, so they are copied out
        torch.compiler.cudagraph_mark_step_begin()
        out = self._block(u, p, consts, active, threshold, l_t, self.theta,
                          taut, steps)
        return tuple(t.clone() for t in out)

    @staticmethod
    def _iterations(u: torch.Tensor, p: torch.Tensor, consts: torch.Tensor,
                    active: torch.Tensor, threshold: torch.Tensor,
                    l_t: float, theta: float, taut: float, steps: int
                    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``steps`` calls of :meth:`_step` (unrolled when compiled)."""
        for _ in range(steps):
            u, p, active = TVL1Flow._step(u, p, consts, active, l_t, theta,
                                          taut, threshold)
        return u, p, active

    @staticmethod
    def _step(u: torch.Tensor, p: torch.Tensor, consts: torch.Tensor,
              active: torch.Tensor, l_t: float, theta: float, taut: float,
              threshold: torch.Tensor
              ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One iteration for the pairs still ``active`` (B, 1, 1, 1)."""
        gi, rho_c = consts[:, 0:2], consts[:, 2:3]
        lt_grad, grad_sq = consts[:, 3:4], consts[:, 4:5]
        # v = u + TH(rho): a step along grad I1 (0 where it vanishes)
        rho = rho_c + (gi * u).sum(1, keepdim=True)
        coef = torch.where(
            rho < -lt_grad, l_t,
            torch.where(rho > lt_grad, -l_t, -rho / grad_sq))
        div = _divergence(p[:, 0:2], p[:, 2:4])
        new_u = u + coef * gi + theta * div
        error = (new_u - u).square().sum((1, 2, 3), keepdim=True)
        u = torch.where(active, new_u, u)
        ux, uy = _forward_gradient(u)
        norm = 1.0 + taut * torch.sqrt(ux * ux + uy * uy)
        new_p = (p + taut * torch.cat([ux, uy], dim=1)) / norm.repeat(
            1, 2, 1, 1)
        p = torch.where(active, new_p.to(p.dtype), p)
        return u, p, active & (error > threshold)


class _GraphBlocks:
    """A block of iterations as CUDA graphs: one per (working-set shape,
    p's dtype, steps), recorded on first use (a warm-up run on a side
    stream, then the recording), all in one memory pool; a call copies
    its inputs into the graph's own, replays it and returns copies of its
    outputs. On other devices the block runs eagerly on the same copies.

    Args:
        block (Callable): ``block(u, p, consts, active, threshold, l_t,
            theta, taut, steps)`` -> ``(u, p, active)``.
    """

    def __init__(self, block: Callable) -> None:
        self.block = block
        self.graphs: Dict[tuple, tuple] = {}
        self.pool = None

    def __call__(self, u: torch.Tensor, p: torch.Tensor,
                 consts: torch.Tensor, active: torch.Tensor,
                 threshold: torch.Tensor, l_t: float, theta: float,
                 taut: float, steps: int
                 ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        inputs = (u, p, consts, active, threshold)
        scalars = (l_t, theta, taut, steps)
        key = tuple((t.shape, t.dtype) for t in inputs) + scalars
        if key not in self.graphs:
            self.graphs[key] = self._record(inputs, scalars)
        graph, static, outputs = self.graphs[key]
        for dst, src in zip(static, inputs):
            dst.copy_(src)
        if graph is None:  # not CUDA: the same buffers, eagerly
            return self.block(*static, *scalars)
        graph.replay()
        return tuple(t.clone() for t in outputs)

    def _record(self, inputs: tuple, scalars: tuple) -> tuple:
        static = tuple(t.clone() for t in inputs)
        if static[0].device.type != 'cuda':
            return None, static, None
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):  # allocations before the recording
            self.block(*static, *scalars)
        torch.cuda.current_stream().wait_stream(side)
        if self.pool is None:
            self.pool = torch.cuda.graph_pool_handle()
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph, pool=self.pool):
            outputs = self.block(*static, *scalars)
        return graph, static, outputs


def _write_back(u_all: torch.Tensor, p_all: torch.Tensor, u: torch.Tensor,
                p: torch.Tensor, idx) -> Tuple[torch.Tensor, torch.Tensor]:
    """Put the working set's u and p back into the whole batch's."""
    if idx is None:
        return u, p
    return u_all.index_copy(0, idx, u), p_all.index_copy(0, idx, p)


def tvl1_flow(prev: torch.Tensor, nxt: torch.Tensor,
              **params) -> torch.Tensor:
    """Dual TV-L1 flow of a batch of frame pairs (OpenCV's defaults).

    Args:
        prev (torch.Tensor): ``(B, H, W)`` or ``(H, W)`` grey frames.
        nxt (torch.Tensor): The frames that follow.
        **params: :class:`TVL1Flow` parameters.

    Returns:
        torch.Tensor: ``(B, H, W, 2)`` float32 flow in pixels.
    """
    return TVL1Flow(**params)(prev, nxt)
