"""Start DATP training from a plain TSN checkpoint."""
import json
import os.path as osp
from collections import Counter
from typing import Sequence

from mmaction.registry import HOOKS
from mmengine.hooks import Hook

from ..checkpoint import DATP_NEW_PREFIXES, load_tsn_checkpoint
from ...utils.fileio import atomic_open


@HOOKS.register_module()
class InitFromTSNHook(Hook):
    """Load a plain TSN checkpoint into a DATP model before training.

    The paper trains DATP starting from a TSN model: the backbone and the
    per-segment classifier ``cls_head.fc_cls`` load from the checkpoint, the
    auxiliary net starts fresh (STN-style, so training starts from the
    initial temporal weights). mmengine's ``load_from`` would do the same
    silently; this hook checks shapes (a different number of classes is an
    error unless the classifier is dropped), logs exactly which keys were
    new, and writes the report to ``{work_dir}/init_from_tsn.json``.

    It runs in ``before_train``, after mmengine's weight initialisation and
    checkpoint loading, and does nothing when the run resumes (the resumed
    checkpoint already holds trained weights). Do not combine it with
    ``load_from``.

    Args:
        checkpoint (str): The TSN checkpoint (MMAction2 format).
        new_prefixes (Sequence[str]): Model keys the checkpoint may lack.
            Defaults to the aux net (:data:`DATP_NEW_PREFIXES`).
        drop_prefixes (Sequence[str]): Checkpoint keys not to load, e.g.
            ``('cls_head.fc_cls.', )`` to fine-tune a Kinetics TSN on
            another label set. Defaults to ().
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 checkpoint: str,
                 new_prefixes: Sequence[str] = DATP_NEW_PREFIXES,
                 drop_prefixes: Sequence[str] = ()) -> None:
        if not isinstance(checkpoint, str) or not checkpoint:
            raise ValueError('InitFromTSNHook: checkpoint must be a file '
                             f'path, got {checkpoint!r}')
        self.checkpoint = checkpoint
        self.new_prefixes = tuple(new_prefixes)
        self.drop_prefixes = tuple(drop_prefixes)
        self.report = None

    def before_train(self, runner) -> None:
        if runner._resume or runner.iter > 0:
            runner.logger.info('InitFromTSNHook: resumed run, the TSN '
                               'checkpoint is not loaded')
            return
        if runner._load_from is not None:
            raise ValueError(
                'InitFromTSNHook and load_from both set initial weights '
                f'({self.checkpoint} and {runner._load_from}); keep one')
        if not osp.isfile(self.checkpoint) and '://' not in self.checkpoint:
            raise FileNotFoundError('InitFromTSNHook: checkpoint '
                                    f'{self.checkpoint!r} does not exist')
        report = load_tsn_checkpoint(runner.model, self.checkpoint,
                                     self.new_prefixes, self.drop_prefixes)
        groups = Counter(k.split('.')[0] for k in report['loaded'])
        runner.logger.info(
            f'InitFromTSNHook: loaded {len(report["loaded"])} tensors from '
            f'{self.checkpoint} ({dict(groups)}); '
            f'{len(report["new"])} new, freshly initialised: '
            f'{", ".join(report["new"]) or "none"}; '
            f'{len(report["dropped"])} dropped: '
            f'{", ".join(report["dropped"]) or "none"}')
        self.report = report
        if runner.rank == 0:
            with atomic_open(
                    osp.join(runner.work_dir, 'init_from_tsn.json'), 'w',
                    encoding='utf-8') as f:
                json.dump(dict(checkpoint=self.checkpoint, **report), f,
                          indent=1)
