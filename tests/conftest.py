"""Shared test set-up: mmdatp must be imported before mmaction.models."""
import os.path as osp

import mmdatp  # noqa: F401  applies the stack fixes and registers modules
import pytest
from mmengine.registry import init_default_scope

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
SHARED_DATA = osp.join(osp.dirname(REPO), 'shared', 'data')


@pytest.fixture(autouse=True)
def _mmaction_scope():
    init_default_scope('mmaction')
    yield
