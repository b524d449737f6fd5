"""mypy-dangling: find asyncio tasks that nothing keeps a reference to.

Enable the plugin with ``plugins = mypy_dangling`` in the ``[mypy]`` section (list it last).
"""

from __future__ import annotations

from mypy.plugin import Plugin

from mypy_dangling.version import __version__

__all__ = ["__version__", "plugin"]


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point: the plugin class (imported here so the CLI stays light)."""
    from mypy_dangling.main import DanglingPlugin

    return DanglingPlugin
