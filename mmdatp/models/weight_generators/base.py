"""Common interface of DATP weight generators."""
import math
from abc import ABCMeta, abstractmethod
from typing import Dict

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule


def inverse_softplus(y: torch.Tensor) -> torch.Tensor:
    """Inverse of ``softplus`` for ``y > 0``: ``log(exp(y) - 1)``."""
    return y + torch.log(-torch.expm1(-y))


def log_softplus(x: torch.Tensor) -> torch.Tensor:
    """``log(softplus(x))`` that stays finite for very negative ``x``."""
    # softplus(x) ~= exp(x) below -20, whose log is x itself.
    safe = F.softplus(x.clamp_min(-20.0)).log()
    return torch.where(x < -20.0, x, safe)


class BaseWeightGenerator(BaseModule, metaclass=ABCMeta):
    """A weights generator maps regressed parameters ``theta`` to temporal weights.

    The auxiliary ConvNet regresses ``theta`` of size :attr:`num_params`
    (unconstrained reals); the generator turns it into positive weights
    ``w_i`` at the segments' normalised times ``t_i``. Generators work in log
    space (:meth:`log_weights`) so that the head can normalise weights without
    underflow, e.g. for a very narrow Gaussian.
    """

    #: whether the weights depend on the segment times (False: per index).
    uses_times = True
    #: whether ``theta`` is regressed by the aux net (True) or drawn by
    #: :meth:`sample_theta` without looking at the video (False: the
    #: testing schemes' uniform and random weights, which need no aux net).
    learned = True

    @property
    @abstractmethod
    def num_params(self) -> int:
        """Number of regressed parameters (output size of the aux net)."""

    @abstractmethod
    def init_params(self) -> torch.Tensor:
        """Raw ``theta`` (shape ``(num_params,)``) giving the initial weights.

        Used as the bias of the aux net's zero-initialised regression layer
        (spatial-transformer style), so training starts from these weights.
        """

    @abstractmethod
    def decode(self, theta: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Constrained generator parameters from raw ``theta`` of shape (B, P)."""

    @abstractmethod
    def log_weights(self, theta: torch.Tensor,
                    times: torch.Tensor) -> torch.Tensor:
        """``log w`` of shape (B, N) for ``theta`` (B, P) and ``times`` (B, N)."""

    def sample_theta(self, num_videos: int,
                     times: torch.Tensor) -> torch.Tensor:
        """``theta`` (num_videos, P) of a generator that is not learned.

        Args:
            num_videos (int): B, one ``theta`` per video (its views share it).
            times (torch.Tensor): The videos' segment times (B, N); gives
                the device and dtype.
        """
        raise NotImplementedError(
            f'{type(self).__name__} takes theta from the aux net '
            '(learned=True); only generators with learned=False sample it')

    def forward(self, theta: torch.Tensor,
                times: torch.Tensor) -> torch.Tensor:
        """Temporal weights ``w`` of shape (B, N)."""
        return self.log_weights(theta, times).exp()


LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
