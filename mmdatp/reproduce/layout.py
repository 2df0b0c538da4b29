"""Read a dataset folder in its official layout into clips and a split.

Layouts (``DATA_ROOT`` is what ``tools/reproduce.py`` is given)::

    UCF101   DATA_ROOT/UCF-101/<Class>/v_<Class>_g<GG>_c<CC>.avi
             DATA_ROOT/ucfTrainTestlist/{classInd,trainlist0k,testlist0k}.txt
    HMDB51   DATA_ROOT/<class>/<video>.avi
             DATA_ROOT/testTrainMulti_7030_splits/<class>_test_split<k>.txt

Where UCF101's lists are missing, split k is derived from the group
numbers by the official rule (:func:`derive_ucf101_split`): groups
7(k-1)+1 .. 7k test, the other groups train, the classes being the sorted
class folders present; :attr:`DatasetLayout.derived` says so.

Names: MMAction2's list files are space-separated, so every class and
video gets a safe directory name (:func:`safe_name`) under which its
frames are written; names that are safe already (all of UCF101) are kept.

Bad input is collected, not raised one at a time: a class folder the lists
do not know, a listed video that is missing, a UCF101 file name without a
group number. :func:`read_layout` raises :class:`BadInputError` naming all
of them, or with ``skip_bad`` leaves them out and records why in
:attr:`DatasetLayout.skipped`.
"""
import hashlib
import os
import os.path as osp
import re
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

from mmdatp.datasets.preparation import (Split, VideoEntry, VideoJob,
                                         find_videos, parse_hmdb51_splits,
                                         parse_ucf101_splits)

#: datasets :func:`read_layout` knows
DATASETS = ('ucf101', 'hmdb51')
UCF101_VIDEOS = 'UCF-101'
UCF101_LISTS = 'ucfTrainTestlist'
HMDB51_LISTS = 'testTrainMulti_7030_splits'
#: UCF101 file names: v_<Class>_g<group>_c<clip>
UCF101_NAME = re.compile(r'^v_(?P<cls>.+)_g(?P<group>\d+)_c(?P<clip>\d+)$')
_UNSAFE = re.compile(r'[^A-Za-z0-9_.+-]')


class BadInputError(ValueError):
    """The dataset folder has problems; ``problems`` lists them all."""

    def __init__(self, problems: Sequence[str], hint: str = '') -> None:
        self.problems = list(problems)
        shown = '\n  '.join(self.problems[:20])
        more = len(self.problems) - 20
        super().__init__(
            f'{len(self.problems)} problem(s) with the input:\n  {shown}' +
            (f'\n  ... and {more} more' if more > 0 else '') +
            (f'\n{hint}' if hint else ''))


def safe_name(name: str) -> str:
    """A directory name without spaces or shell-special characters.

    Characters other than ``A-Z a-z 0-9 _ . + -`` become ``_``; a name
    that changed gets ``_`` and 6 hex digits of its SHA-1, so that two
    names differing only in such characters stay apart. Safe names are
    returned unchanged.

    Args:
        name (str): A class or video name (no directory separator).

    Returns:
        str: The safe name.
    """
    if not name or '/' in name:
        raise ValueError(f'safe_name: expected one path component, got '
                         f'{name!r}')
    safe = _UNSAFE.sub('_', name)
    if safe.startswith('.'):  # hidden names are skipped by the tools
        safe = '_' + safe[1:]
    if safe != name:
        safe += '_' + hashlib.sha1(name.encode('utf-8')).hexdigest()[:6]
    return safe


def ucf101_test_groups(split: int) -> range:
    """The groups split ``split`` (1..3) tests: 7(k-1)+1 .. 7k."""
    if split not in (1, 2, 3):
        raise ValueError(f'UCF101 has splits 1, 2, 3; got {split!r}')
    return range(7 * (split - 1) + 1, 7 * split + 1)


def derive_ucf101_split(videos: Sequence[str], classes: Sequence[str],
                        split: int) -> Tuple[Split, List[str]]:
    """UCF101's split ``split`` from the group numbers of the file names.

    Args:
        videos (Sequence[str]): ``<Class>/v_<Class>_g<GG>_c<CC>`` paths
            (without extension).
        classes (Sequence[str]): Class names in label order.
        split (int): 1, 2 or 3.

    Returns:
        tuple[Split, list[str]]: The split (entries in ``videos`` order)
        and the problems: videos whose name has no group number or names
        another class than its folder.
    """
    test = ucf101_test_groups(split)
    index = {c: i for i, c in enumerate(classes)}
    result, problems = Split(), []
    for video in videos:
        cls, _, stem = video.partition('/')
        m = UCF101_NAME.match(stem)
        if cls not in index:
            problems.append(f'{video}: class folder {cls!r} is not a class')
        elif m is None or m.group('cls') != cls:
            problems.append(
                f'{video}: expected the name v_{cls}_g<group>_c<clip> '
                '(the group decides the split)')
        else:
            subset = result.val if int(m.group('group')) in test \
                else result.train
            subset.append(VideoEntry(video, index[cls]))
    return result, problems


@dataclass
class Clip:
    """One video of the split.

    Attributes:
        src (str): The video file.
        name (str): Its original ``<class>/<video>`` (no extension).
        rel (str): Its safe ``<class>/<video>`` under the rawframes root.
        label (int): 0-based class index.
        subset (str): 'train' or 'val'.
    """
    src: str
    name: str
    rel: str
    label: int
    subset: str


