"""The test tree itself: pytest (default import mode, no __init__.py in the
test folders) imports each test file by its base name, so two files with
the same name in different folders make the second one an error
("import file mismatch") in a full run, while each passes alone."""
import collections
import os
import os.path as osp

TESTS = osp.dirname(osp.dirname(osp.abspath(__file__)))


def test_no_two_test_files_share_a_name():
    where = collections.defaultdict(list)
    for root, _, files in os.walk(TESTS):
        for name in files:
            if name.startswith('test_') and name.endswith('.py'):
                where[name].append(osp.relpath(osp.join(root, name), TESTS))
    clashes = {n: p for n, p in where.items() if len(p) > 1}
    assert not clashes, f'rename one of each: {clashes}'


def test_passing_tests_leave_no_checkpoints_behind(request):
    """One full run writes about 8 GB under pytest's base temp (training
    runs' checkpoints) and pytest keeps the last 3 runs by default: on a
    disk shared with CI that filled it, and CI went red with 0-byte
    checkpoints. setup.cfg makes pytest delete a passing test's tmp_path
    (and a green run's whole base temp), keeping a failed test's files."""
    assert request.config.getini('tmp_path_retention_policy') == 'failed'
