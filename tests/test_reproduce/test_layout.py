"""Dataset layouts, split derivation and safe names of mmdatp.reproduce."""
import os
import os.path as osp

import pytest
from mock_data import HMDB51, UCF101, make_hmdb51, make_ucf101

from mmdatp.reproduce import (BadInputError, derive_ucf101_split,
                              read_layout, safe_name, ucf101_test_groups)


def test_ucf101_split_from_groups():
    assert list(ucf101_test_groups(1)) == list(range(1, 8))
    assert list(ucf101_test_groups(3)) == list(range(15, 22))
    videos = ['A/v_A_g01_c01', 'A/v_A_g07_c02', 'A/v_A_g08_c01',
              'B/v_B_g25_c04', 'B/v_B_g09_c01', 'B/clip', 'A/v_B_g02_c01']
    split, problems = derive_ucf101_split(videos, ['A', 'B'], 1)
    assert [e.video for e in split.val] == ['A/v_A_g01_c01',
                                            'A/v_A_g07_c02']
    assert [(e.video, e.label) for e in split.train] == [
        ('A/v_A_g08_c01', 0), ('B/v_B_g25_c04', 1), ('B/v_B_g09_c01', 1)]
    assert len(problems) == 2 and 'B/clip' in problems[0]
    split2, _ = derive_ucf101_split(videos, ['A', 'B'], 2)
    assert [e.video for e in split2.val] == ['A/v_A_g08_c01',
                                             'B/v_B_g09_c01']
    with pytest.raises(ValueError, match='splits 1, 2, 3; got 4'):
        ucf101_test_groups(4)


def test_safe_names():
    assert safe_name('v_Archery_g01_c01') == 'v_Archery_g01_c01'
    odd = 'My clip #1 (take!) & more'
    safe = safe_name(odd)
    assert safe.startswith('My_clip__1__take_____more_') and \
        not set(safe) & set(' #()!&')
    assert safe_name(odd) == safe  # deterministic
    assert safe_name('a b') != safe_name('a_b') == 'a_b'
    assert safe_name('.hidden')[0] == '_'
    with pytest.raises(ValueError, match='one path component'):
        safe_name('a/b')


def test_ucf101_layout_derived_and_official(tmp_path):
    root = make_ucf101(str(tmp_path / 'derived'))
    lay = read_layout(root, 'ucf101', 1)
    assert lay.derived and lay.classes == sorted(UCF101)
    assert (lay.count('train'), lay.count('val')) == (6, 3)
    assert 'derived from the group numbers' in lay.describe()
    official = read_layout(make_ucf101(str(tmp_path / 'off'), lists=True),
                           'ucf101', 1)
    assert not official.derived
    assert sorted((c.rel, c.label, c.subset) for c in official.clips) == \
        sorted((c.rel, c.label, c.subset) for c in lay.clips)


def test_ucf101_bad_input_named_or_skipped(tmp_path):
    root = make_ucf101(str(tmp_path / 'u'), lists=True)
    os.makedirs(osp.join(root, 'UCF-101', 'Unlisted'))
    os.remove(osp.join(root, 'UCF-101', 'Archery', 'v_Archery_g10_c01.mp4'))
    with pytest.raises(BadInputError) as err:
        read_layout(root, 'ucf101', 1)
    msg = str(err.value)
    assert "Unlisted' is not in the lists" in msg
    assert 'Archery/v_Archery_g10_c01: listed, but no video file' in msg
    assert '--skip-bad' in msg
    lay = read_layout(root, 'ucf101', 1, skip_bad=True)
    assert len(lay.skipped) == 2 and len(lay.clips) == 8
    with pytest.raises(FileNotFoundError, match='UCF-101/<Class>'):
        read_layout(str(tmp_path), 'ucf101', 1)


def test_hmdb51_odd_names(tmp_path):
    lay = read_layout(make_hmdb51(str(tmp_path / 'h')), 'hmdb51', 1)
    assert lay.classes == sorted(HMDB51)
    names = {c.name: c.rel for c in lay.clips}
    odd = 'brush_hair/My clip #1 (take!) & more_brush_hair_f_nm_np1_ba_med_0'
    assert names[odd] == 'brush_hair/' + safe_name(odd.split('/')[1])
    for rel in names.values():
        assert not set(rel) & set(' #()!&'), rel
    assert (lay.count('train'), lay.count('val')) == (2, 2)
