"""atomic_open: complete file or nothing, no temp file left behind."""
import os
import stat

import pytest
from mmdatp.utils import atomic_open


def test_writes_and_replaces(tmp_path):
    path = tmp_path / 'sub' / 'out.txt'
    with atomic_open(str(path), 'w', encoding='utf-8') as f:
        f.write('first')
    with atomic_open(str(path), 'w', encoding='utf-8') as f:
        f.write('second')
    assert path.read_text() == 'second'
    assert os.listdir(tmp_path / 'sub') == ['out.txt']


def test_failure_keeps_the_old_file(tmp_path):
    path = tmp_path / 'out.bin'
    path.write_bytes(b'old')
    with pytest.raises(RuntimeError):
        with atomic_open(str(path)) as f:
            f.write(b'partial')
            raise RuntimeError('interrupted')
    assert path.read_bytes() == b'old'
    assert os.listdir(tmp_path) == ['out.bin']


def test_rejects_read_modes(tmp_path):
    with pytest.raises(ValueError, match="mode must be 'w' or 'wb'"):
        with atomic_open(str(tmp_path / 'x'), 'r'):
            pass


@pytest.mark.parametrize('umask,expected', [(0o022, 0o644), (0o077, 0o600),
                                            (0o002, 0o664)])
def test_permissions_follow_the_umask(tmp_path, umask, expected):
    """Before: always 0600 (mkstemp's), so lists, classes.txt, meta.json and
    PNGs of a shared dataset were unreadable to the group."""
    old = os.umask(umask)
    try:
        path = tmp_path / 'list.txt'
        with atomic_open(str(path), 'w') as f:
            f.write('a 0\n')
        # the mode open() gives a new file under this umask
        with open(tmp_path / 'ref.txt', 'w') as f:
            f.write('a 0\n')
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == expected
    assert stat.S_IMODE((tmp_path / 'ref.txt').stat().st_mode) == expected


def test_replacing_keeps_the_file_mode(tmp_path):
    path = tmp_path / 'meta.json'
    path.write_text('{}')
    path.chmod(0o640)
    with atomic_open(str(path), 'w') as f:
        f.write('{"classes": []}')
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
