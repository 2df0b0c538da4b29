"""Tiny real datasets in the official UCF101 and HMDB51 layouts.

The clips of ``tests/data/videos`` are symlinked (copied where links are
not possible) under the datasets' file names.
"""
import os
import os.path as osp
import shutil

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
VIDEOS = osp.join(REPO, 'tests', 'data', 'videos')
CLIPS = ('test.avi', 'demo.mp4', 'test.mp4')
#: UCF101 mock: class -> groups of its clips (g01-g07 test in split 1)
UCF101 = {
    'ApplyEyeMakeup': (1, 8, 9),
    'Archery': (2, 10, 25),
    'BabyCrawling': (7, 8, 12),
}
#: HMDB51 mock: class -> (video name, split-1 id); odd characters included
HMDB51 = {
    'brush_hair': [('April_09_brush_hair_u_nm_np1_ba_goo_0', 1),
                   ('My clip #1 (take!) & more_brush_hair_f_nm_np1_ba_med_0',
                    2)],
    'sword&(fight)': [('Kill Bill #2 (fight!)_sword_f_cm_np2_le_bad_1', 1),
                      ('Amazing_Sword_Fight_sword_f_cm_np1_ba_goo_0', 2)],
}


def link(clip: str, dst: str) -> None:
    """Symlink the real clip ``clip`` to ``dst`` (copy as a fallback)."""
    os.makedirs(osp.dirname(dst), exist_ok=True)
    try:
        os.symlink(osp.join(VIDEOS, clip), dst)
    except OSError:
        shutil.copy(osp.join(VIDEOS, clip), dst)


def make_ucf101(root: str, lists: bool = False) -> str:
    """``root/UCF-101/<Class>/v_<Class>_gXX_cYY.<ext>`` (+ the official
    lists of split 1 when ``lists``); returns ``root``."""
    for i, (cls, groups) in enumerate(sorted(UCF101.items())):
        for j, group in enumerate(groups):
            clip = CLIPS[(i + j) % len(CLIPS)]
            name = f'v_{cls}_g{group:02d}_c01{osp.splitext(clip)[1]}'
            link(clip, osp.join(root, 'UCF-101', cls, name))
    if lists:
        ann = osp.join(root, 'ucfTrainTestlist')
        os.makedirs(ann)
        classes = sorted(UCF101)
        with open(osp.join(ann, 'classInd.txt'), 'w') as f:
            f.writelines(f'{i + 1} {c}\n' for i, c in enumerate(classes))
        train, test = [], []
        for i, cls in enumerate(classes):
            for name in sorted(os.listdir(osp.join(root, 'UCF-101', cls))):
                group = int(name.split('_g')[1][:2])
                if group <= 7:
                    test.append(f'{cls}/{name}\n')
                else:
                    train.append(f'{cls}/{name} {i + 1}\n')
        with open(osp.join(ann, 'trainlist01.txt'), 'w') as f:
            f.writelines(train)
        with open(osp.join(ann, 'testlist01.txt'), 'w') as f:
            f.writelines(test)
    return root


def make_hmdb51(root: str) -> str:
    """``root/<class>/<video>.avi`` and ``testTrainMulti_7030_splits``."""
    ann = osp.join(root, 'testTrainMulti_7030_splits')
    os.makedirs(ann)
    for i, (cls, videos) in enumerate(sorted(HMDB51.items())):
        lines = []
        for j, (name, kind) in enumerate(videos):
            link(CLIPS[(i + j) % len(CLIPS)],
                 osp.join(root, cls, name + '.avi'))
            lines.append(f'{name}.avi {kind} \n')
        for k in (1, 2, 3):
            with open(osp.join(ann, f'{cls}_test_split{k}.txt'), 'w') as f:
                f.writelines(lines)
    return root
