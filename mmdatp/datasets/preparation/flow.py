"""Dense optical flow between two frames and its 8-bit JPEG quantisation.

Two algorithms (OpenCV, the default backend):

- ``'tvl1'``: Dual TV-L1 (Zach et al. 2007; ``cv2.optflow``, OpenCV contrib),
  the flow of TSN and of the DATP paper, with OpenCV's default parameters
  (as denseflow uses them). Accurate, slow: about 1-2 frame pairs/s per core
  at 340x256.
- ``'farneback'``: Farneback's polynomial expansion (OpenCV main), with the
  usual parameters (pyramid 0.5, 3 levels, window 15, 3 iterations,
  poly_n 5, sigma 1.2). Roughly 50-100x faster, noisier.

A second backend for TV-L1, ``'torch'``: :mod:`.tvl1_torch`, the same
algorithm and defaults in PyTorch, batched over frame pairs, on CPU or CUDA
(:class:`TorchFlow`; mean end-point difference to OpenCV's flow 0.01-0.05
px on the test clips).

All give ``flow[y, x] = (u, v)`` in pixels such that
``next(x + u, y + v) ~= prev(x, y)``: content moving right has ``u > 0``.

Quantisation (TSN / denseflow): every component is clipped to
``[-bound, bound]`` (bound 20 px) and mapped linearly to ``[0, 255]``::

    q = round((clip(f, -bound, bound) + bound) / (2 * bound) * 255)

so zero flow is 127.5 (stored as 128: numpy rounds half to even), -bound
and below become 0, +bound and above 255; one grey level is
``2 * bound / 255 ~= 0.157`` px. The inverse is
``f = q / 255 * 2 * bound - bound``.
"""
from typing import Callable, List, Tuple

import numpy as np

#: the supported algorithms
FLOW_TYPES = ('tvl1', 'farneback')
#: who computes it: OpenCV (both algorithms) or PyTorch (TV-L1)
FLOW_BACKENDS = ('opencv', 'torch')
#: clipping bound in pixels of TSN / denseflow / MMAction2
FLOW_BOUND = 20.0

FlowFn = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _check_bound(bound: float) -> float:
    if not isinstance(bound, (int, float)) or isinstance(bound, bool) \
            or not bound > 0:
        raise ValueError(f'bound must be a number > 0, got {bound!r}')
    return float(bound)


def quantize_flow(flow: np.ndarray,
                  bound: float = FLOW_BOUND) -> Tuple[np.ndarray, np.ndarray]:
    """Quantise a flow field to two uint8 images (x and y components).

    Args:
        flow (np.ndarray): ``(H, W, 2)`` float flow in pixels.
        bound (float): Clipping bound in pixels. Defaults to 20.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``(H, W)`` uint8 images of the x and
        the y component, ``round((clip(f) + bound) / (2 * bound) * 255)``.
    """
    bound = _check_bound(bound)
    if flow.ndim != 3 or flow.shape[2] != 2:
        raise ValueError(f'flow must have shape (H, W, 2), got '
                         f'{tuple(flow.shape)}')
    flow = np.clip(flow.astype(np.float32), -bound, bound)
    q = np.round((flow + bound) * (255.0 / (2 * bound)))
    q = q.astype(np.uint8)  # already in [0, 255]
    return q[..., 0], q[..., 1]


def dequantize_flow(q: np.ndarray, bound: float = FLOW_BOUND) -> np.ndarray:
    """Map quantised flow images back to pixels (inverse of quantize_flow).

    Args:
        q (np.ndarray): uint8 image(s) written by :func:`quantize_flow`.
        bound (float): The bound used to quantise. Defaults to 20.

    Returns:
        np.ndarray: float32 flow in pixels, same shape as ``q``.
    """
    bound = _check_bound(bound)
    return q.astype(np.float32) * (2 * bound / 255.0) - bound


