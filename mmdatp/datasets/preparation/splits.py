"""Read the official train/test splits of HMDB51, UCF101 and Kinetics.

Every parser returns the class names (index = label, 0-based, as in
MMAction2's lists) and, per split number, the training and the testing
videos as :class:`VideoEntry` (path relative to the dataset root, without
extension, and label). The layouts are the official ones:

- HMDB51 (``test_train_splits.rar``): ``<class>_test_split<k>.txt`` for the
  51 classes and k = 1, 2, 3; lines ``<video>.avi <id>`` with id 1 for
  training, 2 for testing, 0 for unused (the video name may hold spaces:
  the id is the last field). Classes are sorted by name.
- UCF101 (``UCF101TrainTestSplits-RecognitionTask.zip``): ``classInd.txt``
  (``<1-based index> <class>``), ``trainlist0<k>.txt``
  (``<class>/<video>.avi <1-based index>``), ``testlist0<k>.txt``
  (``<class>/<video>.avi``).
- Kinetics-400: ``kinetics_train.csv`` / ``kinetics_val.csv`` (MMAction2's
  names) or ``train.csv`` / ``validate.csv`` (the original archive), with
  columns ``label,youtube_id,time_start,time_end,...``; a video is
  ``<class>/<youtube_id>_<start:06d>_<end:06d>``, the class directory being
  the label with spaces as underscores (as MMAction2's
  ``rename_classnames.sh`` leaves it). Classes are the sorted labels of the
  training csv; there is one split, its test part is the validation set.

Malformed input raises ``ValueError`` naming the file and line.
"""
import csv
import os
import os.path as osp
import re
from dataclasses import dataclass, field
from typing import Dict, List, NamedTuple, Sequence, Tuple

#: datasets this module knows, and their split numbers
DATASETS = {'hmdb51': (1, 2, 3), 'ucf101': (1, 2, 3), 'kinetics400': (1, )}

_HMDB51_SPLIT_FILE = re.compile(r'^(.+)_test_split([123])\.txt$')


class VideoEntry(NamedTuple):
    """One video of a split.

    Args:
        video (str): Path relative to the dataset root without extension:
            ``'<class>/<video>'`` (level 2) or ``'<video>'`` (level 1).
        label (int): 0-based class index.
    """
    video: str
    label: int


@dataclass
class Split:
    """The videos of one train/test split.

    Attributes:
        train (list[VideoEntry]): Training videos, in file order.
        val (list[VideoEntry]): Testing videos (MMAction2 calls its list
            ``val``).
    """
    train: List[VideoEntry] = field(default_factory=list)
    val: List[VideoEntry] = field(default_factory=list)


def _check_splits(dataset: str, splits: Sequence[int]) -> Tuple[int, ...]:
    allowed = DATASETS[dataset]
    splits = tuple(splits)
    if not splits or any(s not in allowed for s in splits):
        raise ValueError(f'{dataset} has splits {list(allowed)}, got '
                         f'{list(splits)}')
    return splits


def _check_level(level: int) -> None:
    if level not in (1, 2):
        raise ValueError(f'level must be 1 or 2, got {level!r}')


def _relpath(class_name: str, stem: str, level: int) -> str:
    return f'{class_name}/{stem}' if level == 2 else stem


