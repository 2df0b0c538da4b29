"""Stack fix MULTIMODAL: transformers>=5 breaks ``import mmaction.models``.

With ``transformers>=5`` installed, ``import mmaction.models`` fails in its
VindLU models (they import names transformers 5 removed): switch mmaction's
``WITH_MULTIMODAL`` off, so that mmaction registers its own placeholders.
"""
import sys


def transformers_version() -> str:
    """The installed transformers version ('' if none)."""
    import importlib_metadata
    try:
        return importlib_metadata.version('transformers')
    except importlib_metadata.PackageNotFoundError:
        return ''


def transformers_too_new() -> bool:
    """Whether the installed transformers is 5 or newer (VindLU needs 4.x)."""
    major = transformers_version().split('.')[0]
    return major.isdigit() and int(major) >= 5


def _multimodal_defect() -> bool:
    return 'mmaction.models.multimodal' not in sys.modules and \
        transformers_too_new()


def disable_incompatible_multimodal() -> str:
    """Skip mmaction's VindLU import under transformers>=5."""
    from mmaction.utils import dependency
    dependency.WITH_MULTIMODAL = False
    return (f'transformers {transformers_version()} is too new for '
            "mmaction's VindLU models: switched mmaction's WITH_MULTIMODAL "
            'off (building a VindLU model raises ImportError)')