def build_flow_fn(flow_type: str = 'tvl1') -> FlowFn:
    """Return a function computing the flow between two grey frames.

    The returned callable keeps its OpenCV algorithm object, so build one
    per video (per process) and call it for every consecutive frame pair.

    Args:
        flow_type (str): 'tvl1' or 'farneback'. Defaults to 'tvl1'.

    Returns:
        Callable[[np.ndarray, np.ndarray], np.ndarray]: ``fn(prev, next)``
        on ``(H, W)`` uint8 frames, giving ``(H, W, 2)`` float32 flow.
    """
    import cv2
    if flow_type == 'tvl1':
        # cv2/optflow/ can exist as type stubs only, when opencv-python
        # overwrote contrib's binary: look for the function itself
        if not hasattr(getattr(cv2, 'optflow', None),
                       'DualTVL1OpticalFlow_create'):
            raise ImportError(
                "flow_type 'tvl1' needs OpenCV's contrib modules "
                '(cv2.optflow.DualTVL1OpticalFlow_create); cv2 '
                f'{cv2.__version__} at {cv2.__file__} lacks them. '
                'Reinstall opencv-contrib-python last (make setup does: '
                'see the Makefile) or use flow_type \'farneback\'.')
        tvl1 = cv2.optflow.DualTVL1OpticalFlow_create()

        def tvl1_flow(prev: np.ndarray, nxt: np.ndarray) -> np.ndarray:
            return tvl1.calc(prev, nxt, None)

        return tvl1_flow
    if flow_type == 'farneback':

        def farneback_flow(prev: np.ndarray, nxt: np.ndarray) -> np.ndarray:
            return cv2.calcOpticalFlowFarneback(prev, nxt, None, 0.5, 3, 15,
                                                3, 5, 1.2, 0)

        return farneback_flow
    raise ValueError(f'flow_type must be one of {FLOW_TYPES}, got '
                     f'{flow_type!r}')


def available_devices() -> List[str]:
    """The torch devices flow can run on here: 'cpu' and each 'cuda:i'."""
    import torch
    return ['cpu'] + [f'cuda:{i}' for i in range(torch.cuda.device_count())]


def check_device(device: str):
    """The ``torch.device`` of ``device``, or a ValueError saying what is
    available.

    Args:
        device (str): 'cpu', 'cuda' or 'cuda:<i>'.

    Returns:
        torch.device: The device.
    """
    import torch
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        dev = None
    if dev is not None and dev.type == 'cpu':
        return dev  # without asking CUDA (a forking parent should not)
    available = available_devices()
    if dev is None or dev.type not in ('cpu', 'cuda'):
        raise ValueError(f"device must be 'cpu', 'cuda' or 'cuda:<i>', got "
                         f'{device!r}; available here: {available}')
    if dev.type == 'cuda' and (not torch.cuda.is_available() or (
            dev.index is not None
            and dev.index >= torch.cuda.device_count())):
        raise ValueError(
            f'device {device!r} is not available: torch {torch.__version__} '
            f'sees {torch.cuda.device_count()} CUDA device(s) '
            f'(CUDA build: {torch.version.cuda or "none"}); available here: '
            f'{available}')
    return dev


class TorchFlow:
    """TV-L1 flow of batches of grey uint8 frame pairs with PyTorch.

    Frames go to ``device`` as uint8, flow is quantised there and comes
    back as uint8 images, so little crosses the bus.

    Args:
        device (str): 'cpu', 'cuda' or 'cuda:<i>'. Defaults to 'cpu'.
        **params: :class:`.tvl1_torch.TVL1Flow` parameters (OpenCV's
            defaults if none).
    """

    def __init__(self, device: str = 'cpu', **params) -> None:
        from .tvl1_torch import TVL1Flow
        self.device = check_device(device)
        self.tvl1 = TVL1Flow(**params)

    def flow(self, prevs: np.ndarray, nxts: np.ndarray) -> np.ndarray:
        """``(B, H, W, 2)`` float32 flow of ``(B, H, W)`` uint8 frames."""
        return self._flow(prevs, nxts).cpu().numpy()

    def quantized(self,
                  prevs: np.ndarray,
                  nxts: np.ndarray,
                  bound: float = FLOW_BOUND) -> Tuple[np.ndarray, np.ndarray]:
        """Flow quantised as :func:`quantize_flow` does (same float32
        arithmetic, rounding half to even).

        Args:
            prevs (np.ndarray): ``(B, H, W)`` uint8 frames.
            nxts (np.ndarray): The frames that follow.
            bound (float): Clipping bound in pixels. Defaults to 20.

        Returns:
            tuple[np.ndarray, np.ndarray]: ``(B, H, W)`` uint8 x and y
            images.
        """
        import torch
        bound = _check_bound(bound)
        flow = self._flow(prevs, nxts).clamp(-bound, bound)
        q = torch.round((flow + bound) * (255.0 / (2 * bound)))
        q = q.to(torch.uint8).cpu().numpy()
        return q[..., 0], q[..., 1]

    def _flow(self, prevs: np.ndarray, nxts: np.ndarray):
        import torch
        if prevs.dtype != np.uint8 or nxts.dtype != np.uint8:
            raise ValueError(f'frames must be uint8, got {prevs.dtype} and '
                             f'{nxts.dtype}')
        prev = torch.from_numpy(np.ascontiguousarray(prevs)).to(self.device)
        nxt = torch.from_numpy(np.ascontiguousarray(nxts)).to(self.device)
        return self.tvl1(prev, nxt)
