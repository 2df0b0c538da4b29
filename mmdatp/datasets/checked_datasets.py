"""VideoDataset / RawframeDataset that name the bad file, or skip it.

MMAction2's datasets fail on a bad annotation list or video with errors that
do not say which one (``ValueError: not enough values to unpack``, decord's
``DECORDError`` deep inside a dataloader worker). These subclasses:

- check every annotation line when the list is read and raise a
  ``ValueError`` naming the list file, the line number and the expected
  format;
- check that every listed video file / frame directory exists, and either
  raise a ``FileNotFoundError`` naming them (``on_bad_video='raise'``) or
  drop them with a warning (``'skip'``);
- wrap loading a sample: a corrupt or unreadable video raises a
  ``RuntimeError`` naming the file and the list, or in training with
  ``'skip'`` is logged as a warning and replaced by another sample (mmengine
  refetches a random index when a sample is ``None``). In test mode a
  sample that cannot be loaded is always an error, since skipping it would
  silently change the metric;
- refuse an empty list (MMAction2: "need at least one array to
  concatenate") and remember each entry's line (``ann_line``), so that
  :func:`check_labels` can name the line of a label the model cannot
  predict.
"""
import os.path as osp
from typing import Dict, List, Optional

from mmaction.datasets import RawframeDataset, VideoDataset
from mmaction.registry import DATASETS
from mmengine.dataset import BaseDataset
from mmengine.fileio import list_from_file
from mmengine.logging import print_log

ON_BAD_VIDEO = ('raise', 'skip')


def check_labels(dataset: BaseDataset, num_classes: int,
                 max_shown: int = 5) -> None:
    """Raise unless every label of ``dataset`` is in ``[0, num_classes)``.

    MMAction2 does not compare a list's labels with the model: testing
    counts a label of 99 as a wrong prediction of a 5-class model and
    prints an accuracy, training fails with "IndexError: Target 99 is out
    of bounds" naming neither the list nor the line.

    Args:
        dataset (BaseDataset): A built dataset whose data infos have
            ``label`` (an int, or a list of ints for multi-class lists);
            entries of the checked datasets also carry their line
            (``ann_line``), others are named by entry number.
        num_classes (int): The model's number of classes.
        max_shown (int): Bad lines quoted in the message. Defaults to 5.

    Raises:
        ValueError: Naming the annotation file, the lines, their labels and
            the allowed range.
    """
    bad = []
    for i in range(len(dataset)):
        # BaseDataset's, not BaseActionDataset's (which one-hot encodes
        # multi-class labels)
        info = BaseDataset.get_data_info(dataset, i)
        label = info.get('label')
        if label is None:
            continue
        labels = [label] if isinstance(label, int) else list(label)
        wrong = [int(x) for x in labels if not 0 <= int(x) < num_classes]
        if wrong:
            where = f'line {info["ann_line"]}' if 'ann_line' in info \
                else f'entry {i + 1}'
            path = info.get('filename', info.get('frame_dir'))
            if path is not None:
                where += f' ({osp.basename(str(path))})'
            shown_label = wrong[0] if len(wrong) == 1 else wrong
            bad.append(f'{where}: label {shown_label}' +
                       (' (no label on the line)' if wrong == [-1] else ''))
    if bad:
        shown = '; '.join(bad[:max_shown]) + ('; ...' if len(bad) > max_shown
                                              else '')
        raise ValueError(
            f'{getattr(dataset, "ann_file", type(dataset).__name__)}: '
            f'{len(bad)} of {len(dataset)} entries have a label outside the '
            f"model's classes 0..{num_classes - 1} (num_classes="
            f'{num_classes}): {shown}. Fix the list, or set the model\'s '
            'cls_head.num_classes to the number of classes of the dataset')


