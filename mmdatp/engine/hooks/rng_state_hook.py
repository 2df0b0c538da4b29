"""Keep the random state in checkpoints, so that a resumed run reproduces
the uninterrupted one."""
import random
from typing import Dict, Optional

import numpy as np
import torch
from mmaction.registry import HOOKS
from mmengine.hooks import Hook

#: key of the random state in an mmengine checkpoint
RNG_KEY = 'rng_state'


def get_rng_state() -> Dict:
    """torch (CPU and, once initialised, CUDA), numpy and ``random`` global
    states, in types that ``torch.load(weights_only=True)`` accepts."""
    name, keys, pos, has_gauss, gauss = np.random.get_state()
    state = dict(
        torch=torch.get_rng_state(),
        numpy=(name, torch.from_numpy(keys.astype(np.int64)), int(pos),
               int(has_gauss), float(gauss)),
        random=random.getstate())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: Dict) -> None:
    """Restore what :func:`get_rng_state` returned."""
    torch.set_rng_state(state['torch'])
    name, keys, pos, has_gauss, gauss = state['numpy']
    np.random.set_state(
        (name, keys.numpy().astype(np.uint32), pos, has_gauss, gauss))
    version, internal, gauss_next = state['random']
    random.setstate((version, tuple(internal), gauss_next))
    if 'cuda' in state and torch.cuda.is_available():
        cuda = state['cuda']
        if len(cuda) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(cuda)


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Save the global random state with every checkpoint; restore it on
    resume.

    mmengine seeds once at start-up; its checkpoints hold the seed but not
    the state reached, so a run resumed from ``epoch_2.pth`` draws other
    frame offsets and dropout masks from epoch 3 on than the uninterrupted
    run (measured: parameters up to 0.097 apart after 4 epochs). This hook

    - stores torch's CPU (and CUDA) generator, numpy's and ``random``'s
      global states under ``checkpoint['rng_state']``;
    - makes validation neutral to them (state taken before ``val``, put
      back after), so the stored state is the one the next training epoch
      starts from whether or not validation ran in between;
    - on resume (not on ``load_from``), restores them once every other
      ``before_train`` hook has run (priority ``LOWEST``).

    With it a resumed run on CPU ends bit-identical to the uninterrupted one
    when the train loader has ``num_workers=0``, or workers that are not
    persistent (mmengine reseeds those at every epoch from the seed).
    Persistent workers carry their own random state from epoch to epoch,
    in processes a checkpoint cannot reach: the hook then logs that the
    resume will not reproduce the augmentation. On GPU the random state is
    restored too (CUDA generators of every visible device, if the device
    count is unchanged), but cuDNN and atomics-based kernels are
    nondeterministic unless ``randomness.deterministic=True``.
    """

    priority = 'LOWEST'

    def __init__(self) -> None:
        self._resumed: Optional[Dict] = None
        self._before_val: Optional[Dict] = None

    def before_save_checkpoint(self, runner, checkpoint: Dict) -> None:
        checkpoint[RNG_KEY] = get_rng_state()

    def after_load_checkpoint(self, runner, checkpoint: Dict) -> None:
        if getattr(runner, '_resume', False) and RNG_KEY in checkpoint:
            self._resumed = checkpoint[RNG_KEY]

    def before_train(self, runner) -> None:
        if self._resumed is None:
            return
        set_rng_state(self._resumed)
        self._resumed = None
        loader = runner.train_dataloader
        if getattr(loader, 'num_workers', 0) > 0 and getattr(
                loader, 'persistent_workers', False):
            runner.logger.warning(
                'RNGStateHook: resumed the random state of the main process; '
                'the persistent data loader workers start from their seed, '
                'so augmentation differs from the uninterrupted run (set '
                'train_dataloader.persistent_workers=False for a resume '
                'that reproduces it)')

    def before_val(self, runner) -> None:
        self._before_val = get_rng_state()

    def after_val(self, runner) -> None:
        if self._before_val is not None:
            set_rng_state(self._before_val)
            self._before_val = None
