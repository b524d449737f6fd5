"""The package version (also part of mypy's cache key, through ``report_config_data``)."""

from importlib.machinery import EXTENSION_SUFFIXES

__version__ = "0.1.0"
#: Whether the plugin's modules were compiled with mypyc (``setup.py``): a compiled module
#: is an extension module.
COMPILED = __file__.endswith(tuple(EXTENSION_SUFFIXES))
