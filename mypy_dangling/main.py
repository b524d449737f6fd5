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
import os
import sys
import zlib
from collections.abc import Callable, Sequence
from functools import partial
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
from mypy_extensions import mypyc_attr

from mypy_dangling.callees import may_matter
from mypy_dangling.calls import check_function_call, check_method_call
from mypy_dangling.config import DanglingConfig, load_config
from mypy_dangling.errorcodes import internal_error
from mypy_dangling.flow import Flow
from mypy_dangling.noqa import set_respect_noqa
from mypy_dangling.owners import configured_owner_problem
from mypy_dangling.version import __version__

FunctionHook = Callable[[FunctionContext], Type]
MethodHook = Callable[[MethodContext], Type]


# Compiled with mypyc (``setup.py``), the two classes below stay ordinary Python classes:
# one subclasses mypy's ``Plugin`` and gets attributes copied in after its definition, the
# other ``dict``.  Their methods are compiled all the same.
@mypyc_attr(native_class=False)
class DanglingPlugin(Plugin):
    """Reports Tasks and Futures that nothing keeps a reference to.

    mypy asks every plugin for a hook for each call, attribute, type and class it meets,
    through an attribute lookup on the plugin object: the class has ``__slots__`` (no
    instance ``__dict__`` to search on each of those queries), and the two lookups it
    answers are C-level: ``get_function_hook``/``get_method_hook`` are the ``__getitem__``
    of a :class:`HookTable`, so a name asked before (almost every query) is answered with no
    Python frame; only a new name runs :meth:`HookTable.__missing__`.
    """

    __slots__ = (
        "_config_data",
        "_default",
        "_function_hooks",
        "_method_hooks",
        "_parsed",
        "_untyped_checked",
        "_warned",
        "config",
        "flow",
        "get_function_hook",
        "get_method_hook",
    )

    # The lookups mypy calls: instance slots holding a HookTable's ``__getitem__``.
    get_function_hook: Callable[[str], FunctionHook | None]  # type: ignore[assignment]
    get_method_hook: Callable[[str], MethodHook | None]  # type: ignore[assignment]

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
        self._function_hooks = HookTable(
            self, self._default.get_function_hook, check_function_call
        )
        self._method_hooks = HookTable(self, self._default.get_method_hook, check_method_call)
        self.get_function_hook = self._function_hooks.__getitem__
        self.get_method_hook = self._method_hooks.__getitem__
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
            if self.config.owners:
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
        return []

    def get_additional_indirect_deps(self, file: MypyFile) -> set[str]:
        # Called when mypy is done checking a module, before it frees the tree (and, with
        # mypy 1.x, before it writes the cache): the summaries are stored now if they are
        # not yet, and the modules whose summaries the findings used become dependencies.
        if self.flow.store.finished(file.fullname):
            return self.flow.consulted(file.fullname)
        return self._store_summaries(file.fullname)


# mypy asks the plugin for every kind of hook, about a million times on a large codebase,
# mostly for kinds it does not define (``get_type_analyze_hook``, ``get_attribute_hook``...).
# Each query is an attribute lookup on the plugin object; when CPython's type attribute
# cache misses, the lookup walks the class's MRO dict by dict.  With mypy's ``Plugin``
# methods copied into this class's own dict, a miss is one dict probe: measured on aiohttp,
# 55 M fewer instructions (0.5 % of a run; ``docs/benchmarks.md``).
for _name, _method in vars(Plugin).items():
    if not _name.startswith("_") and callable(_method) and _name not in vars(DanglingPlugin):
        setattr(DanglingPlugin, _name, _method)


@mypyc_attr(native_class=False)
class HookTable(dict[str, "Callable[[Any], Type] | None"]):
    """Hooks by callee name, for one kind of hook (function or method).  A hit is a plain
    ``dict`` lookup in C; a miss (a name not asked before) computes the hook here, in one
    Python frame (a name's first query runs for thousands of names): ``check``
    (``check_function_call``/``check_method_call``) around what mypy's ``DefaultPlugin``
    returns for the name (``default``), or None when the callee cannot matter."""

    __slots__ = ("check", "default", "plugin")

    def __init__(
        self,
        plugin: DanglingPlugin,
        default: Callable[[str], Callable[[Any], Type] | None],
        check: Callable[..., Type],
    ) -> None:
        super().__init__()
        self.plugin = plugin
        self.default = default
        self.check = check

    def __missing__(self, fullname: str) -> Callable[[Any], Type] | None:
        plugin = self.plugin
        try:
            matters = may_matter(
                fullname, plugin._modules or {}, plugin._untyped_checked, plugin.flow
            )
        except Exception:  # the plugin must never crash mypy: let the hook decide
            matters = True
        hook = (
            partial(self.check, plugin.flow, fullname, self.default(fullname)) if matters else None
        )
        self[fullname] = hook
        return hook


def _config_data(config: DanglingConfig) -> str:
    """mypy's cache key for the plugin: its version, its config and a hash of its code.

    mypy fingerprints only a plugin's top module (and nothing for a plugin passed to
    ``build()`` directly, as the command does), so a changed check would otherwise reuse
    cached findings from the old code.  One short string: mypy keeps it in the metadata of
    every cached module.  The code is the plugin's own modules, not the command's
    (``command/``), which decides nothing that is cached.
    """
    digest = hashlib.sha256(json.dumps(config.to_data(), sort_keys=True).encode()).hexdigest()
    # The code by CRC-32 and length, not by SHA-256: a SHA-256 of its 250 kB cost 6 M
    # instructions per run, 5 % of the plugin's cost on a mid-size package (a cache key
    # needs to change with the code, not to resist an attacker).
    code = 0
    length = 0
    package = os.path.dirname(os.path.abspath(__file__))
    for folder in ("", "checks", "flow"):
        where = os.path.join(package, folder)
        for name in sorted(os.listdir(where)):
            if name.endswith(".py"):
                with open(os.path.join(where, name), "rb") as f:
                    data = f.read()
                code = zlib.crc32(data, code)
                length += len(data)
    return f"{__version__}:{digest[:12]}:{length:x}:{code:08x}"
