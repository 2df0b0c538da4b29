"""Each stack fix of mmdatp.compat, with a check that the fix is needed,
its switch and its one log line."""
import importlib.metadata
import importlib.util
import logging
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmdatp import compat
from mmdatp.compat import drn, multimodal, stack_warnings
from mmengine.logging import HistoryBuffer

PY = sys.executable
REPO = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NAMES = [fix.name for fix in compat.FIXES]


def run_py(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run([PY, '-c', code],
                          capture_output=True,
                          text=True,
                          cwd=REPO,
                          env=dict(os.environ, **env),
                          timeout=300)


def test_fix_table_is_documented():
    with open(os.path.join(REPO, 'docs', 'en', 'stack_fixes.md')) as f:
        doc = f.read()
    assert NAMES == ['WARNINGS', 'DEPS', 'DRN', 'WEIGHTS_ONLY', 'MULTIMODAL',
                     'FLOWFLIP', 'NUMPY2_NAMES', 'NUMPY2_HUE']
    for name in NAMES:
        assert f'`MMDATP_NO_FIX_{name}`' in doc


def _spy_fix(name: str, defect: bool, calls: list) -> compat.StackFix:
    def apply():
        calls.append(name)
        return f'changed what {name} fixes'

    return compat.StackFix(name, lambda: defect, apply)


@pytest.mark.parametrize('name', NAMES)
def test_each_switch_turns_its_fix_off(name, monkeypatch):
    monkeypatch.setattr(compat, 'STATUS', {})
    calls = []
    monkeypatch.setenv(f'MMDATP_NO_FIX_{name}', '1')
    assert compat.apply_fix(_spy_fix(name, True, calls)) == 'disabled'
    assert calls == []
    # '0' (or unset) leaves it on
    monkeypatch.setattr(compat, 'STATUS', {})
    monkeypatch.setenv(f'MMDATP_NO_FIX_{name}', '0')
    assert compat.apply_fix(_spy_fix(name, True, calls)) == 'applied'
    assert calls == [name]


def test_fix_applies_only_where_its_defect_is_found(monkeypatch):
    monkeypatch.setattr(compat, 'STATUS', {})
    calls = []
    assert compat.apply_fix(_spy_fix('DRN', False, calls)) == 'not needed'
    assert calls == []


def test_fix_says_once_what_it_changed(monkeypatch, caplog):
    monkeypatch.setattr(compat, 'STATUS', {})
    calls = []
    fix = _spy_fix('DRN', True, calls)
    with caplog.at_level(logging.INFO, logger='mmdatp.compat'):
        assert compat.apply_fix(fix) == 'applied'
        assert compat.apply_fix(fix) == 'applied'  # recorded, not re-applied
    assert calls == ['DRN']
    assert [r.getMessage() for r in caplog.records] == [
        'mmdatp stack fix DRN: changed what DRN fixes '
        '(MMDATP_NO_FIX_DRN=1 turns it off)'
    ]


def test_detection_on_this_stack():
    """What the checks find in the verified stack (requirements/)."""
    assert stack_warnings._mmcv_lite_warns() and \
        stack_warnings._setuptools_warns()
    assert compat.missing_dependencies() == []
    assert not compat.transformers_too_new()
    # fixed on import (conftest), so these defects are no longer found
    assert not drn._drn_defect()
    assert not compat.weights_only_refuses_mmengine()
    assert compat.STATUS == dict(
        WARNINGS='applied', DEPS='not needed',
        DRN='applied' if compat.drn_is_missing() else 'not needed',
        WEIGHTS_ONLY='applied', MULTIMODAL='not needed', FLOWFLIP='applied',
        NUMPY2_NAMES='applied', NUMPY2_HUE='applied')
    # the proof that WEIGHTS_ONLY was needed: test_fix_weights_only_...


@pytest.mark.skipif(not compat.drn_is_missing(),
                    reason='this mmaction2 ships drn; fix DRN is a no-op')
def test_fix_drn_missing_drn_and_its_switch():
    # the defect: with the fix off, mmdatp (which imports mmaction.models)
    # fails to import
    broken = run_py('import mmdatp', MMDATP_NO_FIX_DRN='1')
    assert broken.returncode != 0
    assert "No module named 'mmaction.models.localizers.drn'" in broken.stderr
    # with it on: the placeholder, and one log line however often it runs
    fixed = run_py(
        'import logging; logging.basicConfig(level=logging.INFO)\n'
        'import mmdatp, mmaction.models\n'
        'mmdatp.compat.apply_stack_fixes()\n'
        'from mmaction.models.localizers.drn.drn import DRN\n'
        'try:\n    DRN()\nexcept ImportError as e:\n    print(e)\n')
    assert fixed.returncode == 0, fixed.stderr
    assert 'DRN is not part of the PyPI wheel' in fixed.stdout
    assert fixed.stderr.count('mmdatp stack fix DRN: registered') == 1
    # WARNINGS, DRN, WEIGHTS_ONLY, FLOWFLIP, NUMPY2_NAMES, NUMPY2_HUE: once
    assert fixed.stderr.count('mmdatp stack fix') == 6


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
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, 'find_spec', lambda name, *a: None
        if name in ('importlib_metadata', 'pkg_resources') else real(name, *a))
    with pytest.raises(ImportError) as err:
        compat.check_dependencies()
    assert 'importlib_metadata' in str(err.value)
    assert 'setuptools<81' in str(err.value)
    # detected, and turned off by its switch
    deps = dict((f.name, f) for f in compat.FIXES)['DEPS']
    monkeypatch.setattr(compat, 'STATUS', {})
    monkeypatch.setenv('MMDATP_NO_FIX_DEPS', '1')
    assert compat.apply_fix(deps) == 'disabled'
    monkeypatch.setattr(compat, 'STATUS', {})
    monkeypatch.delenv('MMDATP_NO_FIX_DEPS')
    with pytest.raises(ImportError, match='importlib_metadata'):
        compat.apply_fix(deps)


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


