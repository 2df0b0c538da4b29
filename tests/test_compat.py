"""Each stack fix of mmdatp.compat, with a check that the fix is needed."""
import importlib.metadata
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmdatp import compat
from mmengine.logging import HistoryBuffer

PY = sys.executable


def run_py(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([PY, '-c', code],
                          capture_output=True,
                          text=True,
                          timeout=300)


@pytest.mark.skipif(not compat.drn_is_missing(),
                    reason='this mmaction2 ships drn; fix 1 is a no-op')
def test_fix1_missing_drn():
    broken = run_py('import mmaction.models')
    assert broken.returncode != 0
    assert "No module named 'mmaction.models.localizers.drn'" in broken.stderr
    fixed = run_py(
        'import mmdatp, mmaction.models\n'
        'from mmaction.models.localizers.drn.drn import DRN\n'
        'try:\n    DRN()\nexcept ImportError as e:\n    print(e)\n')
    assert fixed.returncode == 0, fixed.stderr
    assert 'DRN is not part of the PyPI wheel' in fixed.stdout


def test_fix2_and_3_dependencies_are_declared():
    requires = importlib.metadata.requires('mmdatp') or []
    names = ' '.join(requires)
    assert 'importlib_metadata' in names
    assert any(r.replace(' ', '').startswith('setuptools<81')
               for r in requires)
    # what they are needed for
    import pkg_resources  # noqa: F401
    from mmaction.utils import dependency  # imports importlib_metadata
    assert dependency is not None


def test_check_dependencies_names_what_is_missing(monkeypatch):
    real = compat.importlib.util.find_spec
    monkeypatch.setattr(
        compat.importlib.util, 'find_spec', lambda name, *a: None
        if name in ('importlib_metadata', 'pkg_resources') else real(name, *a))
    with pytest.raises(ImportError) as err:
        compat.check_dependencies()
    assert 'importlib_metadata' in str(err.value)
    assert 'setuptools<81' in str(err.value)


def _checkpoint_like(tmp_path):
    buf = HistoryBuffer()
    buf.update(1.5)
    buf.update(np.float64(0.25))
    state = dict(
        meta=dict(
            message_hub=dict(log_scalars={'train/loss': buf}),
            seed=np.int64(7),
            arr=np.arange(3, dtype=np.float32)),
        state_dict={'w': torch.ones(2)})
    path = tmp_path / 'ckpt.pth'
    torch.save(state, path)
    return path


def test_fix4_weights_only_load_of_mmengine_objects(tmp_path):
    path = _checkpoint_like(tmp_path)
    # without the allow-list torch refuses (weights_only=True by default)
    broken = run_py(f'import torch; torch.load({str(path)!r})')
    assert broken.returncode != 0
    assert 'weights_only' in broken.stderr.lower() or \
        'WeightsUnpickler' in broken.stderr
    # with it, the default (weights_only=True) load works and is faithful
    loaded = torch.load(path)  # mmdatp is imported by conftest
    hub = loaded['meta']['message_hub']['log_scalars']['train/loss']
    assert isinstance(hub, HistoryBuffer)
    assert hub.current() == pytest.approx(0.25)
    assert loaded['meta']['seed'] == 7
    np.testing.assert_array_equal(loaded['meta']['arr'], np.arange(3))


class NotAllowed:
    """A type that is not on the allow-list."""


def test_fix4_keeps_weights_only_on(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'x': NotAllowed()}, path)
    with pytest.raises(Exception, match='(?i)weights_only|unpickl'):
        torch.load(path)


class FetchesAttribute:
    """Pickles as getattr(HistoryBuffer, '__init__'): must stay refused."""

    def __reduce__(self):
        return getattr, (HistoryBuffer, '__init__')


def test_fix4_getattr_is_limited_to_history_buffer_stats(tmp_path):
    path = tmp_path / 'getattr.pth'
    torch.save({'x': FetchesAttribute()}, path)
    with pytest.raises(Exception, match='only HistoryBuffer statistics'):
        torch.load(path)


