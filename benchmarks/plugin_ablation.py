"""mypy_dangling with parts of its work switched off, to split its cost into layers.

Each entry point below is a mypy plugin entry (``plugins = <this file>:<entry>``) that
returns a subclass of mypy_dangling's own plugin class; nothing in ``mypy_dangling/`` is
edited.  The plugin answers mypy's two lookups (``get_function_hook``,
``get_method_hook``) from instance slots holding a ``HookTable``'s ``__getitem__`` (a hit is
a C-level dict lookup, a miss runs ``HookTable.compute``); the wrappers below put other
tables, or other callables, into those slots after the plugin's own ``__init__``.
``instructions.py --variants`` counts the instructions of each; the difference between two
neighbours is the cost of one layer:

========  ===================================================================================
null      ``null_plugin.py``: a plugin with no hooks (the floor of any plugin)
init      ours imported and constructed (config, ``__init__``), its other methods
          (``get_additional_deps``, ``report_config_data``...) run, but its lookups answer
          ``None`` from C (``{}.get``), as mypy's compiled ``Plugin`` methods do in ``null``
startup   as ``init``, but every lookup is an interpreted function answering ``None`` at
          once: the bare cost of mypy calling into Python for each lookup (what the plugin
          avoided before it answered from a table)
lookups   ours decides every name (``HookTable.compute``, once per name; hits are C-level
          as in the plugin), but mypy is given ``None``: mypy then does what it does in
          ``init``
noop      where ours returns a call hook, mypy is given one that does only what mypy's
          default plugin does (so mypy builds the context and calls a hook; our checks do
          not run)
plugin    mypy_dangling itself
========  ===================================================================================

``calls`` is kept as another name for ``plugin`` (it was the plugin without its per-class
hook, which is gone).  ``counted`` (used by ``profile_plugin.py``) is the full plugin with
every lookup and every hook it returns counted and timed per hook kind, and its import and
construction timed (its lookups are interpreted wrappers: count, do not time, them).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from mypy.options import Options
from mypy.plugin import Plugin
from mypy.plugins.default import DefaultPlugin

#: the lookups the plugin answers from its tables, and the attribute holding each table
TABLES = {"get_function_hook": "_function_hooks", "get_method_hook": "_method_hooks"}

Compute = Callable[[str], Any]

#: filled by ``counted``: per hook kind, [calls, nanoseconds]; per kind, hooks returned
CALLS: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
HOOKS_RETURNED: defaultdict[str, int] = defaultdict(int)


def _ours(version: str) -> type[Plugin]:
    import mypy_dangling

    plugin_type: type[Plugin] = mypy_dangling.plugin(version)
    return plugin_type


def _with_lookups(
    version: str, name: str, make: Callable[[Plugin, str, Compute], Callable[[str], Any]]
) -> type[Plugin]:
    """A subclass whose ``__init__`` replaces each table lookup with ``make(self, lookup,
    compute)`` (``compute``: the plugin's own decision for a new name)."""
    base = _ours(version)

    def __init__(self: Plugin, options: Options) -> None:
        base.__init__(self, options)
        for lookup, table in TABLES.items():
            setattr(self, lookup, make(self, lookup, getattr(self, table).compute))

    return type(name, (base,), {"__slots__": (), "__init__": __init__})


class _Table(dict[str, Any]):
    __slots__ = ("compute",)

    def __init__(self, compute: Compute) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, fullname: str) -> Any:
        hook = self[fullname] = self.compute(fullname)
        return hook


def init(version: str) -> type[Plugin]:
    return _with_lookups(version, "InitOnly", lambda self, lookup, compute: {}.get)


def startup(version: str) -> type[Plugin]:
    return _with_lookups(version, "StartupOnly", lambda self, lookup, compute: _answer_none)


def _answer_none(fullname: str) -> None:
    return None


def lookups(version: str) -> type[Plugin]:
    def make(self: Plugin, lookup: str, compute: Compute) -> Callable[[str], Any]:
        return _Table(lambda fullname: compute(fullname) and None).__getitem__

    return _with_lookups(version, "LookupsOnly", make)


def noop(version: str) -> type[Plugin]:
    default: list[DefaultPlugin] = []

    def make(self: Plugin, lookup: str, compute: Compute) -> Callable[[str], Any]:
        if not default:
            default.append(DefaultPlugin(self.options))
        mypy_default = getattr(default[0], lookup)

        def decide(fullname: str) -> Any:
            if compute(fullname) is None:
                return None
            return mypy_default(fullname) or _default_return_type

        return _Table(decide).__getitem__

    plugin = _with_lookups(version, "NoopHooks", make)
    set_modules = plugin.set_modules

    def set_modules_too(self: Plugin, modules: Any) -> None:
        set_modules(self, modules)
        if default:
            default[0].set_modules(modules)

    plugin.set_modules = set_modules_too  # type: ignore[method-assign]
    return plugin


def _default_return_type(ctx: Any) -> Any:
    return ctx.default_return_type


def calls(version: str) -> type[Plugin]:
    return _ours(version)


def counted(version: str) -> type[Plugin]:
    start = time.perf_counter_ns()
    base = _ours(version)
    _add("import + plugin(version)", time.perf_counter_ns() - start)

    def __init__(self: Plugin, options: Options) -> None:
        start = time.perf_counter_ns()
        base.__init__(self, options)
        _add("__init__ (config)", time.perf_counter_ns() - start)
        for lookup, table in TABLES.items():
            setattr(self, lookup, _counted_lookup(lookup, getattr(self, table).__getitem__))

    namespace: dict[str, Any] = {"__slots__": (), "__init__": __init__}
    for name in ("get_additional_deps", "report_config_data", "set_modules"):
        namespace[name] = _timed(name, getattr(base, name))
    return type("Counted", (base,), namespace)


def _add(kind: str, nanoseconds: int) -> None:
    entry = CALLS[kind]
    entry[0] += 1
    entry[1] += nanoseconds


def _timed(kind: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any) -> Any:
        start = time.perf_counter_ns()
        try:
            return function(*args)
        finally:
            _add(kind, time.perf_counter_ns() - start)

    return timed


def _counted_lookup(name: str, lookup: Callable[[str], Any]) -> Callable[[str], Any]:
    kind = name.removeprefix("get_").removesuffix("_hook")

    def counted_lookup(fullname: str) -> Any:
        start = time.perf_counter_ns()
        hook = lookup(fullname)
        _add(f"lookup: {kind}", time.perf_counter_ns() - start)
        if hook is None:
            return None
        HOOKS_RETURNED[kind] += 1
        return _timed(f"hook: {kind}", hook)

    return counted_lookup
