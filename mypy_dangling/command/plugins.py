"""The user's other mypy plugins: used when they import, skipped with a warning if not.

A project's config often names plugins of its dependencies (``plugins = pydantic.mypy``),
while the command may be installed on its own (pipx, a pre-commit hook's virtualenv).
mypy stops at a plugin it cannot import; the command only needs the plugin's types to be
a little more precise, so it checks without it and says how to make it available.  A
plugin that imports is left in the list, and mypy loads it exactly as it would.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class MissingPlugin:
    """A configured plugin that cannot be imported here, and why."""

    entry: str
    reason: str

    def warning(self, prog: str, config_file: str | None) -> str:
        where = f" (from {config_file})" if config_file else ""
        path = self.entry.split(":")[0]
        if path.endswith(".py"):
            return (
                f'{prog}: warning: plugin "{self.entry}"{where} cannot be loaded '
                f"({self.reason}); checking without it\n"
            )
        package = path.split(".")[0]
        return (
            f'{prog}: warning: plugin "{self.entry}"{where} cannot be imported '
            f"({self.reason}); checking without it. To use it, install it beside "
            f"{prog} (e.g. pipx inject {prog} {package}, or "
            f"additional_dependencies: [{package}] in pre-commit)\n"
        )


def _import_problem(entry: str, config_file: str | None) -> str | None:
    """Why mypy could not import this plugin (its own resolution rules), or None."""
    path = entry
    if ":" in os.path.basename(path):
        path = path.rsplit(":", 1)[0]
    plugin_dir = None
    if path.endswith(".py"):
        path = os.path.join(os.path.dirname(config_file or ""), path)
        if not os.path.isfile(path):
            return f"no file {path}"
        plugin_dir = os.path.abspath(os.path.dirname(path))
        module = os.path.basename(path)[:-3]
        sys.path.insert(0, plugin_dir)
    else:
        module = path
    try:
        importlib.import_module(module)
    except Exception as exc:  # what mypy catches too: any failure while importing
        return f"{type(exc).__name__}: {exc}"
    finally:
        if plugin_dir is not None and sys.path and sys.path[0] == plugin_dir:
            del sys.path[0]
    return None


def importable_plugins(
    plugins: Sequence[str], config_file: str | None
) -> tuple[list[str], list[MissingPlugin]]:
    """The plugins mypy can load here, and those it cannot."""
    kept: list[str] = []
    missing: list[MissingPlugin] = []
    for entry in plugins:
        problem = _import_problem(entry.strip(), config_file)
        if problem is None:
            kept.append(entry)
        else:
            missing.append(MissingPlugin(entry.strip(), problem))
    return kept, missing
