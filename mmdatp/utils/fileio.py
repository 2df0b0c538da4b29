"""Atomic file writes: long jobs never leave a half-written output behind."""
import contextlib
import os
import os.path as osp
import tempfile
from typing import IO, Iterator


@contextlib.contextmanager
def atomic_open(path: str, mode: str = 'wb', **kwargs) -> Iterator[IO]:
    """Open a temporary file next to ``path``; move it there on success.

    The file is flushed and fsynced, then ``os.replace``-d onto ``path``, so
    readers see either the old content or the complete new one. On an
    exception the temporary file is removed and ``path`` is left untouched.
    Missing parent directories are created.

    Args:
        path (str): The final file.
        mode (str): 'wb' or 'w'. Defaults to 'wb'.
        **kwargs: Passed to ``os.fdopen`` (e.g. ``encoding``).

    Yields:
        IO: The open temporary file.
    """
    if mode not in ('w', 'wb'):
        raise ValueError(f"atomic_open: mode must be 'w' or 'wb', got "
                         f'{mode!r}')
    out_dir = osp.dirname(osp.abspath(path))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=out_dir, prefix='.' + osp.basename(path) + '.', suffix='.tmp')
    try:
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
