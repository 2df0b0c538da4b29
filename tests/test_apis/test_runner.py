"""Runs started in one process within the same second log where their own
``work_dir`` says (``mmdatp.apis.build_runner``)."""
import logging
import os.path as osp

import mmengine.runner.runner as runner_module
from conftest import SYNTHETIC_CONFIG
from mmengine.config import Config
from mmengine.runner import Runner

from mmdatp.apis import build_runner


def _log_files(runner):
    return [h.baseFilename for h in runner.logger.handlers
            if isinstance(h, logging.FileHandler)]


def _same_second_runs(build, tmp_path, monkeypatch, now):
    """Two runners of one config, built with the same timestamp ``now``."""
    monkeypatch.setattr(runner_module.time, 'time', lambda: now)
    cfg = Config.fromfile(SYNTHETIC_CONFIG)
    cfg.model.backbone.depth = 18
    runners = []
    for name in ('first', 'second'):
        cfg.work_dir = str(tmp_path / name)
        runners.append(build(cfg))
    return runners


def test_same_second_runs_log_into_their_own_work_dirs(tmp_path,
                                                         monkeypatch):
    first, second = _same_second_runs(build_runner, tmp_path, monkeypatch,
                                      1.7e9)
    assert first.timestamp == second.timestamp
    assert first.logger is not second.logger
    assert first.visualizer is not second.visualizer
    for runner, name in ((first, 'first'), (second, 'second')):
        files = _log_files(runner)
        assert files and all(
            f.startswith(str(tmp_path / name) + osp.sep) for f in files)
    second.logger.info('a line of the second run')
    for h in second.logger.handlers:
        h.flush()
    with open(_log_files(second)[0]) as f:
        assert 'a line of the second run' in f.read()
    with open(_log_files(first)[0]) as f:
        assert 'a line of the second run' not in f.read()


def test_the_defect_build_runner_avoids_is_present(tmp_path, monkeypatch):
    """mmengine's own ``Runner.from_cfg`` hands the second run the first
    run's logger (its log file is not under ``second/``); when this fails,
    mmengine has fixed it and ``build_runner`` can go."""
    first, second = _same_second_runs(Runner.from_cfg, tmp_path,
                                      monkeypatch, 1.7e9 + 3600)
    assert second.logger is first.logger
    assert not any(f.startswith(str(tmp_path / 'second'))
                   for f in _log_files(second))
