"""Distributed set-up that also works without a GPU (gloo on CPU).

mmengine 0.10.7's launchers call ``torch.cuda.set_device(local_rank)``
before ``init_process_group`` and its Runner wraps the model in
``MMDistributedDataParallel(device_ids=[LOCAL_RANK])``; both fail on a
machine without CUDA. :func:`init_distributed` runs before the Runner is
built: with CUDA it changes nothing (mmengine initialises NCCL as usual);
without CUDA it initialises the process group itself with the gloo backend
(the Runner then skips its own ``init_dist``) and sets
``model_wrapper_cfg.device_ids = None`` so DDP wraps a CPU module.
"""
import datetime
import os
import subprocess
from typing import Optional

import torch
import torch.distributed as torch_dist
from mmengine.config import Config

#: Environment variable that forces the backend (e.g. ``gloo`` on a GPU node)
BACKEND_ENV = 'MMDATP_DIST_BACKEND'
LAUNCHERS = ('none', 'pytorch', 'slurm', 'mpi')
CPU_BACKENDS = ('gloo', 'mpi')


def dist_backend(cfg: Config) -> str:
    """The backend a distributed run of ``cfg`` uses.

    ``$MMDATP_DIST_BACKEND`` wins; else ``env_cfg.dist_cfg.backend``
    (``'nccl'`` if unset), replaced by ``'gloo'`` when CUDA is not
    available, since NCCL needs GPUs.

    Args:
        cfg (Config): The run's config.

    Returns:
        str: ``'nccl'``, ``'gloo'`` or ``'mpi'``.
    """
    backend = os.environ.get(BACKEND_ENV)
    if not backend:
        dist_cfg = (cfg.get('env_cfg') or {}).get('dist_cfg') or {}
        backend = dist_cfg.get('backend', 'nccl')
        if backend == 'nccl' and not torch.cuda.is_available():
            backend = 'gloo'
    if backend not in ('nccl', ) + CPU_BACKENDS:
        raise ValueError(f'distributed backend must be one of '
                         f"{('nccl', ) + CPU_BACKENDS}, got {backend!r} "
                         f'(from ${BACKEND_ENV} or env_cfg.dist_cfg.backend)')
    if backend == 'nccl' and not torch.cuda.is_available():
        raise ValueError(f'${BACKEND_ENV}=nccl, but CUDA is not available; '
                         'use gloo on CPU')
    return backend


def _slurm_env(port: Optional[int]) -> None:
    """Export RANK/WORLD_SIZE/LOCAL_RANK/MASTER_* from slurm's variables."""
    for name in ('SLURM_PROCID', 'SLURM_NTASKS'):
        if name not in os.environ:
            raise RuntimeError(f'--launcher slurm needs ${name}; run the job '
                               'with srun (tools/slurm_train.sh)')
    os.environ['RANK'] = os.environ['SLURM_PROCID']
    os.environ['WORLD_SIZE'] = os.environ['SLURM_NTASKS']
    os.environ['LOCAL_RANK'] = os.environ.get('SLURM_LOCALID', '0')
    if port is not None:
        os.environ['MASTER_PORT'] = str(port)
    os.environ.setdefault('MASTER_PORT', '29500')
    if 'MASTER_ADDR' not in os.environ:
        nodes = os.environ.get('SLURM_NODELIST')
        if not nodes:
            raise RuntimeError('--launcher slurm needs $MASTER_ADDR or '
                               '$SLURM_NODELIST')
        os.environ['MASTER_ADDR'] = subprocess.check_output(
            ['scontrol', 'show', 'hostname', nodes],
            text=True).splitlines()[0]


def init_distributed(cfg: Config, launcher: str) -> str:
    """Prepare a distributed run of ``cfg`` before its Runner is built.

    Args:
        cfg (Config): The run's config; ``model_wrapper_cfg`` and
            ``env_cfg.dist_cfg.backend`` are updated in place.
        launcher (str): ``--launcher``: ``'none'``, ``'pytorch'``,
            ``'slurm'`` or ``'mpi'``.

    Returns:
        str: The backend, or ``'none'`` for a non-distributed run.
    """
    if launcher not in LAUNCHERS:
        raise ValueError(f'launcher must be one of {LAUNCHERS}, got '
                         f'{launcher!r}')
    if launcher == 'none':
        return 'none'
    backend = dist_backend(cfg)
    env_cfg = cfg.setdefault('env_cfg', {})
    dist_cfg = env_cfg.setdefault('dist_cfg', {})
    dist_cfg['backend'] = backend
    if backend == 'nccl':
        return backend  # mmengine's own path
    if launcher == 'mpi':
        return backend  # mmengine's MPI launcher does not touch CUDA

    # CPU path: initialise gloo here, so mmengine's init_dist (which calls
    # torch.cuda.set_device) is skipped, and wrap a CPU module in DDP
    kwargs = {k: v for k, v in dist_cfg.items() if k != 'backend'}
    if launcher == 'slurm':
        _slurm_env(kwargs.pop('port', None))
    if 'timeout' in kwargs:
        kwargs['timeout'] = datetime.timedelta(seconds=kwargs['timeout'])
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(
            backend=backend,
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']),
            **kwargs)
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None  # a CPU module
    cfg.model_wrapper_cfg = wrapper
    return backend


def close_distributed() -> None:
    """End a distributed run: wait for every rank, then leave the group.

    Without it a rank that finished first exits while another one is still
    in its last gloo collective (the result gather of ``runner.test()``);
    the slower rank then sees its peer's socket close and aborts, although
    every rank computed its part. A no-op outside a distributed run.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()
