"""A plain (non-editable) `pip install .` gives a working plugin."""
import os
import os.path as osp
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_plain_pip_install_registers_the_plugin(tmp_path):
    target = tmp_path / 'site'
    build = subprocess.run([
        sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps',
        '--no-build-isolation', '--no-index', '--target',
        str(target), REPO
    ],
                           capture_output=True,
                           text=True,
                           timeout=300)
    assert build.returncode == 0, build.stderr[-2000:]
    assert (target / 'mmdatp' / 'models' / 'heads' / 'datp_head.py').is_file()
    code = (
        'import importlib.metadata as md, mmdatp\n'
        'from mmaction.registry import MODELS, TRANSFORMS\n'
        'print(mmdatp.__file__)\n'
        "for n in ('DATPHead', 'MoGWeightGenerator', 'DATPConvAuxNet',\n"
        "          'DATPScoreAuxNet', 'DiscreteWeightGenerator'):\n"
        '    assert MODELS.get(n) is not None, n\n'
        "assert TRANSFORMS.get('DATPSampleFrames') is not None\n"
        "print(' '.join(md.requires('mmdatp')))\n")
    env = dict(os.environ, PYTHONPATH=str(target))
    run = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True,
                         cwd=str(tmp_path),
                         env=env,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    first, requires = run.stdout.strip().splitlines()[-2:]
    assert first.startswith(str(target))  # the installed copy, not the repo
    assert 'mmaction2==1.2.0' in requires and 'importlib_metadata' in requires