@dataclass
class DatasetLayout:
    """A dataset folder read by :func:`read_layout`.

    Attributes:
        dataset (str): 'ucf101' or 'hmdb51'.
        split (int): The split number.
        classes (list[str]): Class names in label order.
        clips (list[Clip]): The videos of the split.
        derived (bool): The split was derived from UCF101's group numbers
            (the official lists are missing).
        skipped (list[str]): What ``skip_bad`` left out, and why.
    """
    dataset: str
    split: int
    classes: List[str]
    clips: List[Clip]
    derived: bool = False
    skipped: List[str] = field(default_factory=list)

    def jobs(self) -> List[VideoJob]:
        """The extraction jobs (video file -> safe directory)."""
        return [VideoJob(c.src, c.rel) for c in self.clips]

    def to_split(self, exclude: Sequence[str] = ()) -> Split:
        """The split with safe names, leaving out the ``rel``s given."""
        exclude = set(exclude)
        split = Split()
        for c in self.clips:
            if c.rel not in exclude:
                getattr(split, c.subset).append(VideoEntry(c.rel, c.label))
        return split

    def count(self, subset: str) -> int:
        """Number of clips of ``subset`` ('train' or 'val')."""
        return sum(c.subset == subset for c in self.clips)

    def describe(self) -> str:
        """One line: dataset, split, counts, and how the split was made."""
        how = ('derived from the group numbers (official lists missing: '
               f'groups {ucf101_test_groups(self.split)[0]}-'
               f'{ucf101_test_groups(self.split)[-1]} test)'
               if self.derived else 'official lists')
        return (f'{self.dataset} split {self.split} ({how}): '
                f'{len(self.classes)} classes, {self.count("train")} train '
                f'/ {self.count("val")} test clips' +
                (f', {len(self.skipped)} skipped' if self.skipped else ''))


def _class_dirs(root: str, ignore: Sequence[str] = ()) -> List[str]:
    return sorted(d for d in os.listdir(root)
                  if not d.startswith('.') and d not in ignore
                  and osp.isdir(osp.join(root, d)))


def read_layout(data_root: str,
                dataset: str,
                split: int = 1,
                skip_bad: bool = False) -> DatasetLayout:
    """Find the clips and the split of a dataset folder.

    Args:
        data_root (str): The folder (see the module doc for the layouts).
        dataset (str): 'ucf101' or 'hmdb51'.
        split (int): 1, 2 or 3. Defaults to 1.
        skip_bad (bool): Leave out what is wrong instead of raising.
            Defaults to False.

    Returns:
        DatasetLayout: The clips, classes and split.

    Raises:
        FileNotFoundError: If a folder of the layout is missing.
        BadInputError: If something is wrong and ``skip_bad`` is False.
    """
    if dataset not in DATASETS:
        raise ValueError(f'--dataset must be one of {list(DATASETS)}, got '
                         f'{dataset!r}')
    if not osp.isdir(data_root):
        raise FileNotFoundError(f'DATA_ROOT {data_root!r} does not exist')
    derived, problems = False, []
    if dataset == 'ucf101':
        video_root = osp.join(data_root, UCF101_VIDEOS)
        ann_dir = osp.join(data_root, UCF101_LISTS)
        if not osp.isdir(video_root):
            raise FileNotFoundError(
                f'UCF101 layout: {video_root!r} (UCF-101/<Class>/v_*.avi) '
                'does not exist')
        jobs = find_videos(video_root)
        if osp.isdir(ann_dir):
            classes, splits = parse_ucf101_splits(ann_dir, (split, ))
            lists = splits[split]
        else:
            derived = True
            classes = _class_dirs(video_root)
            lists, problems = derive_ucf101_split(
                [j.rel for j in jobs], classes, split)
    else:
        video_root, ann_dir = data_root, osp.join(data_root, HMDB51_LISTS)
        if not osp.isdir(ann_dir):
            raise FileNotFoundError(
                f'HMDB51 layout: {ann_dir!r} (<class>_test_split<k>.txt) '
                'does not exist')
        jobs = find_videos(video_root)
        jobs = [j for j in jobs if not j.rel.startswith(HMDB51_LISTS + '/')]
        classes, splits = parse_hmdb51_splits(ann_dir, (split, ))
        lists = splits[split]
    on_disk = {j.rel: j.src for j in jobs}
    for cls in _class_dirs(video_root, ignore=(HMDB51_LISTS, )):
        if cls not in classes:
            problems.append(f'class folder {osp.join(video_root, cls)!r} is '
                            'not in the lists')
    clips = []
    for subset in ('train', 'val'):
        for video, label in getattr(lists, subset):
            if video not in on_disk:
                problems.append(f'{video}: listed, but no video file under '
                                f'{video_root!r}')
                continue
            cls, _, stem = video.partition('/')
            rel = f'{safe_name(cls)}/{safe_name(stem)}'
            clips.append(Clip(on_disk[video], video, rel, label, subset))
    if problems and not skip_bad:
        raise BadInputError(problems, 'Fix them, or pass --skip-bad to '
                            'leave these out.')
    rels: Dict[str, str] = {}
    for c in clips:
        if c.rel in rels and rels[c.rel] != c.name:
            raise BadInputError([f'{rels[c.rel]!r} and {c.name!r} map to '
                                 f'the same directory {c.rel!r}'])
        rels[c.rel] = c.name
    if not any(c.subset == 'train' for c in clips) or \
            not any(c.subset == 'val' for c in clips):
        raise BadInputError([f'split {split} has no training or no testing '
                             f'clip under {video_root!r}'])
    return DatasetLayout(dataset, split, list(classes), clips, derived,
                         problems)
