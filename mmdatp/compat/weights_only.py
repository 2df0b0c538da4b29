"""Stack fix WEIGHTS_ONLY: torch>=2.6 refuses mmengine checkpoints.

torch>=2.6 loads with ``weights_only=True`` and refuses mmengine
checkpoints (``HistoryBuffer``, numpy arrays and scalars in
``message_hub``): allow-list exactly those types with
``torch.serialization.add_safe_globals``; ``weights_only`` stays on.
"""
import io

_HISTORY_BUFFER_STATS = ('min', 'max', 'current', 'mean')


def history_buffer_getattr(obj, name: str):
    """Stand-in for ``getattr`` inside ``torch.load(weights_only=True)``.

    ``HistoryBuffer.__getstate__`` stores its statistics methods
    (``HistoryBuffer.min`` ...), which pickle protocol 2 (torch.save's
    default) writes as ``getattr(HistoryBuffer, 'min')``. Allow-listing the
    real ``getattr`` would let a checkpoint fetch any attribute of any
    allowed object; this stand-in resolves exactly those four methods and
    refuses everything else.
    """
    from mmengine.logging import HistoryBuffer
    if obj is HistoryBuffer and name in _HISTORY_BUFFER_STATS:
        return getattr(HistoryBuffer, name)
    import pickle
    raise pickle.UnpicklingError(
        f'mmdatp: weights-only load refused getattr({obj!r}, {name!r}); '
        'only HistoryBuffer statistics methods are allowed')


def checkpoint_safe_globals() -> list:
    """The exact non-tensor types found in mmengine checkpoints.

    ``message_hub`` holds :class:`mmengine.logging.HistoryBuffer` objects
    whose state holds numpy arrays and the buffer's statistics methods
    (see :func:`history_buffer_getattr`); runtime info holds numpy scalars.
    """
    import codecs

    import numpy as np
    from mmengine.logging import HistoryBuffer

    try:  # numpy >= 2
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct, scalar
    safe = [
        HistoryBuffer, np.ndarray, np.dtype, _reconstruct, scalar,
        # numpy pickles array bytes through codecs.encode under protocol 2
        codecs.encode, (history_buffer_getattr, 'builtins.getattr')
    ]
    # numpy >= 1.25 pickles dtypes through their classes (Float64DType, ...)
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        safe += [
            getattr(dtypes, name) for name in dir(dtypes)
            if name.endswith('DType')
            and isinstance(getattr(dtypes, name), type)
        ]
    return safe


def weights_only_refuses_mmengine() -> bool:
    """Whether ``torch.load`` with its defaults refuses what mmengine
    checkpoints hold (a ``HistoryBuffer``, numpy arrays and scalars).

    Saves and loads a small such object in memory; torch<2.6 (no
    ``weights_only`` by default) loads it, torch>=2.6 refuses it.
    """
    import numpy as np
    import torch
    from mmengine.logging import HistoryBuffer

    buf = HistoryBuffer()
    buf.update(np.float64(1.0))
    data = io.BytesIO()
    torch.save(dict(hub=buf, seed=np.int64(0)), data)
    data.seek(0)
    try:
        torch.load(data)
    except Exception:  # noqa: BLE001  torch's UnpicklingError and kin
        return True
    return False


def allow_mmengine_checkpoints() -> str:
    """Allow-list the types of mmengine checkpoints for weights-only
    loading (needs torch>=2.4's ``add_safe_globals``)."""
    import torch
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is None:
        raise ImportError(
            f'mmdatp: torch {torch.__version__} refuses mmengine checkpoints '
            'but has no torch.serialization.add_safe_globals; install the '
            'verified torch (requirements/runtime.txt)')
    safe = checkpoint_safe_globals()
    add(safe)
    return (f'allow-listed {len(safe)} mmengine checkpoint types '
            '(HistoryBuffer, numpy) for torch.load(weights_only=True)')
