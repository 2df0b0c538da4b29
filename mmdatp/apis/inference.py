"""Inference on one video, on top of MMAction2's ``init_recognizer``.

:func:`predict_video` runs a DATP recognizer on a video file and keeps what
Fig. 3 of the paper shows (frames, per-segment scores, temporal weights);
:func:`top_k_classes` and :func:`key_segments` are what ``tools/demo.py``
reports of it: the best classes, and the segments where the weights peak,
in seconds. :func:`video_test_pipeline` is the test pipeline of a config
that reads rawframes (the main RGB configs), reading a video file instead.
"""
import copy
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmaction.apis import init_recognizer
from mmaction.registry import MODELS, TRANSFORMS
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

from ..models.heads import DATPHead



def top_k_classes(scores: np.ndarray,
                  k: int = 5,
                  class_names: Optional[Sequence[str]] = None
                  ) -> List[Dict]:
    """The ``k`` best classes of a score vector, best first.

    Args:
        scores (np.ndarray): (C,) class scores (e.g. probabilities).
        k (int): How many classes; clipped to C. Defaults to 5.
        class_names (Sequence[str], optional): Names by class index.
            Defaults to None.

    Returns:
        list[dict]: ``label`` (int), ``score`` (float) and ``name`` (str or
        None) of each class.
    """
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    if k < 1:
        raise ValueError(f'k must be >= 1, but got {k}')
    if class_names is not None and len(class_names) != scores.size:
        raise ValueError(f'{len(class_names)} class names given for a model '
                         f'with {scores.size} classes')
    # stable sort so that ties keep the lower class index first
    order = np.argsort(-scores, kind='stable')[:k]
    return [
        dict(
            label=int(c),
            score=float(scores[c]),
            name=None if class_names is None else str(class_names[c]))
        for c in order
    ]


def key_segments(weights: np.ndarray,
                 frame_inds: np.ndarray,
                 fps: Optional[float],
                 num: int = 3,
                 flat_tol: float = 1e-4) -> List[Dict]:
    """The segments where the temporal weights peak, strongest first.

    A segment is a peak if its weight is a local maximum over the segment
    axis (``>=`` its right neighbour and ``>`` its left one, so that a
    plateau counts once, at its start). Uniform weights (average pooling,
    or a DATP model whose weights have not moved) have no peak: if
    ``max(w) <= (1 + flat_tol) * min(w)`` the result is empty.

    Args:
        weights (np.ndarray): (N,) temporal weights ``w_i`` (>= 0).
        frame_inds (np.ndarray): (N,) frame index shown for each segment
            (0-based, in the video's frames).
        fps (float, optional): Frame rate; None leaves ``time_s`` None.
        num (int): At most this many peaks. Defaults to 3.
        flat_tol (float): Relative spread below which the weights count
            as uniform. Defaults to 1e-4.

    Returns:
        list[dict]: ``segment`` (int, 0-based), ``frame`` (int),
        ``time_s`` (float | None, ``frame / fps``) and ``attention``
        (float, ``w_i / sum(w)``) of each peak.
    """
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    frames = np.asarray(frame_inds).reshape(-1)
    if w.size == 0 or w.size != frames.size:
        raise ValueError(f'weights ({w.size}) and frame_inds '
                         f'({frames.size}) must have the same, non-zero '
                         'length')
    if not np.all(np.isfinite(w)) or w.min() < 0:
        raise ValueError(f'temporal weights must be finite and >= 0, got '
                         f'{w.tolist()}')
    if fps is not None and not fps > 0:
        raise ValueError(f'fps must be > 0 or None, got {fps!r}')
    if num < 1:
        raise ValueError(f'num must be >= 1, but got {num}')
    if w.max() <= (1 + flat_tol) * w.min():
        return []
    left = np.concatenate([[-np.inf], w[:-1]])
    right = np.concatenate([w[1:], [-np.inf]])
    peaks = np.flatnonzero((w > left) & (w >= right))
    peaks = peaks[np.argsort(-w[peaks], kind='stable')][:num]
    total = w.sum()
    return [
        dict(
            segment=int(i),
            frame=int(frames[i]),
            time_s=None if fps is None else float(frames[i] / fps),
            attention=float(w[i] / total)) for i in peaks
    ]


#: First steps of a test pipeline that reads a video file.
VIDEO_INITS = ('DecordInit', 'PyAVInit', 'OpenCVInit')


def _step_type(step: Dict) -> str:
    """Transform type without a registry scope ('mmaction.X' -> 'X')."""
    return str(step.get('type', '')).split('.')[-1]


def _test_dataset(cfg: Config) -> Dict:
    """The dataset of the test loader (else of the val loader), or {}."""
    for key in ('test_dataloader', 'val_dataloader'):
        dataset = (cfg.get(key) or {}).get('dataset') or {}
        if dataset.get('pipeline'):
            return dataset
    return {}


