"""The package version (also part of mypy's cache key, through ``report_config_data``)."""

__version__ = "0.1.0"