def test_fix_weights_only_load_of_mmengine_objects(tmp_path):
    path = _checkpoint_like(tmp_path)
    # without the allow-list torch refuses (weights_only=True by default)
    broken = run_py(f'import mmdatp, torch; torch.load({str(path)!r})',
                    MMDATP_NO_FIX_WEIGHTS_ONLY='1')
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


def test_fix_weights_only_keeps_weights_only_on(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'x': NotAllowed()}, path)
    with pytest.raises(Exception, match='(?i)weights_only|unpickl'):
        torch.load(path)


class FetchesAttribute:
    """Pickles as getattr(HistoryBuffer, '__init__'): must stay refused."""

    def __reduce__(self):
        return getattr, (HistoryBuffer, '__init__')


def test_fix_weights_only_getattr_is_limited_to_history_buffer_stats(tmp_path):
    path = tmp_path / 'getattr.pth'
    torch.save({'x': FetchesAttribute()}, path)
    with pytest.raises(Exception, match='only HistoryBuffer statistics'):
        torch.load(path)


def test_apply_stack_fixes_is_idempotent():
    compat.apply_stack_fixes()
    compat.apply_stack_fixes()
    assert 'mmaction.models.localizers.drn' in sys.modules or \
        not compat.drn_is_missing()


# mmdatp.compat.multimodal loaded without mmdatp/__init__.py, which applies
# every fix
COMPAT_ALONE = (
    'import importlib.util\n'
    'spec = importlib.util.spec_from_file_location(\n'
    f'    "c", {multimodal.__file__!r})\n'
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


def test_fix_multimodal_transformers_5_does_not_break_mmaction_models(tmp_path):
    path = _fake_transformers(tmp_path, '5.0.0')
    prefix = f'import sys; sys.path.insert(0, {path!r})\n'
    broken = run_py(prefix + 'import mmdatp', MMDATP_NO_FIX_MULTIMODAL='1')
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


def test_fix_multimodal_leaves_transformers_4_alone(tmp_path):
    path = _fake_transformers(tmp_path, '4.30.0')
    out = run_py(f'import sys; sys.path.insert(0, {path!r})\n' +
                 COMPAT_ALONE + 'print(c.transformers_too_new())')
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == 'False'


def test_fix_warnings_hides_only_the_unactionable_stack_warnings():
    """The pinned stack prints setuptools' pkg_resources deprecation and
    mmcv-lite's MultiScaleDeformableAttention warning on every command;
    mmdatp filters exactly those, unless MMDATP_NO_FIX_WARNINGS=1."""
    code = ('import warnings; import mmdatp, mmaction.models; '
            'from mmengine.config import Config; '
            "Config.fromfile('configs/datp_tsn_r34_synthetic.py'); "
            "warnings.warn('a warning of our own')")
    shown = run_py(code, MMDATP_NO_FIX_WARNINGS='1').stderr
    hidden = run_py(code, MMDATP_NO_FIX_WARNINGS='0').stderr
    # the defect is there in this stack...
    assert 'pkg_resources is deprecated' in shown
    assert 'MultiScaleDeformableAttention' in shown
    # ...and the fix removes exactly those two, nothing else
    assert 'pkg_resources is deprecated' not in hidden
    assert 'MultiScaleDeformableAttention' not in hidden
    assert 'a warning of our own' in hidden


def test_old_switch_of_the_warnings_fix(monkeypatch):
    monkeypatch.delenv('MMDATP_NO_FIX_WARNINGS', raising=False)
    monkeypatch.setenv('MMDATP_SHOW_STACK_WARNINGS', '1')
    assert compat.fix_disabled('WARNINGS')
    assert not compat.fix_disabled('DRN')
