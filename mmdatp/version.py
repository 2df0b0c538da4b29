"""Version of the mmdatp package."""

__version__ = '0.1.0'
