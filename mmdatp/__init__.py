"""mmdatp: Deep Adaptive Temporal Pooling for MMAction2 1.x.

Importing the package applies the stack fixes of :mod:`mmdatp.compat` and
registers the DATP head, aux nets, weight generators and segment sampler into
``mmaction.registry``.
"""
from .compat import apply_stack_fixes

apply_stack_fixes()

from . import datasets, engine, models  # noqa: E402,F401  (registers)
from .version import __version__  # noqa: E402

__all__ = [
    '__version__', 'apply_stack_fixes', 'datasets', 'engine', 'models'
]
