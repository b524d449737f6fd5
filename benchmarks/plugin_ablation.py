"""mypy_dangling with parts of its work switched off, to split its cost into layers.

Each entry point below is a mypy plugin entry (``plugins = <this file>:<entry>``) that
returns a subclass of mypy_dangling's own plugin class; nothing in ``mypy_dangling/`` is
edited, and the wrappers look only at the public hook methods (``get_*_hook``), so they
keep working whatever the plugin's internals become.  ``instructions.py --variants`` counts
the instructions of each; the difference between two neighbours is the cost of one layer:

========  ===================================================================================
null      ``null_plugin.py``: a plugin with no hooks (the floor of any plugin)
init      ours imported and constructed (config, ``__init__``), its other methods
          (``get_additional_deps``, ``report_config_data``...) run, but its ``get_*_hook``
          methods are mypy's own (compiled, answering ``None``) as in ``null``
startup   as ``init``, but every ``get_*_hook`` that ours overrides is an interpreted
          method answering ``None`` at once: the bare cost of mypy calling into Python
          for each lookup
lookups   ours answers every lookup (its cost counts), but mypy is given ``None``: mypy then
          does exactly what it does with the null plugin
noop      where ours returns a function/method/signature/attribute hook, mypy is given one
          that does only what mypy's default plugin does (so mypy builds the context and
          calls a hook, our checks do not run); class hooks as in ``lookups``
calls     our function/method/signature/attribute hooks run; class hooks as in ``lookups``
plugin    mypy_dangling itself (the class hooks too)
========  ===================================================================================

``counted`` (used by ``profile_plugin.py``) is the full plugin with every lookup and every
hook it returns counted and timed per hook kind, and its import and construction timed.
"""

from __future__ import annotations

import operator
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from mypy.options import Options
from mypy.plugin import Plugin
from mypy.plugins.default import DefaultPlugin

#: the attribute of the hook's context that is mypy's own answer, by lookup method
DEFAULT_ANSWER = {
    "get_function_hook": "default_return_type",
    "get_method_hook": "default_return_type",
    "get_function_signature_hook": "default_signature",
    "get_method_signature_hook": "default_signature",
    "get_attribute_hook": "default_attr_type",
    "get_class_attribute_hook": "default_attr_type",
}

Lookup = Callable[[Any, str], Any]

#: filled by ``counted``: per hook kind, [calls, nanoseconds]; per kind, hooks returned
CALLS: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
HOOKS_RETURNED: defaultdict[str, int] = defaultdict(int)


def lookup_methods(cls: type[Plugin]) -> list[str]:
    """The ``get_*_hook`` methods that ``cls`` overrides (the hook kinds it takes part in)."""
    return [
        name
        for name in dir(Plugin)
        if name.startswith("get_")
        and "_hook" in name
        and getattr(cls, name) is not getattr(Plugin, name)
    ]


def _ours(version: str) -> type[Plugin]:
    import mypy_dangling

    plugin_type: type[Plugin] = mypy_dangling.plugin(version)
    return plugin_type


def init(version: str) -> type[Plugin]:
    base = _ours(version)
    namespace: dict[str, Any] = {name: getattr(Plugin, name) for name in lookup_methods(base)}
    return type("InitOnly", (base,), namespace)


def startup(version: str) -> type[Plugin]:
    base = _ours(version)
    namespace: dict[str, Any] = {name: _answer_none for name in lookup_methods(base)}
    return type("StartupOnly", (base,), namespace)


def _answer_none(self: Plugin, fullname: str) -> None:
    return None


def lookups(version: str) -> type[Plugin]:
    base = _ours(version)
    namespace = {name: _lookup_only(getattr(base, name)) for name in lookup_methods(base)}
    return type("LookupsOnly", (base,), namespace)


def _lookup_only(method: Lookup) -> Lookup:
    def lookup(self: Plugin, fullname: str) -> None:
        method(self, fullname)

    return lookup


def noop(version: str) -> type[Plugin]:
    base = _ours(version)

    def __init__(self: Plugin, options: Options) -> None:
        base.__init__(self, options)
        self._ablation_default = DefaultPlugin(options)  # type: ignore[attr-defined]

    def set_modules(self: Plugin, modules: Any) -> None:
        base.set_modules(self, modules)
        self._ablation_default.set_modules(modules)  # type: ignore[attr-defined]

    namespace: dict[str, Any] = {"__init__": __init__, "set_modules": set_modules}
    for name in lookup_methods(base):
        method = getattr(base, name)
        if name in DEFAULT_ANSWER:
            namespace[name] = _noop_hook(name, method)
        elif name not in ("get_type_analyze_hook", "get_dynamic_class_hook"):
            namespace[name] = _lookup_only(method)
        # type-analyze and dynamic-class hooks cannot be emptied generically: ours run
    return type("NoopHooks", (base,), namespace)


def _noop_hook(name: str, method: Lookup) -> Lookup:
    answer = operator.attrgetter(DEFAULT_ANSWER[name])

    def lookup(self: Plugin, fullname: str) -> Any:
        if method(self, fullname) is None:
            return None
        default = getattr(self._ablation_default, name)(fullname)  # type: ignore[attr-defined]
        return default if default is not None else answer

    return lookup


def calls(version: str) -> type[Plugin]:
    base = _ours(version)
    namespace = {
        name: _lookup_only(getattr(base, name))
        for name in lookup_methods(base)
        if name not in DEFAULT_ANSWER
        and name not in ("get_type_analyze_hook", "get_dynamic_class_hook")
    }
    return type("CallHooksOnly", (base,), namespace)


def counted(version: str) -> type[Plugin]:
    start = time.perf_counter_ns()
    base = _ours(version)
    _add("import + plugin(version)", time.perf_counter_ns() - start)

    def __init__(self: Plugin, options: Options) -> None:
        start = time.perf_counter_ns()
        base.__init__(self, options)
        _add("__init__ (config)", time.perf_counter_ns() - start)

    namespace: dict[str, Any] = {"__init__": __init__}
    for name in ("get_additional_deps", "report_config_data", "set_modules"):
        if getattr(base, name) is not getattr(Plugin, name):
            namespace[name] = _timed(name, getattr(base, name))
    for name in lookup_methods(base):
        namespace[name] = _counted_lookup(name, getattr(base, name))
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


def _counted_lookup(name: str, method: Lookup) -> Lookup:
    kind = name.removeprefix("get_").removesuffix("_hook")

    def lookup(self: Plugin, fullname: str) -> Any:
        start = time.perf_counter_ns()
        hook = method(self, fullname)
        _add(f"lookup: {kind}", time.perf_counter_ns() - start)
        if hook is None:
            return None
        HOOKS_RETURNED[kind] += 1
        timed = _timed(f"hook: {kind}", hook)
        if not kind.startswith(("class", "base_class", "metaclass", "customize_class_mro")):
            return timed
        in_stub = _timed(f"hook: {kind}, in a stub (.pyi)", hook)
        # class hooks get a ClassDefContext: split off the classes of stubs (typeshed's)
        return lambda ctx: (in_stub if getattr(ctx.api, "is_stub_file", False) else timed)(ctx)

    return lookup
