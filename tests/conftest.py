"""Shared test set-up: mmdatp must be imported before mmaction.models."""
import os.path as osp

import mmdatp  # noqa: F401  applies the stack fixes and registers modules
import pytest
from mmengine.registry import init_default_scope

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
# real short clips and rawframes (Apache-2.0, from MMAction2's test data)
TEST_DATA = osp.join(REPO, 'tests', 'data')


@pytest.fixture(autouse=True)
def _mmaction_scope():
    init_default_scope('mmaction')
    yield