def _read_lines(path: str,
                maxsplit: int = -1) -> List[Tuple[int, List[str]]]:
    """Non-blank lines of ``path`` as (1-based line number, fields);
    ``maxsplit`` >= 0 splits at the last whitespace only that often, so
    the first field may hold spaces (HMDB51's video names)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'annotation file {path!r} does not exist')
    with open(path, encoding='utf-8-sig') as f:
        return [(i, line.strip().rsplit(None, maxsplit))
                for i, line in enumerate(f, 1) if line.strip()]


def parse_hmdb51_splits(ann_dir: str,
                        splits: Sequence[int] = (1, 2, 3),
                        level: int = 2
                        ) -> Tuple[List[str], Dict[int, Split]]:
    """Read HMDB51's ``<class>_test_split<k>.txt`` files.

    Args:
        ann_dir (str): Directory holding the split files.
        splits (Sequence[int]): Split numbers to read. Defaults to all 3.
        level (int): 2 for ``<class>/<video>`` paths, 1 for ``<video>``.
            Defaults to 2.

    Returns:
        tuple[list[str], dict[int, Split]]: Sorted class names and the
        splits.
    """
    splits = _check_splits('hmdb51', splits)
    _check_level(level)
    if not osp.isdir(ann_dir):
        raise FileNotFoundError(f'HMDB51 annotation directory {ann_dir!r} '
                                'does not exist')
    files: Dict[int, Dict[str, str]] = {s: {} for s in (1, 2, 3)}
    for name in os.listdir(ann_dir):
        m = _HMDB51_SPLIT_FILE.match(name)
        if m:
            files[int(m.group(2))][m.group(1)] = osp.join(ann_dir, name)
    classes = sorted(files[splits[0]])
    if not classes:
        raise ValueError(f'no HMDB51 split file <class>_test_split'
                         f'{splits[0]}.txt in {ann_dir!r}')
    for s in splits:
        if sorted(files[s]) != classes:
            diff = sorted(set(classes) ^ set(files[s]))
            raise ValueError(f'{ann_dir}: split {s} and split {splits[0]} '
                             f'have different classes: {diff[:10]}')
    result = {}
    for s in splits:
        split = Split()
        for label, cls in enumerate(classes):
            path = files[s][cls]
            for lineno, fields in _read_lines(path, maxsplit=1):
                if len(fields) != 2 or fields[1] not in ('0', '1', '2'):
                    raise ValueError(
                        f'{path}, line {lineno}: expected "<video>.avi '
                        f'<0|1|2>" (1 train, 2 test, 0 unused), got '
                        f'{" ".join(fields)!r}')
                entry = VideoEntry(
                    _relpath(cls, osp.splitext(fields[0])[0], level), label)
                if fields[1] == '1':
                    split.train.append(entry)
                elif fields[1] == '2':
                    split.val.append(entry)
        if not split.train or not split.val:
            raise ValueError(f'{ann_dir}: split {s} has '
                             f'{len(split.train)} training and '
                             f'{len(split.val)} testing videos; both must '
                             'be non-empty')
        result[s] = split
    return classes, result


def parse_ucf101_splits(ann_dir: str,
                        splits: Sequence[int] = (1, 2, 3),
                        level: int = 2
                        ) -> Tuple[List[str], Dict[int, Split]]:
    """Read UCF101's ``classInd.txt``, ``trainlist0k.txt``, ``testlist0k.txt``.

    Args:
        ann_dir (str): Directory holding the three kinds of files.
        splits (Sequence[int]): Split numbers to read. Defaults to all 3.
        level (int): 2 for ``<class>/<video>`` paths, 1 for ``<video>``.
            Defaults to 2.

    Returns:
        tuple[list[str], dict[int, Split]]: Class names in ``classInd``
        order and the splits.
    """
    splits = _check_splits('ucf101', splits)
    _check_level(level)
    class_file = osp.join(ann_dir, 'classInd.txt')
    index: Dict[str, int] = {}
    for lineno, fields in _read_lines(class_file):
        if len(fields) != 2 or not fields[0].isdigit() or \
                int(fields[0]) != len(index) + 1 or fields[1] in index:
            raise ValueError(
                f'{class_file}, line {lineno}: expected "<index> <class>" '
                f'with index {len(index) + 1} and a new class, got '
                f'{" ".join(fields)!r}')
        index[fields[1]] = len(index)
    classes = list(index)

    def parse(path: str, with_label: bool) -> List[VideoEntry]:
        entries = []
        for lineno, fields in _read_lines(path):
            parts = fields[0].replace('\\', '/').split('/')
            ok = len(fields) == 2 if with_label else len(fields) in (1, 2)
            ok = ok and len(parts) == 2 and parts[0] in index
            if ok and len(fields) == 2:  # the label must match the class
                ok = fields[1].isdigit() and \
                    int(fields[1]) - 1 == index[parts[0]]
            if not ok:
                raise ValueError(
                    f'{path}, line {lineno}: expected "<class>/<video>.avi'
                    f'{" <class index>" if with_label else ""}" with a '
                    f'class of {class_file} (and its index), got '
                    f'{" ".join(fields)!r}')
            entries.append(
                VideoEntry(
                    _relpath(parts[0],
                             osp.splitext(parts[1])[0], level),
                    index[parts[0]]))
        if not entries:
            raise ValueError(f'{path} lists no video')
        return entries

    result = {}
    for s in splits:
        result[s] = Split(
            train=parse(osp.join(ann_dir, f'trainlist{s:02d}.txt'), True),
            val=parse(osp.join(ann_dir, f'testlist{s:02d}.txt'), False))
    return classes, result


def kinetics_class_dir(label: str) -> str:
    """The directory name of a Kinetics label (spaces as underscores)."""
    return label.replace('"', '').strip().replace(' ', '_')


def _find_csv(ann_dir: str, names: Sequence[str]) -> str:
    for name in names:
        path = osp.join(ann_dir, name)
        if osp.isfile(path):
            return path
    raise FileNotFoundError(f'none of {list(names)} in {ann_dir!r}')


def _read_kinetics_csv(path: str) -> List[Tuple[int, str, str]]:
    """Rows of a Kinetics csv as (line number, label, video id)."""
    with open(path, newline='', encoding='utf-8-sig') as f:
        reader = csv.DictReader(f)
        needed = ('label', 'youtube_id', 'time_start', 'time_end')
        missing = [c for c in needed if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f'{path}: the header must have the columns '
                             f'{list(needed)}; missing {missing} (header: '
                             f'{reader.fieldnames})')
        rows = []
        for row in reader:
            lineno = reader.line_num
            try:
                start = int(float(row['time_start']))
                end = int(float(row['time_end']))
            except (TypeError, ValueError):
                raise ValueError(
                    f'{path}, line {lineno}: time_start and time_end must '
                    f'be numbers, got {row["time_start"]!r}, '
                    f'{row["time_end"]!r}') from None
            label = (row['label'] or '').strip()
            if not label or not row['youtube_id']:
                raise ValueError(f'{path}, line {lineno}: empty label or '
                                 'youtube_id')
            rows.append((lineno, label,
                         f'{row["youtube_id"]}_{start:06d}_{end:06d}'))
    if not rows:
        raise ValueError(f'{path} lists no video')
    return rows


def parse_kinetics_splits(ann_dir: str,
                          splits: Sequence[int] = (1, ),
                          level: int = 2,
                          dataset: str = 'kinetics400'
                          ) -> Tuple[List[str], Dict[int, Split]]:
    """Read Kinetics' training and validation csv files.

    Args:
        ann_dir (str): Directory holding ``kinetics_train.csv`` and
            ``kinetics_val.csv`` (or ``train.csv`` and ``validate.csv``).
        splits (Sequence[int]): Only ``(1, )``. Defaults to ``(1, )``.
        level (int): 2 for ``<class>/<video>`` paths, 1 for ``<video>``.
            Defaults to 2.
        dataset (str): Only 'kinetics400' for now. Defaults to
            'kinetics400'.

    Returns:
        tuple[list[str], dict[int, Split]]: Sorted class directory names
        and ``{1: Split(train, val)}``.
    """
    if dataset != 'kinetics400':
        raise ValueError(f"dataset must be 'kinetics400', got {dataset!r}")
    _check_splits(dataset, splits)
    _check_level(level)
    train_csv = _find_csv(ann_dir, ('kinetics_train.csv', 'train.csv'))
    val_csv = _find_csv(ann_dir,
                        ('kinetics_val.csv', 'validate.csv', 'val.csv'))
    train_rows = _read_kinetics_csv(train_csv)
    classes = sorted({kinetics_class_dir(r[1]) for r in train_rows})
    index = {c: i for i, c in enumerate(classes)}

    def entries(path: str, rows) -> List[VideoEntry]:
        out = []
        for lineno, label, vid in rows:
            cls = kinetics_class_dir(label)
            if cls not in index:
                raise ValueError(f'{path}, line {lineno}: label {label!r} '
                                 f'is not a class of {train_csv}')
            out.append(VideoEntry(_relpath(cls, vid, level), index[cls]))
        return out

    split = Split(
        train=entries(train_csv, train_rows),
        val=entries(val_csv, _read_kinetics_csv(val_csv)))
    return classes, {1: split}


def parse_splits(dataset: str,
                 ann_dir: str,
                 splits: Sequence[int] = None,
                 level: int = 2) -> Tuple[List[str], Dict[int, Split]]:
    """Dispatch to the parser of ``dataset``.

    Args:
        dataset (str): 'hmdb51', 'ucf101' or 'kinetics400'.
        ann_dir (str): Its annotation directory.
        splits (Sequence[int], optional): Split numbers; defaults to all
            the dataset has.
        level (int): 1 or 2. Defaults to 2.

    Returns:
        tuple[list[str], dict[int, Split]]: Class names and splits.
    """
    if dataset not in DATASETS:
        raise ValueError(f'dataset must be one of {list(DATASETS)}, got '
                         f'{dataset!r}')
    if splits is None:
        splits = DATASETS[dataset]
    parser = {
        'hmdb51': parse_hmdb51_splits,
        'ucf101': parse_ucf101_splits,
        'kinetics400': parse_kinetics_splits,
    }[dataset]
    return parser(ann_dir, splits, level)
