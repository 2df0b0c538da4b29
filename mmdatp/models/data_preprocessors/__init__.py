"""Data preprocessors registered into ``mmaction.registry.MODELS``."""
from .jpeg_decode_preprocessor import JPEGDecodeDataPreprocessor, decode_clips

__all__ = ['JPEGDecodeDataPreprocessor', 'decode_clips']
