"""One mmengine ``Runner`` per call, with its own logger and visualizer,
however many runs a process starts.

``Runner`` names its logger and visualizer ``<config stem>_<timestamp>``
(to the second) and ``MMLogger.get_instance`` returns the instance already
registered under a name. Two runs of one config that a process starts in
the same second (``tools/reproduce.py`` tests nine rows in a row, the
benchmarks train and test in-process, so do the tools under ``runpy``)
therefore share the first run's logger: the second run's log goes to the
first run's log file and stream, and its visualizer to the first's
directory. :func:`build_runner` gives every run after a process's first its
own experiment name, so each writes where its ``work_dir`` says.
"""
import copy
import itertools
import os.path as osp

from mmengine.config import Config
from mmengine.runner import Runner

_RUNS = itertools.count(1)


def build_runner(cfg: Config) -> Runner:
    """``Runner.from_cfg`` on a copy of ``cfg`` whose experiment name is
    unique in this process.

    The first run of a process keeps mmengine's name (``cfg.experiment_name``
    or the config file's stem); the n-th run after it gets ``_run<n>``
    appended, so its logger and visualizer are new instances.

    Args:
        cfg (Config): A complete config (``work_dir`` set).

    Returns:
        Runner: Built, not started.
    """
    run = next(_RUNS)
    if run > 1:
        cfg = copy.deepcopy(cfg)
        stem = cfg.get('experiment_name')
        if stem is None:
            stem = (osp.splitext(osp.basename(cfg.filename))[0]
                    if cfg.filename else 'run')
        cfg.experiment_name = f'{stem}_run{run}'
    return Runner.from_cfg(cfg)
