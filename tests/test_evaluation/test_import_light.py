"""mmdatp.evaluation works without the stack (MMDATP_NO_REGISTER=1)."""
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
STACK = ('torch', 'mmengine', 'mmaction', 'mmcv', 'mmdatp.models')

CODE = '''
import sys
import numpy as np
import mmdatp.evaluation.seed_stats, mmdatp.evaluation.localisation
import mmdatp.evaluation.splits, mmdatp.evaluation.results
from mmdatp.evaluation import accuracy_report, mean_ci
print(accuracy_report(np.eye(3), np.arange(3))['top1'], mean_ci([1., 3.]).mean)
print(sorted(m for m in sys.modules
             if m.split('.')[0] in {STACK!r} or m in {STACK!r}))
import mmdatp
try:
    mmdatp.models
except AttributeError as e:
    print(e)
'''.replace('{STACK!r}', repr(STACK))


def _run(**env):
    return subprocess.run([sys.executable, '-c', CODE], cwd=REPO,
                          env=dict(os.environ, **env), capture_output=True,
                          text=True, timeout=300)


def test_evaluation_imports_without_the_stack():
    out = _run(MMDATP_NO_REGISTER='1')
    assert out.returncode == 0, out.stderr
    scores, modules, error = out.stdout.splitlines()
    assert scores == '1.0 2.0'
    assert modules == '[]'  # no torch, mmengine, mmaction, mmcv
    assert 'MMDATP_NO_REGISTER=1 skipped the stack' in error


def test_without_the_switch_import_mmdatp_registers():
    """The default, which configs' custom_imports=['mmdatp'] rely on."""
    out = _run(MMDATP_NO_REGISTER='0')
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 2  # mmdatp.models is there: no AttributeError
    modules = lines[1]
    assert "'mmaction'" in modules and "'mmdatp.models'" in modules
