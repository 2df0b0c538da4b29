"""Decode a batch of JPEG rawframes on the model's device, then normalise.

The data workers of a ``LoadEncodedFrames`` pipeline send bytes and a crop
box (:mod:`mmdatp.datasets.transforms.encoded_frames`); this preprocessor
does the pixel work on the device the model lives on::

    inputs[b]: uint8 (sum of frame bytes,)      one tensor per video
      -> split by metainfo encoded_sizes        F encoded frames
      -> torchvision.io.decode_jpeg(all B*F frames of the batch at once,
                                    device=model device)   nvjpeg on cuda
      -> (F, C, H0, W0) -> crop crop_bbox -> bilinear resize to img_shape
      -> flip (Flow: also x -> 255 - x, the negated horizontal flow)
      -> Flow: (F, 1, h, w) -> (F / (2 clip_len), 2 clip_len, h, w)
      -> ActionDataPreprocessor: stack, (x - mean) / std

Inputs that are decoded already (4-D, from an ordinary pipeline such as
the validation one) go straight to ``ActionDataPreprocessor``. On the CPU
the same code runs with libjpeg-turbo, which is how it is tested.
"""
import warnings
from typing import List, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmaction.models import ActionDataPreprocessor
from mmaction.registry import MODELS


def _decode_jpeg(frames: List[torch.Tensor], gray: bool,
                 device: Union[str, torch.device]) -> List[torch.Tensor]:
    """``torchvision.io.decode_jpeg`` on a list; torchvision 0.29's
    deprecation warning (in favour of TorchCodec) is silenced here."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        from torchvision.io import ImageReadMode, decode_jpeg
        mode = ImageReadMode.GRAY if gray else ImageReadMode.RGB
        return decode_jpeg(frames, mode=mode, device=device)


def _crop_resize_flip(frames: Sequence[torch.Tensor],
                      crop_bbox: Sequence[float], out_shape: Tuple[int, int],
                      flip: bool, flow: bool) -> torch.Tensor:
    """Crop, resize and flip the ``(C, H, W)`` uint8 frames of a video into
    one ``(F, C, h, w)`` tensor.

    The crop box is rounded like MMAction2's ``Fuse``; the resize is
    bilinear with half-pixel centres (OpenCV's ``INTER_LINEAR``), rounded
    back to uint8 as the CPU pipeline's frames are.
    """
    left, top, right, bottom = np.round(np.asarray(crop_bbox)).astype(int)
    # crop before stacking: copy only the crop
    imgs = torch.stack([f[:, top:bottom, left:right] for f in frames])
    if tuple(imgs.shape[-2:]) != tuple(out_shape):
        imgs = F.interpolate(
            imgs.float(),
            size=tuple(out_shape),
            mode='bilinear',
            align_corners=False)
        imgs = imgs.round_().clamp_(0, 255).to(torch.uint8)
    if flip:
        imgs = imgs.flip(-1)
        if flow:  # frames are x1, y1, x2, y2, ...: negate the x flow
            imgs[0::2] = 255 - imgs[0::2]
    return imgs


def decode_clips(inputs: Sequence[torch.Tensor], data_samples: Sequence,
                 device: Union[str, torch.device]) -> List[torch.Tensor]:
    """Decode the encoded videos of a batch, with their crop and flip.

    Args:
        inputs (Sequence[torch.Tensor]): One 1-D uint8 CPU tensor per video,
            the concatenated JPEG bytes packed by ``PackEncodedInputs``.
        data_samples (Sequence[ActionDataSample]): Their data samples; the
            metainfo holds ``encoded_sizes``, ``crop_bbox``, ``flip``,
            ``img_shape``, ``modality`` and ``clip_len``.
        device (str | torch.device): Where to decode ('cpu', 'cuda', ...).

    Returns:
        list[torch.Tensor]: One uint8 tensor per video on ``device``:
        ``(F, 3, h, w)`` for RGB, ``(F / (2 clip_len), 2 clip_len, h, w)``
        for Flow: what ``FormatShape('NCHW')`` gives on the CPU.
    """
    if len(inputs) != len(data_samples):
        raise ValueError(f'decode_clips: {len(inputs)} inputs but '
                         f'{len(data_samples)} data samples')
    modalities = {s.metainfo['modality'] for s in data_samples}
    if len(modalities) != 1 or not modalities <= {'RGB', 'Flow'}:
        raise ValueError('decode_clips: a batch must be all RGB or all '
                         f'Flow, got modalities {sorted(modalities)}')
    flow = modalities == {'Flow'}
    frames, counts = [], []
    for data, sample in zip(inputs, data_samples):
        sizes = list(sample.metainfo['encoded_sizes'])
        if data.ndim != 1 or data.numel() != sum(sizes):
            raise ValueError(
                f'decode_clips: a video has {data.numel()} encoded bytes '
                f'(shape {tuple(data.shape)}) but its frames add up to '
                f'{sum(sizes)}')
        frames.extend(torch.split(data.cpu(), sizes))
        counts.append(len(sizes))
    decoded = _decode_jpeg(frames, gray=flow, device=device)
    out, start = [], 0
    for count, sample in zip(counts, data_samples):
        meta = sample.metainfo
        imgs = _crop_resize_flip(decoded[start:start + count],
                                 meta['crop_bbox'], meta['img_shape'],
                                 meta['flip'], flow)  # F, C, h, w
        start += count
        if flow:
            channels = 2 * int(meta['clip_len'])
            imgs = imgs.reshape((-1, channels) + tuple(imgs.shape[-2:]))
        out.append(imgs)
    return out


@MODELS.register_module()
class JPEGDecodeDataPreprocessor(ActionDataPreprocessor):
    """``ActionDataPreprocessor`` that first decodes encoded rawframes.

    Pair it with a ``LoadEncodedFrames`` ... ``PackEncodedInputs`` training
    pipeline (``configs/*_gpu_decode.py``). A batch whose inputs are 1-D
    uint8 tensors is decoded with :func:`decode_clips` on the device of this
    module (the model's); decoded inputs pass through unchanged. Then
    everything is as in ``ActionDataPreprocessor`` (same arguments): stack,
    optional BGR->RGB, ``(x - mean) / std`` on the device.
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        """Decode encoded inputs, then normalise as the parent does.

        Args:
            data (dict): A batch from the dataloader (``pseudo_collate``).
            training (bool): Whether to enable training-time augmentation.

        Returns:
            dict: ``inputs`` (B, N, C, h, w) float and ``data_samples``.
        """
        if isinstance(data, dict) and self.is_encoded(data['inputs']):
            data = dict(data)
            data['inputs'] = decode_clips(data['inputs'],
                                          data['data_samples'],
                                          self._device)
        return super().forward(data, training)

    @staticmethod
    def is_encoded(inputs) -> bool:
        """True for a batch of 1-D (encoded) tensors."""
        return isinstance(inputs, (list, tuple)) and len(inputs) > 0 and \
            all(isinstance(x, torch.Tensor) and x.ndim == 1 for x in inputs)
