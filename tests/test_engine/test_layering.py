"""engine/ sits below apis/: it never imports it."""
import ast
import os
import os.path as osp
import subprocess
import sys

import mmdatp

PACKAGE = osp.dirname(mmdatp.__file__)


def _imports(path: str, package: str):
    """Absolute names of the modules a file imports."""
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split('.')
            if node.level:
                base = base[:len(base) - node.level + 1]
                yield '.'.join(base + ([node.module] if node.module else []))
            else:
                yield node.module


def test_engine_sources_do_not_import_apis():
    found = {}
    for root, _, files in os.walk(osp.join(PACKAGE, 'engine')):
        for name in files:
            if name.endswith('.py'):
                path = osp.join(root, name)
                rel = osp.relpath(path, osp.dirname(PACKAGE))[:-3]
                # the package a file's relative imports start from
                package = osp.dirname(rel).replace(os.sep, '.')
                found[rel] = [m for m in _imports(path, package)
                              if m == 'mmdatp.apis'
                              or m.startswith('mmdatp.apis.')]
    assert found and 'mmdatp/engine/hooks/init_from_tsn_hook' in found
    assert {k: v for k, v in found.items() if v} == {}


def test_the_import_check_sees_relative_imports(tmp_path):
    path = tmp_path / 'hook.py'
    path.write_text('from ...apis.checkpoint import x\nfrom ..utils import y\n')
    assert list(_imports(str(path), 'mmdatp.engine.hooks')) == [
        'mmdatp.apis.checkpoint', 'mmdatp.engine.utils']


def test_importing_engine_loads_no_apis():
    code = ('import sys, mmdatp.engine; '
            "print(sorted(m for m in sys.modules if m.startswith('mmdatp.')))")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, timeout=300,
                         cwd=osp.dirname(PACKAGE))
    assert out.returncode == 0, out.stderr
    assert 'mmdatp.engine.checkpoint' in out.stdout
    assert 'mmdatp.apis' not in out.stdout


def test_old_checkpoint_module_path_gives_the_engine_functions():
    from mmdatp.apis import checkpoint as old
    from mmdatp.engine import checkpoint
    for name in old.__all__:
        assert getattr(old, name) is getattr(checkpoint, name)
    assert {n for n in dir(checkpoint) if not n.startswith('_')
            and callable(getattr(checkpoint, n))
            and getattr(checkpoint, n).__module__ == checkpoint.__name__
            } <= set(old.__all__)
