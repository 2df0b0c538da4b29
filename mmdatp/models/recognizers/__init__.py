"""Recognizers registered into ``mmaction.registry.MODELS``."""
from .feature_recognizer import FeatureRecognizer

__all__ = ['FeatureRecognizer']
