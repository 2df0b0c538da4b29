"""One video's rawframes directory: its layout, its completion marker and
its atomic, resumable writing (:func:`extract_video`).

Output layout (MMAction2's rawframes, what ``RawframeDataset`` reads)::

    out_dir/<class>/<video>/img_00001.jpg ... img_{F}.jpg        RGB
    out_dir/<class>/<video>/x_00001.jpg ... x_{F-1}.jpg          flow x
    out_dir/<class>/<video>/y_00001.jpg ... y_{F-1}.jpg          flow y
    out_dir/<class>/<video>/.mmdatp_done.json                    marker

(``level=1``: no ``<class>`` level.) A video of F frames gives F RGB
frames and F-1 flow pairs, flow pair k between frames k and k+1.

Resumability: a video is written into ``<class>/.<video>.tmp`` and renamed
to ``<class>/<video>`` only once all its frames and its marker are there,
so a video directory that exists is complete; a killed run leaves at most a
``.tmp`` directory, which the next run deletes. The marker records, per
modality, the frame count and the settings used (resize, flow type, bound,
``max_frames``, JPEG quality); a rerun skips every video whose marker has
the requested modalities with the requested settings, and redoes only what
is missing or different. Adding a modality later (``task='rgb'``, then
``'flow'``) hard-links the existing frames into the new ``.tmp`` directory,
then swaps the two directories (``.<video>.old`` holds the previous one for
the instant between the two renames and is restored by the next run if the
process dies there). A directory without a marker (e.g. written by another
tool) is not trusted and is replaced. Do not run two extractions into the
same ``out_dir`` at the same time.
"""
import json
import os
import os.path as osp
import shutil
from typing import List, Optional, Sequence, Tuple

from mmdatp.utils.fileio import atomic_open
from .decode_write import _decode_and_write, _decode_and_write_batched
from .extract_spec import ExtractSpec
from .flow import TorchFlow

#: file names of each modality start with these prefixes
MODALITY_PREFIXES = {'rgb': ('img_', ), 'flow': ('x_', 'y_')}
#: the completion marker inside every finished video directory
MARKER = '.mmdatp_done.json'


def _side_paths(final: str) -> Tuple[str, str]:
    """The ``.tmp`` and ``.old`` siblings of a video directory."""
    parent, name = osp.split(osp.normpath(final))
    return osp.join(parent, f'.{name}.tmp'), osp.join(parent, f'.{name}.old')


def read_marker(video_dir: str) -> Optional[dict]:
    """The completion marker of a video directory, or None if absent.

    Args:
        video_dir (str): A video's output directory.

    Returns:
        dict, optional: ``{'source': ..., 'rgb': {'count', 'settings'},
        'flow': {...}}`` (modalities present only).
    """
    path = osp.join(video_dir, MARKER)
    if not osp.isfile(path):
        return None
    try:
        with open(path) as f:
            marker = json.load(f)
    except (OSError, ValueError):
        return None  # unreadable: the directory is redone
    return marker if isinstance(marker, dict) else None


def recover(video_dir: str) -> int:
    """Clean up after an interrupted run for one video directory.

    Deletes ``.<video>.tmp``; restores ``.<video>.old`` if the process died
    between the two renames of a swap, else deletes it.

    Args:
        video_dir (str): The video's final output directory.

    Returns:
        int: Number of stale directories handled.
    """
    tmp, old = _side_paths(video_dir)
    num = 0
    if osp.lexists(tmp):
        shutil.rmtree(tmp, ignore_errors=True)
        num += 1
    if osp.lexists(old):
        if not osp.lexists(video_dir):
            os.rename(old, video_dir)
        else:
            shutil.rmtree(old, ignore_errors=True)
        num += 1
    return num


def needed_modalities(video_dir: str, spec: ExtractSpec) -> Tuple[str, ...]:
    """The modalities of ``spec`` that ``video_dir`` lacks or has with
    other settings (empty: the video is done).

    Args:
        video_dir (str): The video's final output directory.
        spec (ExtractSpec): What is asked for.

    Returns:
        tuple[str, ...]: Subset of ``spec.modalities``.
    """
    marker = read_marker(video_dir) or {}
    return tuple(m for m in spec.modalities
                 if not isinstance(marker.get(m), dict)
                 or marker[m].get('settings') != spec.settings(m))


def _modality_files(video_dir: str, modality: str) -> List[str]:
    prefixes = MODALITY_PREFIXES[modality]
    return [
        n for n in os.listdir(video_dir)
        if n.startswith(prefixes) and n.endswith('.jpg')
    ]


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def extract_video(src: str,
                  video_dir: str,
                  spec: ExtractSpec,
                  modalities: Optional[Sequence[str]] = None,
                  torch_flow: Optional[TorchFlow] = None,
                  batch_size: int = 32,
                  threads: int = 1) -> dict:
    """Extract one video atomically into ``video_dir``.

    Args:
        src (str): The video file.
        video_dir (str): Its output directory (created or replaced).
        spec (ExtractSpec): What to extract.
        modalities (Sequence[str], optional): The modalities to (re)compute;
            defaults to :func:`needed_modalities`. Modalities the existing
            directory has and that are not recomputed are kept.
        torch_flow (TorchFlow, optional): The torch backend's flow, needed
            when ``spec.flow_backend`` is 'torch' and flow is computed.
        batch_size (int): Frame pairs per batch of the torch backend.
            Defaults to 32.
        threads (int): JPEG writing threads of the torch backend.
            Defaults to 1.

    Returns:
        dict: The marker written (counts and settings per modality).
    """
    if modalities is None:
        modalities = needed_modalities(video_dir, spec)
    batched = spec.flow_backend == 'torch' and 'flow' in modalities
    if batched and torch_flow is None:
        raise ValueError("flow_backend 'torch' needs torch_flow (a "
                         'TorchFlow)')
    tmp, old = _side_paths(video_dir)
    os.makedirs(osp.dirname(tmp), exist_ok=True)
    if osp.lexists(tmp):
        shutil.rmtree(tmp)
    os.mkdir(tmp)
    try:
        if batched:
            counts = _decode_and_write_batched(src, tmp, spec, modalities,
                                               torch_flow, batch_size,
                                               threads)
        else:
            counts = _decode_and_write(src, tmp, spec, modalities)
        previous = read_marker(video_dir) or {}
        marker = {'source': osp.abspath(src)}
        for m in ('rgb', 'flow'):
            if m in modalities:
                marker[m] = dict(count=counts[m], settings=spec.settings(m))
            elif isinstance(previous.get(m), dict):
                # keep what the directory has (e.g. RGB when adding flow)
                names = _modality_files(video_dir, m)
                expected = previous[m].get('count', -1) * len(
                    MODALITY_PREFIXES[m])
                if len(names) != expected:
                    continue  # damaged: drop it rather than keep it
                for name in names:
                    _link_or_copy(
                        osp.join(video_dir, name), osp.join(tmp, name))
                marker[m] = previous[m]
        with atomic_open(osp.join(tmp, MARKER), 'w') as f:
            json.dump(marker, f, indent=1)  # mode as open() (the umask)
        if osp.lexists(video_dir):
            if osp.lexists(old):
                shutil.rmtree(old)
            os.rename(video_dir, old)
            os.rename(tmp, video_dir)
            shutil.rmtree(old)
        else:
            os.rename(tmp, video_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return marker
