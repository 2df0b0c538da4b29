"""Record the weight generator's parameters over training."""
import json
import os.path as osp
from typing import Dict, List, Optional

import torch
from mmaction.registry import HOOKS
from mmengine.hooks import Hook

from ...utils.fileio import atomic_open
from ._model import cls_head


def _summary(params: Dict[str, torch.Tensor]) -> Dict[str, float]:
    """Mean / median sigma and mu statistics of a batch of decoded thetas.

    ``params`` holds ``rho``, ``mu`` and ``sigma`` of shape (B, K). The
    rho-weighted sigma is the width of the mixture as a whole; ``mu_std``
    is the spread of the centres over videos (0: the same place for every
    video, i.e. the net ignores its input).
    """
    rho, mu, sigma = (params[k].float() for k in ('rho', 'mu', 'sigma'))
    share = rho / rho.sum(dim=1, keepdim=True).clamp_min(1e-12)
    return dict(
        sigma_mean=float(sigma.mean()),
        sigma_median=float(sigma.median()),
        sigma_weighted=float((share * sigma).sum(dim=1).mean()),
        mu_mean=float(mu.mean()),
        mu_std=float(mu.std(dim=0).mean()) if mu.shape[0] > 1 else 0.0)


@HOOKS.register_module()
class GeneratorTraceHook(Hook):
    """Trace the Gaussians' sigma and mu of a DATP head over training.

    The aux net's output theta is captured on every training forward pass
    (a forward hook, no extra computation), decoded by the head's weight
    generator, and summarised per epoch: mean, median and rho-weighted
    sigma, the mean of mu and its spread over videos. Written to
    ``{work_dir}/generator_trace.json`` (atomically, after every epoch) as a
    list of ``{"epoch": e, ...}`` records; epoch 0 is the first training
    batch, before any update. It answers "does sigma narrow, and when?";
    the end state alone cannot tell a generator that never narrowed from
    one that narrowed and widened again.

    It does nothing (and says so once) for heads without an aux net, with
    ``pooling`` other than ``'datp'``, or whose generator has no sigma
    (the discrete weights).

    Args:
        out_file (str): File name inside the work dir. Defaults to
            ``'generator_trace.json'``.
    """

    priority = 'LOW'

    def __init__(self, out_file: str = 'generator_trace.json') -> None:
        if not isinstance(out_file, str) or not out_file:
            raise ValueError('GeneratorTraceHook: out_file must be a file '
                             f'name, got {out_file!r}')
        self.out_file = out_file
        self.records: List[Dict[str, float]] = []
        self._epoch: List[Dict[str, torch.Tensor]] = []
        self._handle = None
        self._generator = None

    def before_train(self, runner) -> None:
        head = cls_head(runner)
        generator = getattr(head, 'weight_generator', None)
        aux_net = getattr(head, 'aux_net', None)
        usable = (aux_net is not None and generator is not None
                  and getattr(head, 'pooling', 'datp') == 'datp'
                  and hasattr(generator, 'decode')
                  and getattr(generator, 'num_gaussians', None) is not None)
        if not usable:
            runner.logger.info('GeneratorTraceHook: the head has no '
                               'Gaussian weight generator in use; nothing '
                               'is traced')
            return
        self._generator = generator
        path = osp.join(runner.work_dir, self.out_file)
        if (runner._resume or runner.iter > 0) and osp.isfile(path):
            with open(path) as f:  # keep the epochs before the resume
                self.records = [
                    r for r in json.load(f) if r['epoch'] <= runner.epoch
                ]
        self._handle = aux_net.register_forward_hook(self._capture)

    def _capture(self, module, inputs, theta) -> None:
        if module.training:
            with torch.no_grad():
                params = self._generator.decode(theta.detach().float())
            self._epoch.append({k: v.cpu() for k, v in params.items()})

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        # runner.iter counts finished iterations: 0 during the first one
        if self._handle is not None and runner.iter == 0 and \
                not any(r['epoch'] == 0 for r in self.records) and \
                self._epoch:
            self.records.append(dict(epoch=0, **_summary(self._epoch[0])))

    def after_train_epoch(self, runner) -> None:
        if self._handle is None or not self._epoch:
            return
        batch = {
            k: torch.cat([p[k] for p in self._epoch])
            for k in self._epoch[0]
        }
        self._epoch = []
        # runner.epoch counts finished epochs: this is epoch runner.epoch + 1
        record = dict(epoch=runner.epoch + 1, **_summary(batch))
        self.records.append(record)
        runner.logger.info(
            'GeneratorTraceHook: epoch {epoch}: sigma mean {sigma_mean:.3f} '
            'median {sigma_median:.3f} weighted {sigma_weighted:.3f}, '
            'mu mean {mu_mean:.3f} spread {mu_std:.3f}'.format(**record))
        if runner.rank == 0:
            path = osp.join(runner.work_dir, self.out_file)
            with atomic_open(path, 'w') as f:
                json.dump(self.records, f, indent=1)

    def after_train(self, runner) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None
