"""Full precision inside autocast, for the parts of DATP that need it."""
import contextlib
from typing import ContextManager

import torch

#: device types ``torch.autocast`` knows
_AUTOCAST_DEVICES = ('cpu', 'cuda', 'xpu', 'hpu', 'mps')


def autocast_off(device: torch.device) -> ContextManager:
    """A context in which autocast is off on ``device`` (no-op elsewhere).

    DATP's temporal parameters ``theta`` (mu, sigma, rho, discrete logits),
    the weights generator and the pooling run in it, in float32: bf16 keeps
    8 bits of mantissa (the paper's initial mu = 1/3 reads 0.33398) and the
    Gaussians' ``(t - mu) / sigma`` amplifies such errors by ``1 / sigma``.
    """
    if device.type in _AUTOCAST_DEVICES:
        return torch.autocast(device_type=device.type, enabled=False)
    return contextlib.nullcontext()
