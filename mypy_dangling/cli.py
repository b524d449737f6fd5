"""The console script's entry point (``mypy_dangling.cli:console_main``).

The command lives in :mod:`mypy_dangling.command`; this module keeps the entry point's
name stable for installed scripts and pre-commit hooks.
"""

from __future__ import annotations

from mypy_dangling.command.cli import console_main, main

__all__ = ["console_main", "main"]
