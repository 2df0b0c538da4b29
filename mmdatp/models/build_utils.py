"""Build DATP sub-modules from config dicts with errors that name the field.

A typo in a DATP config (``type='MoGWeightGenrator'``,
``num_gausians=2``) would otherwise surface as a registry ``KeyError`` or a
bare ``TypeError`` from deep inside ``MODELS.build``. Here it is a
``ValueError`` that names the config field and lists what is allowed.
"""
import inspect
from typing import Dict, List, Tuple

import torch.nn as nn
from mmaction.registry import MODELS

from ..utils import did_you_mean


def registered_subclasses(base: type) -> List[str]:
    """Names of the modules registered in ``MODELS`` (and its parents)
    that subclass ``base``, sorted."""
    names = set()
    registry = MODELS
    while registry is not None:
        for name, cls in registry.module_dict.items():
            if isinstance(cls, type) and issubclass(cls, base):
                names.add(name)
        registry = registry.parent
    return sorted(names)


def _init_args(cls: type) -> Tuple[List[str], bool]:
    """Argument names ``cls(...)`` accepts, following ``**kwargs`` that are
    passed on to base classes; and whether any name at all is accepted."""
    names: List[str] = []
    for klass in cls.__mro__:
        if '__init__' not in vars(klass):
            continue
        params = inspect.signature(klass.__init__).parameters
        names += [
            n for n, p in params.items() if n != 'self' and n not in names
            and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        ]
        if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            return names, False
        if klass is nn.Module:
            break
    return names, True


_suggest = did_you_mean  # the name the modules here use


def resolve_type(cfg: Dict, base: type, field: str) -> type:
    """The class ``cfg['type']`` names, checked to subclass ``base``.

    Args:
        cfg (dict): A module config with a ``type`` key.
        base (type): The class it must subclass.
        field (str): The config field, for messages (e.g.
            ``'DATPHead.weight_generator'``).

    Returns:
        type: The registered class.

    Raises:
        ValueError: If ``cfg`` is not a dict with a ``type``, or the type is
            unknown or of the wrong kind; the message lists the valid types.
    """
    valid = registered_subclasses(base)
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise ValueError(f'{field} must be a config dict with a "type" '
                         f'(one of {valid}), got {cfg!r}')
    name = cfg['type']
    cls = name if isinstance(name, type) else MODELS.get(name)
    if not (isinstance(cls, type) and issubclass(cls, base)):
        what = 'is not registered' if cls is None else \
            f'is not a {base.__name__}'
        raise ValueError(f'{field}: type {name!r} {what}'
                         f'{_suggest(str(name), valid)}; valid types are '
                         f'{valid}')
    return cls


def build_checked(cfg: Dict, base: type, field: str) -> nn.Module:
    """``MODELS.build(cfg)`` after checking its type and argument names.

    Args:
        cfg (dict): The module config.
        base (type): The class the built module must subclass.
        field (str): The config field, for messages.

    Returns:
        nn.Module: The built module.

    Raises:
        ValueError: For an unknown type (valid ones listed) or an argument
            the class does not take (its arguments listed).
    """
    cls = resolve_type(cfg, base, field)
    args, takes_any = _init_args(cls)
    if not takes_any:
        unknown = [k for k in cfg if k != 'type' and k not in args]
        if unknown:
            raise ValueError(
                f'{field}: {cls.__name__} has no argument {unknown[0]!r}'
                f'{_suggest(unknown[0], args)}; its arguments are {args}')
    return MODELS.build(cfg)
