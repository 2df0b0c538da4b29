"""Load rawframes as encoded JPEG bytes, to decode them on the model's device.

MMAction2's rawframe pipeline decodes every JPEG in the data workers. For
stacked flow (N=10 segments x 5 x/y pairs = 100 grey JPEGs per video)
decoding, resizing and stacking are most of a worker's time. These two
transforms leave the pixels alone: the workers read the bytes and draw the
random geometry with MMAction2's own lazy transforms, and
:class:`~mmdatp.models.JPEGDecodeDataPreprocessor` decodes the batch with
``torchvision.io.decode_jpeg`` (nvjpeg on cuda) and applies the geometry::

    reference  RawFrameDecode -> Resize -> MultiScaleCrop -> Resize -> Flip
               -> FormatShape -> PackActionInputs          (pixels on CPU)
    encoded    LoadEncodedFrames -> Resize(lazy) -> MultiScaleCrop(lazy)
               -> Resize(lazy) -> Flip(lazy) -> PackEncodedInputs
               (bytes + crop box + flip; the data preprocessor decodes,
                crops, resizes bilinearly and flips on the device)

The random draws are the same in both (the lazy transforms draw exactly as
the eager ones), so with the same seed both give the same frames, crop and
flip; the pixels differ only by the resize (one bilinear resize of the crop
instead of two, OpenCV's fixed-point arithmetic against torch's float).
"""
import io
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmaction.datasets.transforms import PackActionInputs
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform
from mmengine import fileio

#: metainfo keys the data preprocessor reads (see PackEncodedInputs)
ENCODED_META_KEYS = ('encoded_sizes', 'crop_bbox', 'flip', 'img_shape',
                     'modality', 'clip_len')


def jpeg_shape(data: bytes) -> tuple:
    """``(height, width)`` of an encoded image, from its header only.

    Args:
        data (bytes): The encoded image.

    Returns:
        tuple[int, int]: Its height and width.
    """
    from PIL import Image
    with Image.open(io.BytesIO(data)) as img:
        width, height = img.size
    return height, width


@TRANSFORMS.register_module()
class LoadEncodedFrames(BaseTransform):
    """Read the sampled rawframes as bytes, without decoding them.

    The counterpart of MMAction2's ``RawFrameDecode`` for decoding on the
    model's device. RGB reads ``filename_tmpl.format(idx)`` per index; Flow
    reads the x and then the y image (``filename_tmpl.format('x', idx)``),
    so the frames of a Flow clip are ``x1, y1, x2, y2, ...`` in the order
    ``RawFrameDecode`` + ``FormatShape`` stack them as channels.

    Required Keys:

    - frame_dir
    - filename_tmpl
    - modality ('RGB' or 'Flow')
    - frame_inds
    - offset (optional)

    Added Keys:

    - encoded_frames: ``list[bytes]``, one per image read
    - img_shape, original_shape: ``(h, w)`` of the first image (read from
      its header; the frames of a video share one size)

    Args:
        backend_args (dict, optional): mmengine file backend arguments.
            Defaults to None (local disk).
    """

    def __init__(self, backend_args: Optional[Dict] = None) -> None:
        if backend_args is not None and not isinstance(backend_args, dict):
            raise ValueError('LoadEncodedFrames: backend_args must be None '
                             f'or a dict, got {backend_args!r}')
        self.backend_args = backend_args

    def _paths(self, results: Dict, idx: int) -> List[str]:
        tmpl = results['filename_tmpl']
        directory = results['frame_dir']
        if results['modality'] == 'RGB':
            return [f'{directory}/{tmpl.format(idx)}']
        return [f'{directory}/{tmpl.format(c, idx)}' for c in ('x', 'y')]

    def transform(self, results: Dict) -> Dict:
        """Read the bytes of every sampled frame.

        Args:
            results (dict): The result dict.

        Returns:
            dict: ``results`` with ``encoded_frames`` and the image shape.
        """
        modality = results.get('modality')
        if modality not in ('RGB', 'Flow'):
            raise ValueError("LoadEncodedFrames: modality must be 'RGB' or "
                             f"'Flow', got {modality!r} for "
                             f"{results.get('frame_dir')}")
        offset = int(results.get('offset', 0))
        cache: Dict[str, bytes] = {}  # short videos repeat frames
        encoded = []
        for idx in np.asarray(results['frame_inds']).reshape(-1):
            for path in self._paths(results, int(idx) + offset):
                if path not in cache:
                    cache[path] = fileio.get(
                        path, backend_args=self.backend_args)
                encoded.append(cache[path])
        results['encoded_frames'] = encoded
        shape = jpeg_shape(encoded[0])
        results['img_shape'] = shape
        results['original_shape'] = shape
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(backend_args={self.backend_args})'


