"""Metrics registered into ``mmaction.registry.METRICS`` (need the stack;
``import mmdatp`` imports them, :mod:`mmdatp.evaluation` does not)."""
from .localisation_metric import DATPLocalisationMetric

__all__ = ['DATPLocalisationMetric']
