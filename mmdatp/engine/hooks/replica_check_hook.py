"""Check that the DDP replicas of a model hold the same parameters."""
import os.path as osp
from typing import Optional

import torch
from mmaction.registry import HOOKS
from mmengine.dist import all_gather, get_dist_info, is_distributed
from mmengine.hooks import Hook

from ...utils.fileio import atomic_open
from ._model import bare_model


@HOOKS.register_module()
class ReplicaCheckHook(Hook):
    """Fail loudly if data-parallel replicas drift apart.

    DDP averages the gradients of all ranks, so after every optimizer step
    each rank must hold bit-identical parameters; a rank that skipped a step,
    a non-deterministic parameter update or an unsynchronised parameter
    breaks this silently. Every ``interval`` training iterations and after
    training, the hook gathers every rank's parameters (float64, flattened)
    and raises if any differs from rank 0's. Buffers (BatchNorm running
    statistics) are not compared: mmengine's DDP wrapper does not broadcast
    them (``broadcast_buffers=False``), so they legitimately differ.

    Args:
        interval (int, optional): Check every ``interval`` iterations; None
            checks only after training. Defaults to None.
        dump_dir (str, optional): If given, after training each rank also
            saves its parameters to ``{dump_dir}/params_rank{rank}.pth``
            (relative paths are under the work dir). Defaults to None.
    """

    priority = 'LOW'

    def __init__(self,
                 interval: Optional[int] = None,
                 dump_dir: Optional[str] = None) -> None:
        if interval is not None and (not isinstance(interval, int)
                                     or interval < 1):
            raise ValueError('ReplicaCheckHook: interval must be a positive '
                             f'int or None, got {interval!r}')
        self.interval = interval
        self.dump_dir = dump_dir

    @staticmethod
    def _params(runner):
        model = bare_model(runner)
        return {
            name: p.detach()
            for name, p in model.named_parameters()
        }

    def check(self, runner) -> float:
        """Compare all ranks' parameters with rank 0's.

        Returns:
            float: The largest absolute difference (0 when not distributed).

        Raises:
            RuntimeError: If some rank's parameters differ.
        """
        if not is_distributed():
            return 0.0
        params = self._params(runner)
        flat = torch.cat(
            [p.reshape(-1).to(torch.float64).cpu() for p in params.values()])
        gathered = all_gather(flat)
        diffs = [(g - gathered[0]).abs().max().item() for g in gathered]
        worst = max(diffs)
        if worst != 0:
            bad = [r for r, d in enumerate(diffs) if d != 0]
            raise RuntimeError(
                f'ReplicaCheckHook: at iteration {runner.iter} the '
                f'parameters of ranks {bad} differ from rank 0 by up to '
                f'{worst:.3g}')
        runner.logger.info(f'ReplicaCheckHook: {len(gathered)} replicas hold '
                           f'identical parameters ({flat.numel()} values) at '
                           f'iteration {runner.iter}')
        return worst

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        if self.interval and self.every_n_train_iters(runner, self.interval):
            self.check(runner)

    def after_train(self, runner) -> None:
        self.check(runner)
        if self.dump_dir is not None:
            rank, _ = get_dist_info()
            out = osp.join(runner.work_dir, self.dump_dir,
                           f'params_rank{rank}.pth')
            with atomic_open(out, 'wb') as f:
                torch.save({k: v.cpu().clone()
                            for k, v in self._params(runner).items()}, f)
