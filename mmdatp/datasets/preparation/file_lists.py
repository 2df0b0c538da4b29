"""Write MMAction2 annotation lists for the videos or extracted frames.

Three formats, one line per video:

- ``videos`` (``VideoDataset``): ``<class>/<video>.<ext> <label>``
- ``rawframes`` (``RawframeDataset``, RGB): ``<class>/<video> <F> <label>``
  with F the number of ``img_*.jpg`` frames
- ``flow`` (``RawframeDataset(modality='Flow')``):
  ``<class>/<video> <F-1> <label>``, the number of ``x_*.jpg`` (= ``y_*``)
  flow frames. With ``start_index=1`` every sampled index ``1..F-1`` then
  names an existing pair (an RGB count, as MMAction2's list builder writes
  for both modalities, would make the last index point past the flow).

File names follow MMAction2's ``tools/data/build_file_list.py``:
``<dataset>_{train,val}_split_<k>_<format>.txt`` (HMDB51, UCF101) and
``<dataset>_{train,val}_list_<format>.txt`` (Kinetics). ``<dataset>_classes
.txt`` holds the class names, one per line in label order (what
``--class-names`` of the analysis tools reads).

Frame counts come from the completion marker written by
:func:`~mmdatp.datasets.preparation.extract.extract_videos` when there is
one (only complete video directories exist), else from counting files
(directories written by other tools such as denseflow).
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from mmdatp.utils.fileio import atomic_open
from .rawframe_dir import MODALITY_PREFIXES, read_marker
from .splits import Split, VideoEntry

#: the list formats
LIST_FORMATS = ('videos', 'rawframes', 'flow')


def list_file_name(dataset: str, subset: str, split: int, fmt: str) -> str:
    """MMAction2's name of a list file.

    Args:
        dataset (str): e.g. 'hmdb51'.
        subset (str): 'train' or 'val'.
        split (int): Split number.
        fmt (str): One of :data:`LIST_FORMATS`.

    Returns:
        str: e.g. ``'hmdb51_train_split_1_flow.txt'``.
    """
    if fmt not in LIST_FORMATS:
        raise ValueError(f'format must be one of {LIST_FORMATS}, got '
                         f'{fmt!r}')
    if dataset.startswith('kinetics'):
        return f'{dataset}_{subset}_list_{fmt}.txt'
    return f'{dataset}_{subset}_split_{split}_{fmt}.txt'


def count_frames(video_dir: str, modality: str) -> int:
    """Number of RGB frames or flow pairs in a rawframes video directory.

    Args:
        video_dir (str): e.g. ``rawframes/<class>/<video>``.
        modality (str): 'rgb' (``img_*.jpg``) or 'flow' (``x_*.jpg``, which
            must be as many as ``y_*.jpg``).

    Returns:
        int: The count; 0 if the directory or its frames are missing.
    """
    if modality not in MODALITY_PREFIXES:
        raise ValueError(f"modality must be 'rgb' or 'flow', got "
                         f'{modality!r}')
    if not osp.isdir(video_dir):
        return 0
    marker = read_marker(video_dir)
    if marker is not None and isinstance(marker.get(modality), dict):
        return int(marker[modality]['count'])
    counts = {p: 0 for p in MODALITY_PREFIXES[modality]}
    for name in os.listdir(video_dir):
        for prefix in counts:
            if name.startswith(prefix) and name.endswith('.jpg'):
                counts[prefix] += 1
    if len(set(counts.values())) != 1:
        raise ValueError(f'{video_dir}: different numbers of flow frames '
                         f'per component {counts}; re-extract this video')
    return next(iter(counts.values()))


def _index_videos(root: str, level: int) -> Dict[str, str]:
    """``<class>/<stem>`` -> ``<class>/<file>`` for the files under root."""
    index: Dict[str, str] = {}
    dirs = [''] if level == 1 else sorted(
        d for d in os.listdir(root) if osp.isdir(osp.join(root, d)))
    for d in dirs:
        for name in os.listdir(osp.join(root, d)):
            if name.startswith('.'):
                continue
            rel = f'{d}/{name}' if d else name
            index.setdefault(osp.splitext(rel)[0], rel)
    return index


def make_list_lines(entries: Sequence[VideoEntry],
                    root: str,
                    fmt: str,
                    level: int = 2,
                    index: Optional[Dict[str, str]] = None
                    ) -> Tuple[List[str], List[str]]:
    """Format the list lines of ``entries`` found under ``root``.

    Args:
        entries (Sequence[VideoEntry]): The videos of a subset.
        root (str): The videos directory (``videos``) or the rawframes
            directory (``rawframes``, ``flow``).
        fmt (str): One of :data:`LIST_FORMATS`.
        level (int): Directory levels of ``root`` (1 or 2). Defaults to 2.
        index (dict, optional): Precomputed ``_index_videos(root)`` for
            ``videos``.

    Returns:
        tuple[list[str], list[str]]: The lines (with newline) and the
        videos that are missing (no file / no frames).
    """
    if fmt not in LIST_FORMATS:
        raise ValueError(f'format must be one of {LIST_FORMATS}, got '
                         f'{fmt!r}')
    lines, missing = [], []
    if fmt == 'videos':
        if index is None:
            index = _index_videos(root, level)
        for video, label in entries:
            if video in index:
                lines.append(f'{index[video]} {label}\n')
            else:
                missing.append(video)
        return lines, missing
    modality = 'rgb' if fmt == 'rawframes' else 'flow'
    for video, label in entries:
        num = count_frames(osp.join(root, video), modality)
        if num > 0:
            lines.append(f'{video} {num} {label}\n')
        else:
            missing.append(video)
    return lines, missing


def write_file_lists(dataset: str,
                     classes: Sequence[str],
                     splits: Dict[int, Split],
                     root: str,
                     out_dir: str,
                     formats: Sequence[str] = ('rawframes', 'flow'),
                     level: int = 2,
                     skip_missing: bool = False,
                     val_root: Optional[str] = None) -> Dict[str, list]:
    """Write the train/val lists of every split and format.

    Args:
        dataset (str): Dataset name used in the file names.
        classes (Sequence[str]): Class names in label order.
        splits (dict[int, Split]): From :func:`parse_splits`.
        root (str): Videos or rawframes directory the lists refer to.
        out_dir (str): Where the lists go.
        formats (Sequence[str]): Some of :data:`LIST_FORMATS`. Defaults to
            ``('rawframes', 'flow')``.
        level (int): Directory levels of ``root``. Defaults to 2.
        skip_missing (bool): Leave out videos that are not under ``root``
            (e.g. failed extractions) instead of raising. Defaults to
            False.
        val_root (str, optional): Where the testing videos are, when not
            under ``root`` (Kinetics' ``videos_val``). Defaults to None.

    Returns:
        dict: ``{'written': [paths], 'missing': {video: [formats]}}``, the
        videos left out and the formats they lack.
    """
    roots = {'train': root, 'val': val_root or root}
    for path in set(roots.values()):
        if not osp.isdir(path):
            raise FileNotFoundError(f'data root {path!r} does not exist')
    indexes = {
        subset: _index_videos(path, level) if 'videos' in formats else None
        for subset, path in roots.items()
    }
    outputs: List[Tuple[str, List[str]]] = []
    missing_all: Dict[str, List[str]] = {}
    for fmt in formats:
        for num, split in sorted(splits.items()):
            for subset in ('train', 'val'):
                lines, missing = make_list_lines(
                    getattr(split, subset), roots[subset], fmt, level,
                    indexes[subset])
                for video in missing:
                    fmts = missing_all.setdefault(video, [])
                    if fmt not in fmts:
                        fmts.append(fmt)
                outputs.append(
                    (osp.join(out_dir,
                              list_file_name(dataset, subset, num,
                                             fmt)), lines))
    if missing_all and not skip_missing:
        names = [f'{v} ({", ".join(f)})' for v, f in missing_all.items()]
        raise FileNotFoundError(
            f'{len(names)} videos of the splits are missing under '
            f'{" or ".join(sorted(set(roots.values())))} '
            f'(first: {names[:10]}); extract them, or pass skip_missing '
            '(--skip-missing) to write the lists without them')
    written = []
    for path, lines in outputs:
        with atomic_open(path, 'w', encoding='utf-8') as f:
            f.writelines(lines)
        written.append(path)
    class_file = osp.join(out_dir, f'{dataset}_classes.txt')
    with atomic_open(class_file, 'w', encoding='utf-8') as f:
        f.write(''.join(f'{c}\n' for c in classes))
    written.append(class_file)
    return {'written': written, 'missing': missing_all}
