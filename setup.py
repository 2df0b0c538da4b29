"""Build hooks of mmdatp; the metadata is in setup.cfg.

As MMAction2 does with ``mmaction/.mim``, a regular build copies the
configs, the tools and ``model-index.yml`` into ``mmdatp/.mim/`` of the
wheel, so that an installed mmdatp carries its configs (``mim`` lists them;
``_base_ = 'mmdatp::datp_tsn_r34_hmdb51.py'`` finds them). Both regular and
editable builds add ``_mmdatp_mim.pth`` to site-packages, which lets mmengine
resolve ``mmdatp::`` paths (see ``_mmdatp_mim.py``); an editable install
reads the configs from the checkout instead of copies.
"""
import os
import os.path as osp
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = osp.dirname(osp.abspath(__file__))
#: what goes into mmdatp/.mim/ of a regular build (MMAction2's layout)
MIM_FILES = ('configs', 'tools', 'model-index.yml')
PTH_NAME = '_mmdatp_mim.pth'
# site runs .pth lines that start with `import`; if the module is gone (a
# broken install) the line does nothing instead of printing a traceback
PTH_LINE = ("import importlib.util as u; u.find_spec('_mmdatp_mim') and "
            "__import__('_mmdatp_mim').install()\n")


class BuildPyWithMim(build_py):
    """``build_py`` that also writes ``mmdatp/.mim`` and the .pth hook."""

    def run(self) -> None:
        super().run()
        if getattr(self, 'editable_mode', False):
            # editable_wheel installs whatever lands in install_lib (the
            # unpacked wheel) as is; the configs stay in the checkout
            lib = self.get_finalized_command('install').install_lib
        else:
            lib = self.build_lib
            self.copy_mim(osp.join(lib, 'mmdatp', '.mim'))
        os.makedirs(lib, exist_ok=True)
        with open(osp.join(lib, PTH_NAME), 'w', encoding='utf-8') as f:
            f.write(PTH_LINE)

    @staticmethod
    def copy_mim(mim_dir: str) -> None:
        """Copy :data:`MIM_FILES` into ``mim_dir`` (replacing old copies)."""
        if osp.isdir(mim_dir):
            shutil.rmtree(mim_dir)
        os.makedirs(mim_dir)
        ignore = shutil.ignore_patterns('__pycache__', '*.pyc')
        for name in MIM_FILES:
            src = osp.join(ROOT, name)
            dst = osp.join(mim_dir, name)
            if osp.isdir(src):
                shutil.copytree(src, dst, ignore=ignore)
            else:
                shutil.copyfile(src, dst)


setup(cmdclass={'build_py': BuildPyWithMim})
