"""``DecordInit`` that opens local videos by path and names a bad file.

MMAction2 1.2.0's ``DecordInit`` reads the whole file into memory and hands
decord an ``io.BytesIO``. On a truncated file (half of an xvid AVI, as a
partial download leaves it) decord then dies of a segmentation fault: with 0
workers the whole process (exit 139), with workers "DataLoader worker exited
unexpectedly", so neither :class:`~mmdatp.datasets.CheckedVideoDataset` nor
``on_bad_video='skip'`` ever sees an exception. decord given the same file
by path does not crash.

:class:`PathDecordInit` is registered as ``DecordInit`` in
``mmaction.registry.TRANSFORMS`` (replacing MMAction2's), so every config,
ours and MMAction2's, gets it. For a local file on the ``'disk'`` backend it

1. checks the container's own size fields (:func:`check_video_file`): a
   RIFF (AVI) or ISO base media (MP4/MOV) file shorter than its header
   declares is truncated and raises a :class:`BadVideoError` naming the
   file and both sizes, instead of decoding the readable half;
2. opens the file by path; decord's errors (an empty or unreadable file:
   "Error reading 0 bytes") and a video without frames raise a
   :class:`BadVideoError` naming the file.

Any other backend (``io_backend='petrel'``, ``http``, file client kwargs)
keeps MMAction2's behaviour. The checked datasets turn a
:class:`BadVideoError` into their "cannot load video X (entry i of <list>)"
error, or skip the video in training with ``on_bad_video='skip'``.
"""
import os
import os.path as osp
import struct
from typing import Optional

from mmaction.datasets.transforms import DecordInit
from mmaction.registry import TRANSFORMS

#: top-level box types of ISO base media files (MP4, MOV, 3GP)
_ISO_BOXES = {
    b'ftyp', b'moov', b'mdat', b'free', b'skip', b'wide', b'uuid', b'moof',
    b'mfra', b'meta', b'pdin', b'styp', b'sidx', b'ssix', b'prft', b'pnot',
    b'emsg'
}


class BadVideoError(RuntimeError):
    """A video file that cannot be decoded; the message names the file."""


def _riff_truncation(f, size: int) -> Optional[str]:
    head = f.read(12)
    if len(head) < 12 or head[:4] != b'RIFF':
        return None
    declared = struct.unpack('<I', head[4:8])[0] + 8
    if size < declared:
        return (f'its RIFF header declares {declared} bytes, the file has '
                f'{size}')
    return None


def _iso_truncation(f, size: int) -> Optional[str]:
    """Walk the top-level boxes; one that ends past EOF means truncation."""
    offset = 0
    while offset + 8 <= size:
        f.seek(offset)
        box_size, box_type = struct.unpack('>I4s', f.read(8))
        if offset == 0 and box_type not in (b'ftyp', b'moov', b'mdat',
                                            b'free', b'wide', b'skip'):
            return None  # not an ISO base media file
        if box_type not in _ISO_BOXES:
            return None  # unknown data: do not guess
        if box_size == 1:  # 64-bit size follows
            large = f.read(8)
            if len(large) < 8:
                break
            box_size = struct.unpack('>Q', large)[0]
        elif box_size == 0:  # extends to the end of the file
            return None
        if box_size < 8:
            return None
        if offset + box_size > size:
            return (f'its {box_type.decode()!r} box at byte {offset} '
                    f'declares {box_size} bytes, the file ends '
                    f'{size - offset} bytes after it')
        offset += box_size
    if 0 < offset < size and offset + 8 > size:
        return (f'it ends {size - offset} bytes into a box header at byte '
                f'{offset}')
    return None


def check_video_file(filename: str) -> None:
    """Raise if a local video file is empty or visibly truncated.

    Only the container's size fields are read (a few bytes per top-level
    box): a RIFF (AVI) file must be as long as its header declares, and
    every top-level box of an ISO base media file (MP4, MOV) must end
    within the file. Other containers are only checked for being empty.

    Args:
        filename (str): Path of a local video file.

    Raises:
        BadVideoError: If the file is empty or truncated; the message names
            the file and the sizes.
    """
    size = os.path.getsize(filename)
    if size == 0:
        raise BadVideoError(f'video {filename} is empty (0 bytes)')
    with open(filename, 'rb') as f:
        why = _riff_truncation(f, size)
        if why is None:
            f.seek(0)
            why = _iso_truncation(f, size)
    if why is not None:
        raise BadVideoError(
            f'video {filename} is truncated (a partial download or copy?): '
            f'{why}')


@TRANSFORMS.register_module(name='DecordInit', force=True)
class PathDecordInit(DecordInit):
    """MMAction2's ``DecordInit``, opening local files by path.

    Required keys ``filename``; adds ``video_reader``, ``total_frames``,
    ``avg_fps``, as MMAction2's.

    Args:
        io_backend (str): Where the videos are stored. Defaults to
            ``'disk'``; other backends read through MMAction2's
            ``FileClient`` and ``io.BytesIO`` as before.
        num_threads (int): Decoding threads. Defaults to 1.
        check_truncation (bool): Reject local files shorter than their
            container header declares (see :func:`check_video_file`)
            instead of decoding what is there. Defaults to True.
        **kwargs: File client arguments, as MMAction2's; with any, files are
            read through the file client.
    """

    def __init__(self,
                 io_backend: str = 'disk',
                 num_threads: int = 1,
                 check_truncation: bool = True,
                 **kwargs) -> None:
        super().__init__(io_backend=io_backend, num_threads=num_threads,
                         **kwargs)
        self.check_truncation = check_truncation

    def _get_video_reader(self, filename: str) -> object:
        if osp.splitext(filename)[0] == filename:
            filename = filename + '.mp4'  # as MMAction2's DecordInit
        if self.io_backend != 'disk' or self.kwargs:
            return super()._get_video_reader(filename)
        if not osp.isfile(filename):
            raise FileNotFoundError(f'video {filename} does not exist')
        if self.check_truncation:
            check_video_file(filename)
        elif os.path.getsize(filename) == 0:
            raise BadVideoError(f'video {filename} is empty (0 bytes)')
        import decord
        try:
            reader = decord.VideoReader(filename, num_threads=self.num_threads)
        except (RuntimeError, decord.DECORDError) as e:  # decord raises both
            first = str(e).strip().splitlines()[0] if str(e).strip() else ''
            raise BadVideoError(
                f'decord cannot open video {filename} (not a video, or '
                f'corrupt): {first}') from e
        if len(reader) == 0:
            raise BadVideoError(f'video {filename} has no frames')
        return reader

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(io_backend={self.io_backend}, '
                f'num_threads={self.num_threads}, '
                f'check_truncation={self.check_truncation})')