def test_apply_stack_fixes_is_idempotent():
    compat.apply_stack_fixes()
    compat.apply_stack_fixes()
    assert 'mmaction.models.localizers.drn' in sys.modules or \
        not compat.drn_is_missing()


# mmdatp.compat loaded without mmdatp/__init__.py, which applies every fix
COMPAT_ALONE = (
    'import importlib.util\n'
    f'spec = importlib.util.spec_from_file_location("c", {compat.__file__!r})\n'
    'c = importlib.util.module_from_spec(spec)\n'
    'spec.loader.exec_module(c)\n')


def _fake_transformers(root, version: str) -> str:
    """A transformers of ``version`` that lacks what mmaction's VindLU
    imports (as transformers 5 does); returns the folder to put on sys.path."""
    pkg = root / 'transformers'
    (pkg / 'models').mkdir(parents=True)
    (pkg / '__init__.py').write_text(f'__version__ = {version!r}\n')
    (pkg / 'modeling_utils.py').write_text('')
    (pkg / 'models' / '__init__.py').write_text('')
    info = root / f'transformers-{version}.dist-info'
    info.mkdir()
    (info / 'METADATA').write_text(
        f'Metadata-Version: 2.1\nName: transformers\nVersion: {version}\n')
    return str(root)


def test_fix5_transformers_5_does_not_break_mmaction_models(tmp_path):
    path = _fake_transformers(tmp_path, '5.0.0')
    prefix = f'import sys; sys.path.insert(0, {path!r})\n'
    broken = run_py(prefix + COMPAT_ALONE + 'c.fix_missing_drn()\n'  # fix 1
                    'import mmaction.models')
    assert broken.returncode != 0
    assert 'transformers' in broken.stderr
    fixed = run_py(
        prefix + 'import mmdatp, mmaction.models\n'
        'from mmaction.registry import MODELS\n'
        'from mmdatp.compat import transformers_too_new\n'
        'print(transformers_too_new())\n'
        'MODELS.build(dict(type="DATPHead", num_classes=3, in_channels=8,\n'
        '    num_segments=4, aux_net=dict(type="DATPScoreAuxNet")))\n'
        'try:\n    MODELS.build(dict(type="VindLUVQA"))\n'
        'except ImportError as e:\n    print("VindLU:", e)\n')
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.startswith('True')
    # mmaction's own placeholder for the multimodal models
    assert 'VindLU: ' in fixed.stdout and 'multi-modal' in fixed.stdout


def test_fix5_leaves_transformers_4_alone(tmp_path):
    path = _fake_transformers(tmp_path, '4.30.0')
    out = run_py(f'import sys; sys.path.insert(0, {path!r})\n' +
                 COMPAT_ALONE + 'print(c.transformers_too_new())')
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == 'False'


def test_fix6_hides_only_the_unactionable_stack_warnings():
    """The pinned stack prints setuptools' pkg_resources deprecation and
    mmcv-lite's MultiScaleDeformableAttention warning on every command;
    mmdatp filters exactly those, unless MMDATP_SHOW_STACK_WARNINGS=1."""
    code = ('import warnings; import mmdatp, mmaction.models; '
            'from mmengine.config import Config; '
            "Config.fromfile('configs/datp_tsn_r34_synthetic.py'); "
            "warnings.warn('a warning of our own')")
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def stderr(show):
        env = dict(os.environ, MMDATP_SHOW_STACK_WARNINGS=show)
        return subprocess.run([sys.executable, '-c', code], cwd=repo, env=env,
                              capture_output=True, text=True,
                              timeout=300).stderr

    shown, hidden = stderr('1'), stderr('0')
    # the defect is there in this stack...
    assert 'pkg_resources is deprecated' in shown
    assert 'MultiScaleDeformableAttention' in shown
    # ...and the fix removes exactly those two, nothing else
    assert 'pkg_resources is deprecated' not in hidden
    assert 'MultiScaleDeformableAttention' not in hidden
    assert 'a warning of our own' in hidden