class _CheckedMixin:
    """What both checked datasets share; see the module docstring."""

    #: the list's format, for error messages
    line_format = ''
    #: the sample key that holds the video's path
    path_key = ''

    def _init_checks(self, on_bad_video: str) -> None:
        if on_bad_video not in ON_BAD_VIDEO:
            raise ValueError(f'{type(self).__name__}: on_bad_video must be '
                             f'one of {ON_BAD_VIDEO}, got {on_bad_video!r}')
        self.on_bad_video = on_bad_video
        self.skipped: List[str] = []

    def _check_lines(self, min_fields: int) -> None:
        """Validate every line of the annotation list before parsing: at
        least ``min_fields`` fields (one more, the label, at most unless
        multi-class), all integers after the path."""
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'{type(self).__name__}: annotation list {self.ann_file!r} '
                'does not exist')
        delimiter = getattr(self, 'delimiter', ' ')
        lines = list_from_file(self.ann_file)
        if not any(line.strip() for line in lines):
            raise ValueError(
                f'{type(self).__name__}: annotation list {self.ann_file} is '
                f'empty; expected one "{self.line_format}" per line')
        for n, line in enumerate(lines, 1):
            fields = line.split() if delimiter in (' ', None) else \
                line.strip().split(delimiter)
            bad = len(fields) < min_fields or (
                not self.multi_class and len(fields) > min_fields + 1) or \
                not all(f.lstrip('-').isdigit() for f in fields[1:])
            if bad:
                raise ValueError(
                    f'{self.ann_file}, line {n}: expected '
                    f'"{self.line_format}", got {line!r}')

    def _number_lines(self, data_list: List[Dict]) -> List[Dict]:
        """Add ``ann_line``: entries and lines correspond one to one."""
        for n, info in enumerate(data_list, 1):
            info['ann_line'] = n
        return data_list

    def filter_data(self) -> List[Dict]:
        """Drop (or reject) entries whose video does not exist."""
        data_list = super().filter_data()
        missing = [(i, info[self.path_key]) for i, info in enumerate(data_list)
                   if not osp.exists(info[self.path_key])]
        if not missing:
            return data_list
        if len(missing) == len(data_list):
            raise FileNotFoundError(
                f'{self.ann_file}: none of the {len(data_list)} listed videos '
                f'exist (first: {missing[0][1]}); is data_prefix right?')
        shown = ', '.join(f'line {i + 1}: {p}' for i, p in missing[:5])
        if self.on_bad_video == 'raise':
            raise FileNotFoundError(
                f'{self.ann_file}: {len(missing)} of {len(data_list)} listed '
                f'videos do not exist ({shown}{", ..." * (len(missing) > 5)})'
                "; fix the list or set on_bad_video='skip'")
        print_log(
            f'{self.ann_file}: skipping {len(missing)} missing videos '
            f'({shown}{", ..." * (len(missing) > 5)})',
            logger='current',
            level=30)
        self.skipped += [p for _, p in missing]
        gone = {i for i, _ in missing}
        return [info for i, info in enumerate(data_list) if i not in gone]

    def prepare_data(self, idx: int) -> Optional[Dict]:
        """The pipeline's output; on failure an error naming the video, or
        None (skip) in training with ``on_bad_video='skip'``."""
        try:
            return super().prepare_data(idx)
        except Exception as e:  # noqa: BLE001  any decoder/transform error
            path = self.get_data_info(idx).get(self.path_key, '?')
            if self.on_bad_video == 'raise' or self.test_mode:
                raise RuntimeError(
                    f'cannot load video {path} (entry {idx + 1} of '
                    f'{self.ann_file}): {type(e).__name__}: {e}') from e
            print_log(
                f'skipping unreadable video {path} (entry {idx + 1} of '
                f'{self.ann_file}): {type(e).__name__}: {e}',
                logger='current',
                level=30)
            self.skipped.append(path)
            return None


@DATASETS.register_module()
class CheckedVideoDataset(_CheckedMixin, VideoDataset):
    """``VideoDataset`` with line checks and bad-video handling.

    Args:
        on_bad_video (str): ``'raise'`` (default) or ``'skip'``; see the
            module docstring.
        **kwargs: The arguments of :class:`mmaction.datasets.VideoDataset`.
    """

    line_format = '<video path> <label>'
    path_key = 'filename'

    def __init__(self, *args, on_bad_video: str = 'raise', **kwargs) -> None:
        self._init_checks(on_bad_video)
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[Dict]:
        self._check_lines(1)
        return self._number_lines(super().load_data_list())


@DATASETS.register_module()
class CheckedRawframeDataset(_CheckedMixin, RawframeDataset):
    """``RawframeDataset`` with line checks and bad-video handling.

    Args:
        on_bad_video (str): ``'raise'`` (default) or ``'skip'``; see the
            module docstring.
        **kwargs: The arguments of :class:`mmaction.datasets.RawframeDataset`.
    """

    line_format = '<frame dir> <total frames> <label>'
    path_key = 'frame_dir'

    def __init__(self, *args, on_bad_video: str = 'raise', **kwargs) -> None:
        self._init_checks(on_bad_video)
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[Dict]:
        first = 3 if self.with_offset else 2
        self._check_lines(first)
        return self._number_lines(super().load_data_list())