def _test_pipeline(cfg: Config) -> List[Dict]:
    """The test pipeline: the test dataloader's, else ``test_pipeline``."""
    pipeline = _test_dataset(cfg).get('pipeline') or cfg.get(
        'test_pipeline') or cfg.get('val_pipeline')
    if not pipeline:
        raise ValueError('the config has no test pipeline '
                         '(test_dataloader.dataset.pipeline or '
                         'test_pipeline)')
    return list(pipeline)


def video_test_pipeline(cfg: Config) -> List[Dict]:
    """The test pipeline of a config, reading a video file.

    The main RGB configs read rawframes (``RawFrameDecode``); to run them on
    a video file, the decoding changes as in their ``*_video.py`` siblings:
    ``DecordInit`` first (the sampler needs the video's length), then
    ``DecordDecode`` in place of ``RawFrameDecode``; sampling, resizing,
    cropping, formatting and packing stay as they are. A pipeline that
    reads video files already (it starts with one of :data:`VIDEO_INITS`)
    is returned unchanged.

    Args:
        cfg (Config): A config (not changed); its pipeline is the test
            loader's (else the val loader's, else ``test_pipeline``).

    Returns:
        list[dict]: Copies of the steps, ready for ``TRANSFORMS.build``.

    Raises:
        ValueError: If the config has no test pipeline, reads optical flow
            (computed offline from the frames, so there is none to decode
            from a video), or neither reads video files nor decodes
            rawframes.
    """
    pipeline = [copy.deepcopy(dict(step)) for step in _test_pipeline(cfg)]
    first = _step_type(pipeline[0])
    if first in VIDEO_INITS:
        return pipeline
    modality = _test_dataset(cfg).get('modality', 'RGB')
    if modality != 'RGB':
        raise ValueError(
            f'the config reads {modality} rawframes; {modality} is computed '
            'offline from the frames, so a video file cannot be run through '
            'its pipeline: use an RGB config (e.g. configs/'
            'datp_tsn_r34_hmdb51.py or its _video sibling)')
    decodes = [i for i, step in enumerate(pipeline)
               if _step_type(step) == 'RawFrameDecode']
    if not decodes:
        raise ValueError(
            f'the test pipeline starts with {first!r} and has no '
            f'RawFrameDecode step: it reads neither video files (a first '
            f'step of {VIDEO_INITS}) nor rawframes')
    # RawFrameDecode's io_backend (default 'disk') opens the video
    io_backend = pipeline[decodes[0]].get('io_backend', 'disk')
    for i in decodes:
        pipeline[i] = dict(type='DecordDecode')
    return [dict(type='DecordInit', io_backend=io_backend)] + pipeline


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
    A rawframes test pipeline (the main RGB configs) is turned into its
    video form by :func:`video_test_pipeline`; pipelines that read video
    files (``DecordInit``, ``PyAVInit``, ``OpenCVInit``) run as they are;
    optical flow configs are not supported. With several test views (crops or
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
        ValueError: If the test pipeline can read no video file
            (:func:`video_test_pipeline`), or the model's head is not a
            ``DATPHead``.
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
        cfg = copy.deepcopy(config)  # init_recognizer changes it
    else:
        raise TypeError('predict_video: config must be a file path or an '
                        f'mmengine Config, got {type(config).__name__}')
    init_default_scope(cfg.get('default_scope', 'mmaction'))

    try:
        # a rawframes test pipeline (the main RGB configs) reads the video
        pipeline = video_test_pipeline(cfg)
    except ValueError as e:
        raise ValueError(f'predict_video reads a video file, but {e}') from e

    head_cfg = cfg.model.get('cls_head') or {}
    head_cls = MODELS.get(head_cfg['type']) if 'type' in head_cfg else None
    if not (isinstance(head_cls, type) and issubclass(head_cls, DATPHead)):
        raise ValueError(
            'predict_video visualises DATP temporal weights, so the model '
            f'needs a DATPHead, but its cls_head is '
            f'{head_cfg.get("type")!r}')
    # MMAction2's init_recognizer: default scope, no backbone pretraining
    # (the checkpoint has the weights), build, to(device), eval()
    model = init_recognizer(cfg, None, device)
    if not isinstance(getattr(model, 'cls_head', None), DATPHead):
        raise ValueError('predict_video: the built model has no DATPHead '
                         f'cls_head (got {type(model).__name__})')
    class_names = None
    if checkpoint is not None:
        # init_recognizer loads non-strictly and drops the checkpoint's
        # meta; a checkpoint that does not fit is an error here, and the
        # meta holds the class names
        ckpt = load_checkpoint(
            model, checkpoint, map_location='cpu', strict=True)
        meta = (ckpt.get('meta') or {}) if isinstance(ckpt, dict) else {}
        classes = (meta.get('dataset_meta') or {}).get('classes')
        if classes:
            class_names = [str(c) for c in classes]

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
    if 'mu' in pred:
        # how the weights were made from the Gaussians (the plot needs it)
        pred['normalize_components'] = bool(
            getattr(model.cls_head.weight_generator, 'normalize_components',
                    False))
    return pred
