"""The plugin class: a table from callee names to hooks, nothing else.

Any callee can return a task (a user's function, a callable variable, a generic function),
so the plugin hooks every callee whose declaration can matter (:mod:`mypy_dangling.callees`)
and looks at the inferred return type; the statement around a call is examined only when
that type is a Task or Future.  mypy uses the *first* plugin that returns a hook for a
name, so every hook first runs what mypy's own ``DefaultPlugin`` would have run for that
name and returns its result unchanged: the plugin never changes a type mypy infers.
(Plugins listed *after* this one in the config are shadowed for the hooked names: list
``mypy_dangling`` last.)
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from mypy.nodes import MypyFile
from mypy.options import Options
from mypy.plugin import (
    FunctionContext,
    MethodContext,
    Plugin,
    ReportConfigContext,
)
from mypy.plugins.default import DefaultPlugin
from mypy.types import Type

from mypy_dangling.callees import may_matter
from mypy_dangling.calls import check_function_call, check_method_call
from mypy_dangling.config import DanglingConfig, load_config
from mypy_dangling.errorcodes import internal_error
from mypy_dangling.flow import Flow
from mypy_dangling.noqa import set_respect_noqa
from mypy_dangling.owners import configured_owner_problem
from mypy_dangling.version import __version__


class DanglingPlugin(Plugin):
    """Reports Tasks and Futures that nothing keeps a reference to."""

    def __init__(self, options: Options, config: DanglingConfig | None = None) -> None:
        super().__init__(options)
        # ``config``: the command's overrides (``--ignore-noqa``); else the config file's.
        self.config = load_config(options) if config is None else config
        set_respect_noqa(options.config_file, self.config.respect_noqa)
        self.flow = Flow(self.config, options)
        self._default = DefaultPlugin(options)
        self._warned: set[str] = set()
        self._config_data = _config_data(self.config)
        # Hooks by callee name; mypy asks for every call it checks.  Forgotten when a module
        # is parsed again, since that is how a declaration changes (dmypy reuses plugins).
        self._parsed: set[str] = set()
        self._function_hooks: dict[str, Callable[[FunctionContext], Type] | None] = {}
        self._method_hooks: dict[str, Callable[[MethodContext], Type] | None] = {}
        # Coroutine callees matter only to the untyped-code check.  (A file that turns
        # check_untyped_defs on with an inline ``# mypy:`` comment is not seen from here.)
        self._untyped_checked = options.check_untyped_defs or any(
            section.get("check_untyped_defs") for section in options.per_module_options.values()
        )

    def set_modules(self, modules: dict[str, MypyFile]) -> None:
        super().set_modules(modules)
        self._default.set_modules(modules)

    def report_config_data(self, ctx: ReportConfigContext) -> Any:
        if not ctx.is_check:
            # mypy is about to write the module's cache (after semantic analysis; before
            # or after checking the bodies, by mypy version): the summaries must be in the
            # symbol table it serializes.
            self._check_configured_owners(ctx.id)
            self._store_summaries(ctx.id)
        return self._config_data

    def _store_summaries(self, module: str) -> set[str]:
        tree = (self._modules or {}).get(module)
        if tree is None:
            return set()
        try:
            return self.flow.finish(tree, self._modules or {})
        except Exception as exc:  # the plugin must never crash mypy
            print(f"{tree.path}: error: {internal_error(exc)}", file=sys.stderr)
            return set()

    def _check_configured_owners(self, module: str) -> None:
        """Warn about configured owners under a module mypy has just processed.

        mypy calls ``report_config_data(is_check=False)`` when it writes a module it has
        just processed, so the module's symbol table is complete here.  Names under modules
        that are never processed (cache-less runs) are checked by the command at the end.
        """
        names = [name for name in self.config.owners if name.startswith(module + ".")]
        self.warn_unknown_owners(self._modules or {}, names, complete=False)

    def warn_unknown_owners(
        self, modules: dict[str, MypyFile], names: Sequence[str], *, complete: bool
    ) -> None:
        """Print a warning (once per name) for configured owners that name nothing."""
        for name in names:
            problem = configured_owner_problem(name, modules, complete=complete)
            if problem and name not in self._warned:
                self._warned.add(name)
                print(
                    f"{self.options.config_file}: warning: [mypy_dangling]: owners: "
                    f'"{name}" names nothing: {problem}',
                    file=sys.stderr,
                )

    def get_additional_deps(self, file: MypyFile) -> list[tuple[int, str, int]]:
        # mypy parses every module once per build; a second parse is a change (dmypy).
        if file.fullname in self._parsed:
            self._function_hooks.clear()
            self._method_hooks.clear()
            self.flow.forget(file.fullname)
        self._parsed.add(file.fullname)
        self.flow.store.parsed(file.fullname)
        return []

    def get_additional_indirect_deps(self, file: MypyFile) -> set[str]:
        # Called when mypy is done checking a module, before it frees the tree (and, with
        # mypy 1.x, before it writes the cache): the summaries are stored now if they are
        # not yet, and the modules whose summaries the findings used become dependencies.
        return self._store_summaries(file.fullname)

    def _may_matter(self, fullname: str) -> bool:
        try:
            return may_matter(
                fullname, self._modules or {}, coroutines=self._untyped_checked, flow=self.flow
            )
        except Exception:  # the plugin must never crash mypy: let the hook decide
            return True

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        try:
            return self._function_hooks[fullname]
        except KeyError:
            hook = None
            if self._may_matter(fullname):
                default = self._default.get_function_hook(fullname)
                hook = partial(check_function_call, self.flow, fullname, default)
            self._function_hooks[fullname] = hook
            return hook

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        try:
            return self._method_hooks[fullname]
        except KeyError:
            hook = None
            if self._may_matter(fullname):
                default = self._default.get_method_hook(fullname)
                hook = partial(check_method_call, self.flow, fullname, default)
            self._method_hooks[fullname] = hook
            return hook


def _config_data(config: DanglingConfig) -> str:
    """mypy's cache key for the plugin: its version, its config and a hash of its code.

    mypy fingerprints only a plugin's top module (and nothing for a plugin passed to
    ``build()`` directly, as the command does), so a changed check would otherwise reuse
    cached findings from the old code.  One short string: mypy keeps it in the metadata of
    every cached module.
    """
    digest = hashlib.sha256(json.dumps(config.to_data(), sort_keys=True).encode())
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return f"{__version__}:{digest.hexdigest()[:20]}"
