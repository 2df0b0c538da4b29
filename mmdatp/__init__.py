"""mmdatp: Deep Adaptive Temporal Pooling for MMAction2 1.x.

Importing the package applies the stack fixes of :mod:`mmdatp.compat` and
registers the DATP head, aux nets, weight generators, segment sampler, hooks
and metrics into ``mmaction.registry``, so that a config's
``custom_imports = dict(imports=['mmdatp'])`` is all it takes.

That needs the whole stack (torch, mmengine, mmaction2). Reading and scoring
result dumps does not: with ``MMDATP_NO_REGISTER=1`` the package imports
neither, and only its stack-free parts work (:mod:`mmdatp.evaluation`,
:mod:`mmdatp.utils`), e.g. on a machine with just numpy and scipy.
"""
import os

from .version import __version__

#: Whether this import skipped the stack (``MMDATP_NO_REGISTER=1``)
NO_REGISTER = os.environ.get('MMDATP_NO_REGISTER', '') not in ('', '0')

if not NO_REGISTER:
    from .compat import apply_stack_fixes

    apply_stack_fixes()

    from . import datasets, engine, models  # noqa: E402,F401  (registers)
    from .evaluation import metrics  # noqa: E402,F401  (registers)

    __all__ = [
        '__version__', 'apply_stack_fixes', 'datasets', 'engine', 'models'
    ]
else:
    __all__ = ['__version__']

    def __getattr__(name: str):
        raise AttributeError(
            f'mmdatp.{name} is not loaded: MMDATP_NO_REGISTER=1 skipped the '
            'stack, so only mmdatp.evaluation and mmdatp.utils work; unset '
            'it to use the rest')
