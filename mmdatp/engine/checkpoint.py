"""Check a checkpoint against a model, and initialise DATP from plain TSN.

mmengine loads ``load_from`` non-strictly: a checkpoint trained for another
number of classes, or for another head, loads with a warning in the log and
the model silently keeps random weights where the shapes differ. For
testing, :func:`check_checkpoint` turns that into an error; for
fine-tuning, :func:`load_tsn_checkpoint` loads a plain TSN checkpoint into a
DATP model and reports exactly which parameters were new.
:func:`check_checkpoint_file` names an empty, truncated or foreign file
before torch fails on it with a bare ``EOFError`` or a miniz error.
"""
import os
import os.path as osp
import zipfile
from typing import Dict, Iterable, List, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.model import is_model_wrapper
from mmengine.runner.checkpoint import _load_checkpoint

#: What a DATP model has and a plain TSN checkpoint has not
DATP_NEW_PREFIXES = ('cls_head.aux_net.', 'cls_head.weight_generator.')
CLASSIFIER_PREFIX = 'cls_head.fc_cls.'


def check_checkpoint_file(filename: str) -> None:
    """Raise if a local checkpoint file cannot be a whole torch checkpoint.

    Cheap (no tensor is read): the file must exist and be non-empty; a zip
    checkpoint (torch's format since 1.6) must have its central directory,
    which sits at the end of the file, so a truncated copy is caught; other
    files must start like a pickle (torch's legacy format). URLs and other
    non-local names are left to mmengine.

    Args:
        filename (str): The checkpoint.

    Raises:
        FileNotFoundError: If a local file does not exist.
        ValueError: If it is empty, a truncated zip or not a checkpoint; the
            message names the file and what was expected.
    """
    if '://' in str(filename):
        return
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} does not exist')
    size = os.path.getsize(filename)
    expected = ('expected a torch checkpoint (torch.save / mmengine '
                'CheckpointHook output)')
    if size == 0:
        raise ValueError(f'checkpoint {filename} is empty (0 bytes); '
                         f'{expected}; was the download or save cut off?')
    with open(filename, 'rb') as f:
        magic = f.read(4)
    if magic == b'PK\x03\x04':
        try:
            with zipfile.ZipFile(filename):
                pass
        except (zipfile.BadZipFile, OSError) as e:
            raise ValueError(
                f'checkpoint {filename} is truncated or damaged ({size} '
                f'bytes; its zip directory is unreadable: {e}); {expected}'
                '; download or copy it again') from e
    elif magic[:1] != b'\x80':  # pickle protocol 2+ (legacy torch.save)
        raise ValueError(f'checkpoint {filename} is not a torch checkpoint '
                         f'(it starts with {magic!r}); {expected}')