@TRANSFORMS.register_module()
class PackEncodedInputs(PackActionInputs):
    """Pack encoded frames and the lazy geometry for the data preprocessor.

    ``inputs`` is one 1-D ``uint8`` tensor: the bytes of all frames of the
    video, concatenated (one tensor per video crosses the worker queue, not
    one per frame). The data sample's metainfo carries what
    :class:`~mmdatp.models.JPEGDecodeDataPreprocessor` needs:

    - encoded_sizes: byte length of every frame, to split ``inputs``
    - crop_bbox: ``(left, top, right, bottom)`` in original pixels, from
      the lazy crops (the whole image without one)
    - flip: whether to flip horizontally (Flow: also invert x)
    - img_shape: the output ``(h, w)``
    - modality, clip_len

    Args:
        meta_keys (Sequence[str]): Further meta keys, as in
            ``PackActionInputs``. Defaults to ``('img_shape',)``.
        algorithm_keys (Sequence[str]): Extra data-sample fields, e.g.
            ``('segment_times',)``. Defaults to ``()``.
    """

    def __init__(self,
                 meta_keys: Sequence[str] = ('img_shape', ),
                 algorithm_keys: Sequence[str] = ()) -> None:
        super().__init__(meta_keys=meta_keys, algorithm_keys=algorithm_keys)

    def transform(self, results: Dict) -> Dict:
        """Pack ``results['encoded_frames']`` and the geometry."""
        if 'encoded_frames' not in results:
            raise KeyError('PackEncodedInputs: results have no '
                           "'encoded_frames'; put LoadEncodedFrames before "
                           'it in the pipeline')
        if 'imgs' in results:
            raise ValueError('PackEncodedInputs: results have decoded '
                             "'imgs' as well; use PackActionInputs for a "
                             'decoded pipeline')
        h, w = results['original_shape']
        lazy = results.get('lazy') or dict(
            crop_bbox=np.array([0, 0, w, h], dtype=np.float32),
            flip=False,
            flip_direction=None,
            interpolation=None)
        if lazy['interpolation'] not in (None, 'bilinear'):
            raise ValueError('PackEncodedInputs: only bilinear resizing is '
                             'done on the device, got interpolation '
                             f"{lazy['interpolation']!r}")
        if lazy['flip'] and lazy['flip_direction'] != 'horizontal':
            raise ValueError('PackEncodedInputs: only horizontal flips are '
                             'done on the device, got flip_direction '
                             f"{lazy['flip_direction']!r}")
        frames = results['encoded_frames']
        results['imgs'] = np.zeros(1, np.uint8)  # placeholder for super()
        packed = super().transform(results)
        del results['imgs']
        packed['inputs'] = torch.frombuffer(
            bytearray(b''.join(frames)), dtype=torch.uint8)
        packed['data_samples'].set_metainfo(
            dict(
                encoded_sizes=[len(f) for f in frames],
                crop_bbox=np.asarray(lazy['crop_bbox'], dtype=np.float32),
                flip=bool(lazy['flip']),
                img_shape=tuple(int(s) for s in results['img_shape']),
                modality=results['modality'],
                clip_len=int(results.get('clip_len', 1))))
        return packed
