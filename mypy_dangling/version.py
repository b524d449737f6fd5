"""The package version (also part of mypy's cache key, through ``report_config_data``)."""

__version__ = "0.1.0"
#: Whether the plugin's modules were compiled with mypyc (``setup.py``): a compiled module
#: is an extension module, not a ``.py`` file.
COMPILED = not __file__.endswith(".py")
