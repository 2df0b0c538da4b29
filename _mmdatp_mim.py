"""Let mmengine resolve ``mmdatp::`` config paths, as it does ``mmaction::``.

A config may inherit an installed package's config with
``_base_ = 'mmaction::recognition/tsn/....py'``; mmengine then reads the
file from the package's ``.mim/configs`` folder. mmengine 0.10 does this only
for the OpenMMLab packages it lists (``MODULE2PACKAGE``) and only for paths
with a folder, so ``_base_ = 'mmdatp::datp_tsn_r34_hmdb51.py'`` would fail
with "mmengine does not support to load mmdatp config" -- before any
``custom_imports`` of the config could import mmdatp.

``pip install`` therefore puts ``_mmdatp_mim.pth`` into site-packages, which
runs :func:`install` when Python starts. It imports nothing: it waits for
``mmengine.config.config`` to be imported and then wraps
``Config._get_cfg_path`` so that ``mmdatp::<path>`` resolves to
``<mmdatp>/.mim/configs/<path>`` (a regular install, which carries the
configs like MMAction2's wheel) or ``<checkout>/configs/<path>`` (an
editable install or a source checkout). Every other path goes to mmengine
unchanged. Any failure in here is swallowed: Python must start regardless.
"""
import importlib.abc
import importlib.util
import os.path as osp
import sys

__all__ = ['PREFIX', 'configs_dir', 'resolve', 'install']

#: the scope prefix of mmdatp's configs
PREFIX = 'mmdatp::'
_TARGET = 'mmengine.config.config'
_MARK = '_mmdatp_mim'


def configs_dir() -> str:
    """The folder of the configs of the mmdatp that ``import`` would load.

    Returns:
        str: ``<mmdatp>/.mim/configs`` of an installed wheel, else the
        ``configs`` folder next to the ``mmdatp`` package (a checkout).
    """
    spec = importlib.util.find_spec('mmdatp')
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(
            f"cannot resolve '{PREFIX}...' configs: mmdatp is not installed")
    package = osp.dirname(spec.origin)
    candidates = (osp.join(package, '.mim', 'configs'),
                  osp.join(osp.dirname(package), 'configs'))
    for path in candidates:
        if osp.isdir(path):
            return path
    raise FileNotFoundError(
        f'mmdatp at {package} has no configs (looked in '
        f'{" and ".join(candidates)}); reinstall it with `pip install`')


def resolve(cfg_path: str) -> str:
    """The file of ``'mmdatp::<path>'``, e.g. of
    ``'mmdatp::datp_tsn_r34_hmdb51.py'`` or ``'mmdatp::ablations/...'``."""
    if not cfg_path.startswith(PREFIX):
        raise ValueError(f'expected {PREFIX}<config path>, got {cfg_path!r}')
    rel = cfg_path[len(PREFIX):]
    root = configs_dir()
    path = osp.normpath(osp.join(root, rel))
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{cfg_path}: no config {rel!r} in {root} (the names are those '
            'of the repository\'s configs/, e.g. '
            f"'{PREFIX}datp_tsn_r34_hmdb51.py')")
    return path


def _patch(module) -> None:
    """Wrap ``module.Config._get_cfg_path`` (once)."""
    config_cls = module.Config
    original = config_cls.__dict__['_get_cfg_path'].__func__
    if getattr(original, _MARK, False):
        return

    def _get_cfg_path(cfg_path, filename):
        if isinstance(cfg_path, str) and cfg_path.startswith(PREFIX):
            # scope None: mmdatp's configs build in the 'mmaction' scope
            # that they set themselves, exactly as when read from a checkout
            return resolve(cfg_path), None
        return original(cfg_path, filename)

    setattr(_get_cfg_path, _MARK, True)
    _get_cfg_path.__doc__ = original.__doc__
    config_cls._get_cfg_path = staticmethod(_get_cfg_path)


class _Loader(importlib.abc.Loader):
    """Runs the real loader of ``mmengine.config.config``, then patches."""

    def __init__(self, loader) -> None:
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        self._loader.exec_module(module)
        try:
            _patch(module)
        except Exception:  # never break mmengine itself
            pass

    def __getattr__(self, name):  # get_source, get_filename, ...
        return getattr(self._loader, name)


class _Finder(importlib.abc.MetaPathFinder):
    """Hands out :class:`_Loader` for ``mmengine.config.config`` only."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != _TARGET:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, 'find_spec'):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(
                        spec.loader, 'exec_module'):
                    spec.loader = _Loader(spec.loader)
                return spec
        return None


def install() -> None:
    """Make ``mmdatp::`` resolvable in this process (idempotent)."""
    try:
        module = sys.modules.get(_TARGET)
        if module is not None and hasattr(module, 'Config'):
            _patch(module)
        elif not any(isinstance(f, _Finder) for f in sys.meta_path):
            sys.meta_path.insert(0, _Finder())
    except Exception:  # a .pth hook must never stop Python from starting
        pass
