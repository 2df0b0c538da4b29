"""Keep the random state in checkpoints, so that a resumed run reproduces
the uninterrupted one."""
import multiprocessing
import random
from typing import Callable, Dict, Optional

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


class EpochSeededPrepare:
    """``dataset.prepare_data`` that, inside a data loader worker, first
    seeds numpy, ``random`` and torch from ``(seed, epoch, index)``.

    A persistent worker's random state runs on from epoch to epoch in a
    process no checkpoint reaches; seeded per sample, the augmentation of
    a sample depends only on the seed, the epoch and its index, so a resumed
    run (or one with another number of workers) reproduces it. The epoch
    comes from a shared-memory value that :class:`RNGStateHook` sets before
    each training epoch, before the workers are asked for its samples. In
    the main process (``num_workers=0``) nothing is reseeded.

    Args:
        prepare_data (Callable): The dataset's bound ``prepare_data``.
        seed (int): The run's seed.
        epoch (multiprocessing.Value): The current epoch, shared.
    """

    def __init__(self, prepare_data: Callable, seed: int, epoch) -> None:
        self.prepare_data = prepare_data
        self.seed = seed
        self.epoch = epoch
        self._refetching = False

    def __call__(self, idx: int):
        # after a None (a skipped sample) mmengine's __getitem__ refetches
        # a random index: keep the stream then, or reseeding would draw the
        # same index again and again
        if not self._refetching and \
                torch.utils.data.get_worker_info() is not None:
            s = np.random.SeedSequence(
                [self.seed, self.epoch.value, int(idx)]).generate_state(1)[0]
            np.random.seed(int(s))
            random.seed(int(s))
            torch.manual_seed(int(s))
        self._refetching = False
        data = self.prepare_data(idx)
        self._refetching = data is None
        return data


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Save the global random state with every checkpoint; restore it on
    resume.

    mmengine seeds once at start-up; its checkpoints hold the seed but not
    the state reached, so a run resumed from ``epoch_2.pth`` draws other
    frame offsets and dropout masks from epoch 3 on than the uninterrupted
    run (measured: parameters up to 0.097 apart after 4 epochs). This hook

    - stores torch's CPU (and CUDA) generator, numpy's and ``random``'s
      global states under ``checkpoint['rng_state']`` (inside validation,
      where ``CheckpointHook(save_best=...)`` saves a new best, the state
      from before validation);
    - makes validation neutral to them (state taken before ``val``, put
      back after), so the stored state is the one the next training epoch
      starts from whether or not validation ran in between. This changes
      uninterrupted runs too, wherever validation draws random numbers
      (random test-time sampling, dropout left on, a loader's base seed):
      training after a validation no longer continues the stream that
      validation moved (a seeded toy run whose validation draws differed
      by 0.56 with the hook against without it);
    - on resume (not on ``load_from``), restores them once every other
      ``before_train`` hook has run (priority ``LOWEST``);
    - with persistent data loader workers, whose random state runs on from
      epoch to epoch in processes a checkpoint cannot reach, seeds each
      training sample in the worker from ``(seed, epoch, index)`` instead
      (:class:`EpochSeededPrepare`), and undoes the draw from torch's
      generator that creating their iterator makes (once per run, so at
      another epoch after a resume). Non-persistent workers are reseeded
      by mmengine at every epoch and need nothing.

    With it a resumed run on CPU ends bit-identical to the uninterrupted
    one. On GPU the random state is restored too (CUDA generators of every
    visible device, if the device count is unchanged), but cuDNN and
    atomics-based kernels are nondeterministic unless
    ``randomness.deterministic=True``.

    Args:
        seed_workers (bool): Seed each training sample in persistent
            workers from ``(seed, epoch, index)``. False keeps the workers'
            own streams: their augmentation is then as without this hook,
            and resumed runs differ from uninterrupted ones. The main
            process's state is saved, restored and kept from validation
            either way, so an uninterrupted run whose validation draws
            random numbers still differs from one without the hook.
            Defaults to True.
    """

    priority = 'LOWEST'

    def __init__(self, seed_workers: bool = True) -> None:
        self.seed_workers = seed_workers
        self._resumed: Optional[Dict] = None
        self._state_before_val: Optional[Dict] = None
        self._epoch = None  # shared with persistent workers
        self._torch_before_iter: Optional[torch.Tensor] = None

    def before_save_checkpoint(self, runner, checkpoint: Dict) -> None:
        # inside validation (CheckpointHook(save_best=...) saves from
        # after_val_epoch) store the state from before it: the one after_val
        # puts back for the run that goes on
        checkpoint[RNG_KEY] = self._state_before_val \
            if self._state_before_val is not None else get_rng_state()

    def after_load_checkpoint(self, runner, checkpoint: Dict) -> None:
        if getattr(runner, '_resume', False) and RNG_KEY in checkpoint:
            self._resumed = checkpoint[RNG_KEY]

    def before_train(self, runner) -> None:
        loader = runner.train_dataloader
        if self.seed_workers and getattr(loader, 'persistent_workers', False):
            self._seed_workers_per_sample(runner, loader.dataset)
        if self._resumed is not None:
            set_rng_state(self._resumed)
            self._resumed = None

    def _seed_workers_per_sample(self, runner, dataset) -> None:
        if not callable(getattr(dataset, 'prepare_data', None)):
            runner.logger.warning(
                f'RNGStateHook: {type(dataset).__name__} has no '
                'prepare_data; the persistent workers\' augmentation is not '
                'reproduced on resume (set persistent_workers=False)')
            return
        if not isinstance(dataset.prepare_data, EpochSeededPrepare):
            self._epoch = multiprocessing.Value('q', runner.epoch)
            dataset.prepare_data = EpochSeededPrepare(
                dataset.prepare_data, int(runner.seed), self._epoch)

    def before_train_epoch(self, runner) -> None:
        if self._epoch is not None:
            self._epoch.value = runner.epoch
            # torch draws the workers' base seed from the main generator
            # when it creates a loader iterator: once for persistent
            # workers, so at epoch 0 in a whole run but at the resumed epoch
            # after a resume. Undo that draw (the per-sample seeds make the
            # base seed irrelevant).
            self._torch_before_iter = torch.get_rng_state()

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        if self._torch_before_iter is not None:
            torch.set_rng_state(self._torch_before_iter)
            self._torch_before_iter = None

    def before_val(self, runner) -> None:
        self._state_before_val = get_rng_state()

    def after_val(self, runner) -> None:
        if self._state_before_val is not None:
            set_rng_state(self._state_before_val)
            self._state_before_val = None
