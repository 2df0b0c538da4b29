"""Official split files of HMDB51, UCF101 and Kinetics-400."""
import pytest
from mmdatp.datasets.preparation import (VideoEntry, parse_hmdb51_splits,
                                         parse_kinetics_splits, parse_splits,
                                         parse_ucf101_splits)
from prep_utils import HMDB51, hmdb51_expected, make_hmdb51


def test_hmdb51_three_splits(tmp_path):
    make_hmdb51(str(tmp_path))
    classes, splits = parse_hmdb51_splits(str(tmp_path / 'annotations'))
    assert classes == sorted(HMDB51)
    assert sorted(splits) == [1, 2, 3]
    for k in (1, 2, 3):
        train, val = hmdb51_expected(k)
        assert [tuple(e) for e in splits[k].train] == train
        assert [tuple(e) for e in splits[k].val] == val
    # id 0 (unused) is in neither list
    assert len(splits[3].train) + len(splits[3].val) == 5
    # level 1: no class folder
    _, one = parse_hmdb51_splits(str(tmp_path / 'annotations'), (2, ),
                                 level=1)
    assert one[2].train[0] == VideoEntry(HMDB51['brush_hair'][1], 0)


def test_hmdb51_errors_name_file_and_line(tmp_path):
    make_hmdb51(str(tmp_path))
    ann = tmp_path / 'annotations'
    bad = ann / 'chew_test_split2.txt'
    bad.write_text('a.avi 1\n\nb.avi 3\n')
    with pytest.raises(ValueError, match=r'chew_test_split2\.txt, line 3: '
                       r'expected "<video>\.avi <0\|1\|2>".*\'b\.avi 3\''):
        parse_hmdb51_splits(str(ann))
    parse_hmdb51_splits(str(ann), splits=(1, 3))  # the others are fine
    (ann / 'cartwheel_test_split3.txt').unlink()
    with pytest.raises(ValueError, match=r"split 3 .* different classes: "
                       r"\['cartwheel'\]"):
        parse_hmdb51_splits(str(ann), splits=(1, 3))
    with pytest.raises(ValueError, match=r'hmdb51 has splits \[1, 2, 3\], '
                       r'got \[4\]'):
        parse_hmdb51_splits(str(ann), splits=(4, ))
    with pytest.raises(ValueError, match='no HMDB51 split file'):
        parse_hmdb51_splits(str(tmp_path))
    with pytest.raises(FileNotFoundError, match='does not exist'):
        parse_hmdb51_splits(str(tmp_path / 'nope'))


def _ucf101_annotations(ann):
    ann.mkdir()
    (ann / 'classInd.txt').write_text(
        '1 ApplyEyeMakeup\r\n2 HandstandPushups\r\n3 YoYo\r\n')
    videos = {
        'ApplyEyeMakeup': ['v_ApplyEyeMakeup_g08_c01', 'v_ApplyEyeMakeup'
                           '_g01_c01'],
        'HandstandPushups': ['v_HandStandPushups_g08_c01',
                             'v_HandStandPushups_g01_c02'],
        'YoYo': ['v_YoYo_g09_c03', 'v_YoYo_g02_c01'],
    }
    for k in (1, 2, 3):
        train = [f'{c}/{v[(k + 1) % 2]}.avi {i + 1}'
                 for i, (c, v) in enumerate(videos.items())]
        test = [f'{c}/{v[k % 2]}.avi' for c, v in videos.items()]
        (ann / f'trainlist0{k}.txt').write_text('\r\n'.join(train) + '\r\n')
        (ann / f'testlist0{k}.txt').write_text('\n'.join(test) + '\n')
    return videos


