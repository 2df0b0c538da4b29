"""atomic_open: complete file or nothing, no temp file left behind."""
import os

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
