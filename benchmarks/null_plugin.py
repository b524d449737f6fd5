"""A mypy plugin that does nothing: the floor any plugin costs.

With a plugin loaded, mypy sends every hook query (functions, methods, attributes, type
analysis, classes, ...) through a ``ChainedPlugin`` and asks this interpreted object first;
every answer is ``None``.  ``instructions.py`` and ``bench.py`` load it by path
(``plugins = <this file>``), so neither the plain nor the plugin run sees a changed
``sys.path``.
"""

from __future__ import annotations

from mypy.plugin import Plugin


class NullPlugin(Plugin):
    """No hooks: every ``get_*_hook`` is the base class's, which returns ``None``."""


def plugin(version: str) -> type[Plugin]:
    return NullPlugin
