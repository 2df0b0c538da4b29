"""Atomic file writes: long jobs never leave a half-written output behind."""
import contextlib
import os
import os.path as osp
import stat
import tempfile
from typing import IO, Iterator


def current_umask() -> int:
    """The process's umask, read without changing it where Linux shows it
    (``/proc/self/status``), else by setting and restoring it."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('Umask:'):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o22)
    os.umask(mask)
    return mask


def _mode_for(path: str) -> int:
    """The permission bits ``open(path, 'w')`` would leave ``path`` with."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return 0o666 & ~current_umask()


@contextlib.contextmanager
def atomic_open(path: str, mode: str = 'wb', **kwargs) -> Iterator[IO]:
    """Open a temporary file next to ``path``; move it there on success.

    The file is flushed and fsynced, then ``os.replace``-d onto ``path``, so
    readers see either the old content or the complete new one. On an
    exception (Ctrl-C included) the temporary file is removed and ``path``
    is left untouched. Missing parent directories are created. The file
    gets the permissions ``open`` would give it: those of the file it
    replaces, else ``0o666`` less the umask (``mkstemp`` alone makes it
    0600, private to its owner).

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
            os.fchmod(f.fileno(), _mode_for(path))
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