def test_ucf101_three_splits(tmp_path):
    videos = _ucf101_annotations(tmp_path / 'ann')
    classes, splits = parse_ucf101_splits(str(tmp_path / 'ann'))
    assert classes == ['ApplyEyeMakeup', 'HandstandPushups', 'YoYo']
    assert splits[1].train == [
        VideoEntry(f'{c}/{v[0]}', i) for i, (c, v) in enumerate(
            videos.items())
    ]
    assert splits[1].val[2] == VideoEntry('YoYo/v_YoYo_g02_c01', 2)
    assert splits[2].train[1] == VideoEntry(
        'HandstandPushups/v_HandStandPushups_g01_c02', 1)


def test_ucf101_errors_name_file_and_line(tmp_path):
    ann = tmp_path / 'ann'
    _ucf101_annotations(ann)
    (ann / 'trainlist02.txt').write_text(
        'YoYo/v_YoYo_g09_c03.avi 3\nYoYo/v_YoYo_g02_c01.avi 1\n')
    with pytest.raises(ValueError, match=r'trainlist02\.txt, line 2: .*'
                       r'class of .*classInd\.txt'):
        parse_ucf101_splits(str(ann))
    (ann / 'testlist01.txt').write_text('Juggling/v_Juggling_g01_c01.avi\n')
    with pytest.raises(ValueError, match=r'testlist01\.txt, line 1'):
        parse_ucf101_splits(str(ann), splits=(1, ))
    (ann / 'classInd.txt').write_text('1 A\n3 B\n')
    with pytest.raises(ValueError, match=r'classInd\.txt, line 2: expected '
                       r'"<index> <class>" with index 2'):
        parse_ucf101_splits(str(ann))


K400_HEADER = 'label,youtube_id,time_start,time_end,split,is_cc\n'


def test_kinetics400_csv(tmp_path):
    (tmp_path / 'kinetics_train.csv').write_text(
        K400_HEADER + 'air drumming,--nQbRBEz2s,104,114,train,0\n'
        'abseiling,-3B32lodo2M,59,69,train,0\n'
        '"massaging person\'s head",0DmBxpAT0CM,5.0,15.0,train,0\n')
    (tmp_path / 'kinetics_val.csv').write_text(
        K400_HEADER + 'abseiling,0wR5jVB-WPk,417,427,val,0\n')
    classes, splits = parse_splits('kinetics400', str(tmp_path))
    assert classes == ['abseiling', 'air_drumming', "massaging_person's_head"]
    assert splits[1].train == [
        VideoEntry('air_drumming/--nQbRBEz2s_000104_000114', 1),
        VideoEntry('abseiling/-3B32lodo2M_000059_000069', 0),
        VideoEntry("massaging_person's_head/0DmBxpAT0CM_000005_000015", 2),
    ]
    assert splits[1].val == [
        VideoEntry('abseiling/0wR5jVB-WPk_000417_000427', 0)
    ]
    with pytest.raises(ValueError, match=r'kinetics400 has splits \[1\]'):
        parse_splits('kinetics400', str(tmp_path), splits=(2, ))


def test_kinetics400_errors(tmp_path):
    (tmp_path / 'train.csv').write_text(
        K400_HEADER + 'abseiling,x,1,11,train,0\n')
    (tmp_path / 'validate.csv').write_text(
        K400_HEADER + 'abseiling,y,1,11,val,0\nyoga,z,1,11,val,0\n')
    with pytest.raises(ValueError, match=r"validate\.csv, line 3: label "
                       r"'yoga' is not a class of .*train\.csv"):
        parse_kinetics_splits(str(tmp_path))
    (tmp_path / 'validate.csv').write_text(
        K400_HEADER + 'abseiling,y,one,11,val,0\n')
    with pytest.raises(ValueError, match=r'validate\.csv, line 2: '
                       r'time_start and time_end must be numbers'):
        parse_kinetics_splits(str(tmp_path))
    (tmp_path / 'validate.csv').write_text('youtube_id,time_start\ny,1\n')
    with pytest.raises(ValueError, match=r"missing \['label', 'time_end'\]"):
        parse_kinetics_splits(str(tmp_path))
    with pytest.raises(ValueError, match='dataset must be one of'):
        parse_splits('sthv2', str(tmp_path))
