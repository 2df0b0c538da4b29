"""Decode a video into frames, resize them and write them as JPEGs.

RGB rawframes follow MMAction2's layout: ``img_00001.jpg``,
``img_00002.jpg``, ... (1-based, ``RawframeDataset``'s default
``filename_tmpl='img_{:05}.jpg'`` and ``start_index=1``). Frames are resized
like MMAction2's ``tools/data/build_rawframes.py``: the short side to
``new_short`` keeping the aspect ratio (256: a 320x240 HMDB51 video gives
341x256), or to a fixed ``new_width x new_height`` (340x256, TSN's size),
or not at all.
"""
from dataclasses import dataclass
from typing import Iterator, Optional, Tuple

import numpy as np

#: RGB frame names; formatted with the 1-based frame index
RGB_TMPL = 'img_{:05d}.jpg'


class VideoReadError(RuntimeError):
    """A video could not be opened or decoded."""


@dataclass(frozen=True)
class ResizeSpec:
    """How frames are resized before they are written (and flow computed).

    Args:
        new_short (int): Resize the short side to this, keeping the aspect
            ratio; 0 to use ``new_width``/``new_height``. Defaults to 256.
        new_width (int): Fixed output width (with ``new_height``; needs
            ``new_short=0``). Defaults to 0.
        new_height (int): Fixed output height. Defaults to 0.

    With all three 0 the frames keep their size.
    """
    new_short: int = 256
    new_width: int = 0
    new_height: int = 0

    def __post_init__(self) -> None:
        for name in ('new_short', 'new_width', 'new_height'):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) \
                    or value < 0:
                raise ValueError(f'{name} must be an integer >= 0, got '
                                 f'{value!r}')
        if (self.new_width == 0) != (self.new_height == 0):
            raise ValueError(
                'new_width and new_height must be given together, got '
                f'new_width={self.new_width}, new_height={self.new_height}')
        if self.new_short and self.new_width:
            raise ValueError(
                'give either new_short or new_width/new_height, not both; '
                f'got new_short={self.new_short}, new_width='
                f'{self.new_width}, new_height={self.new_height}')

    def output_size(self, width: int, height: int) -> Tuple[int, int]:
        """The ``(width, height)`` a ``width x height`` frame is resized to.

        Args:
            width (int): Input width.
            height (int): Input height.

        Returns:
            tuple[int, int]: Output width and height.
        """
        if self.new_width:
            return self.new_width, self.new_height
        if self.new_short:
            if width <= height:
                return self.new_short, max(
                    1, int(round(height * self.new_short / width)))
            return max(1, int(round(width * self.new_short / height))), \
                self.new_short
        return width, height

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        """Resize ``frame`` (``(H, W[, C])``) as specified."""
        import cv2
        h, w = frame.shape[:2]
        size = self.output_size(w, h)
        if size == (w, h):
            return frame
        return cv2.resize(frame, size, interpolation=cv2.INTER_LINEAR)


def read_frames(path: str,
                max_frames: Optional[int] = None) -> Iterator[np.ndarray]:
    """Decode the frames of a video with OpenCV (FFmpeg backend).

    Args:
        path (str): The video file.
        max_frames (int, optional): Stop after this many frames.

    Yields:
        np.ndarray: ``(H, W, 3)`` uint8 BGR frames.

    Raises:
        VideoReadError: If the file cannot be opened or yields no frame.
    """
    import cv2
    cap = cv2.VideoCapture(path)
    try:
        if not cap.isOpened():
            raise VideoReadError(f'cannot open video {path} (missing, '
                                 'corrupt or unsupported format)')
        num = 0
        while max_frames is None or num < max_frames:
            ok, frame = cap.read()
            if not ok or frame is None:
                break
            num += 1
            yield frame
        if num == 0:
            raise VideoReadError(f'no frame could be decoded from video '
                                 f'{path} (corrupt or unsupported format)')
    finally:
        cap.release()


def write_jpeg(path: str, image: np.ndarray, quality: int = 95) -> None:
    """Encode ``image`` (BGR or grey) as JPEG and write it to ``path``.

    Encoding in memory and writing with Python keeps non-ASCII paths
    working everywhere and turns a failed write into an exception (
    ``cv2.imwrite`` only returns False).

    Args:
        path (str): Output file.
        image (np.ndarray): uint8 image.
        quality (int): JPEG quality, 1..100. Defaults to 95 (OpenCV's).
    """
    import cv2
    ok, buf = cv2.imencode('.jpg', image,
                           [int(cv2.IMWRITE_JPEG_QUALITY), quality])
    if not ok:
        raise OSError(f'cannot encode {path} as JPEG')
    with open(path, 'wb') as f:
        f.write(buf.tobytes())
