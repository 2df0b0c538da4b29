"""From a dataset folder in its official layout to the paper's Table 4:
frames and flow, lists, TSN, DATP fine-tuned from it, the testing schemes,
two-stream fusion, the table and figures (``tools/reproduce.py``).

- :mod:`.layout`: the official layouts, split derivation, safe names;
- :mod:`.plan`: scales, models, rows, time and disk estimates;
- :mod:`.configs`: the project's configs with the run's overrides;
- :mod:`.stages`: the resumable stages and :func:`run`;
- :mod:`.table`: Table 4 (markdown, JSON) and the figures.
"""
from .layout import (BadInputError, DatasetLayout, derive_ucf101_split,
                     read_layout, safe_name, ucf101_test_groups)
from .plan import MODELS, ROWS, SCALES, STAGES, Scale, estimate
from .stages import DiskFullError, Options, check_disk, plan_text, run

__all__ = [
    'BadInputError', 'DatasetLayout', 'derive_ucf101_split', 'read_layout',
    'safe_name', 'ucf101_test_groups', 'MODELS', 'ROWS', 'SCALES', 'STAGES',
    'Scale', 'estimate', 'DiskFullError', 'Options', 'check_disk',
    'plan_text', 'run'
]
