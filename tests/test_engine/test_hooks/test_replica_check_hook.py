"""ReplicaCheckHook outside DDP (the two-process run is in
tests/test_runner/test_distributed.py)."""
from types import SimpleNamespace

import pytest
import torch
from mmaction.registry import HOOKS


def test_replica_check_hook_validates_interval():
    for bad in (0, -1, 1.5):
        with pytest.raises(ValueError, match='interval'):
            HOOKS.build(dict(type='ReplicaCheckHook', interval=bad))


def test_not_distributed_there_is_nothing_to_compare():
    hook = HOOKS.build(dict(type='ReplicaCheckHook', interval=1))
    runner = SimpleNamespace(model=torch.nn.Linear(2, 2), iter=3)
    assert hook.check(runner) == 0.0