def read_state_dict(filename: str) -> Dict[str, torch.Tensor]:
    """The ``state_dict`` of an mmengine/MMAction2 checkpoint (or of a bare
    state dict), without DDP's ``module.`` prefix.

    Args:
        filename (str): Local path or URL mmengine can read.

    Returns:
        dict[str, torch.Tensor]: Parameter and buffer tensors by name.

    Raises:
        ValueError: If the file is empty, truncated or not a checkpoint
            (see :func:`check_checkpoint_file`), or torch cannot read it;
            the message names the file.
    """
    check_checkpoint_file(filename)
    try:
        ckpt = _load_checkpoint(filename, map_location='cpu')
    except (EOFError, OSError, RuntimeError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise ValueError(
            f'cannot read checkpoint {filename} (truncated or damaged?): '
            f'{type(e).__name__}: {e}') from e
    if not isinstance(ckpt, dict):
        raise ValueError(f'{filename}: expected a checkpoint dict, got '
                         f'{type(ckpt).__name__}')
    state = ckpt.get('state_dict', ckpt)
    return {
        (k[len('module.'):] if k.startswith('module.') else k): v
        for k, v in state.items() if isinstance(v, torch.Tensor)
    }


def _unwrap(model: nn.Module) -> nn.Module:
    return model.module if is_model_wrapper(model) else model


def _starts(key: str, prefixes: Iterable[str]) -> bool:
    return any(key.startswith(p) for p in prefixes)


def compare_state_dicts(
        model_state: Dict[str, torch.Tensor],
        ckpt_state: Dict[str, torch.Tensor]) -> Dict[str, List]:
    """Sort the keys of a model and a checkpoint.

    Returns:
        dict: ``loadable`` (same name and shape), ``missing`` (model only),
        ``unexpected`` (checkpoint only) and ``mismatched`` (same name,
        other shape: ``(key, checkpoint shape, model shape)`` tuples); all
        sorted.
    """
    loadable, mismatched = [], []
    for key in sorted(set(model_state) & set(ckpt_state)):
        a, b = tuple(ckpt_state[key].shape), tuple(model_state[key].shape)
        if a == b:
            loadable.append(key)
        else:
            mismatched.append((key, a, b))
    return dict(
        loadable=loadable,
        missing=sorted(set(model_state) - set(ckpt_state)),
        unexpected=sorted(set(ckpt_state) - set(model_state)),
        mismatched=mismatched)


def _mismatch_message(filename: str,
                      mismatched: Sequence[Tuple]) -> str:
    lines = [
        f'  {k}: checkpoint {list(a)}, model {list(b)}'
        for k, a, b in mismatched
    ]
    msg = f'{filename} does not fit the model; shapes differ:\n' + \
        '\n'.join(lines)
    fc = [m for m in mismatched if m[0] == CLASSIFIER_PREFIX + 'weight']
    if fc:
        msg += (f'\nThe checkpoint classifies {fc[0][1][0]} classes and the '
                f'model {fc[0][2][0]} (cls_head.num_classes). Test with the '
                'config the checkpoint was trained with; to fine-tune on '
                'another label set, drop the classifier '
                f"(drop_prefixes=('{CLASSIFIER_PREFIX}',)).")
    return msg


def _require_fit(model_state: Dict[str, torch.Tensor],
                 ckpt_state: Dict[str, torch.Tensor], filename: str,
                 allow_missing: Sequence[str], problem: str) -> Dict[str, List]:
    """:func:`compare_state_dicts`, raising unless the shapes agree, the
    checkpoint has no key the model lacks and the model lacks only keys
    under ``allow_missing``; ``problem`` says what a misfit means."""
    found = compare_state_dicts(model_state, ckpt_state)
    if found['mismatched']:
        raise ValueError(_mismatch_message(filename, found['mismatched']))
    missing = [k for k in found['missing'] if not _starts(k, allow_missing)]
    if missing or found['unexpected']:
        raise ValueError(
            f'{filename} {problem}: {len(missing)} model keys missing from it'
            f' outside {list(allow_missing)} (first: {missing[:8]}), '
            f'{len(found["unexpected"])} checkpoint keys the model lacks '
            f'(first: {found["unexpected"][:8]})')
    return found


def check_checkpoint(model: nn.Module,
                     filename: str,
                     allow_missing: Sequence[str] = ()) -> Dict[str, List]:
    """Raise unless ``filename`` fits ``model`` exactly.

    Args:
        model (nn.Module): The (possibly DDP-wrapped) model.
        filename (str): The checkpoint.
        allow_missing (Sequence[str]): Prefixes of model keys the checkpoint
            may lack (e.g. the aux net of a DATP head tested with average
            pooling on a plain TSN checkpoint). Defaults to ().

    Returns:
        dict: What :func:`compare_state_dicts` found.

    Raises:
        ValueError: On a shape mismatch (with the class counts when the
            classifier differs), on keys the model lacks, or on model keys
            missing from the checkpoint outside ``allow_missing``.
    """
    return _require_fit(
        _unwrap(model).state_dict(), read_state_dict(filename), filename,
        allow_missing, 'does not fit the model (wrong config?)')


def load_tsn_checkpoint(
        model: nn.Module,
        filename: str,
        new_prefixes: Sequence[str] = DATP_NEW_PREFIXES,
        drop_prefixes: Sequence[str] = ()) -> Dict[str, List[str]]:
    """Initialise a DATP model from a plain TSN checkpoint.

    The backbone and ``cls_head.fc_cls`` load; the parameters under
    ``new_prefixes`` (the aux net) keep their fresh initialisation. Keys
    under ``drop_prefixes`` are not loaded (e.g. ``'cls_head.fc_cls.'`` to
    fine-tune a Kinetics-400 TSN on HMDB51's 51 classes).

    Args:
        model (nn.Module): The DATP recognizer (possibly DDP-wrapped).
        filename (str): An MMAction2 TSN checkpoint (``state_dict`` with
            ``backbone.*`` and ``cls_head.fc_cls.*``).
        new_prefixes (Sequence[str]): Model keys allowed to be absent from
            the checkpoint. Defaults to :data:`DATP_NEW_PREFIXES`.
        drop_prefixes (Sequence[str]): Keys not to load. Defaults to ().

    Returns:
        dict[str, list[str]]: ``loaded`` (keys copied from the checkpoint),
        ``new`` (model keys that kept their initialisation) and ``dropped``
        (checkpoint keys skipped because of ``drop_prefixes``).

    Raises:
        ValueError: If a shape differs (e.g. another number of classes
            without dropping the classifier), if the model has keys outside
            ``new_prefixes``/``drop_prefixes`` that the checkpoint lacks, or
            the checkpoint has keys the model lacks (not a TSN of this
            backbone).
    """
    ckpt = read_state_dict(filename)
    dropped = sorted(k for k in ckpt if _starts(k, drop_prefixes))
    ckpt = {k: v for k, v in ckpt.items() if k not in dropped}
    target = _unwrap(model)
    found = _require_fit(target.state_dict(), ckpt, filename,
                         tuple(new_prefixes) + tuple(drop_prefixes),
                         'is not a TSN checkpoint of this model')
    target.load_state_dict({k: ckpt[k] for k in found['loadable']},
                           strict=False)
    return dict(
        loaded=found['loadable'], new=found['missing'], dropped=dropped)
