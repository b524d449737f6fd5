"""Where function summaries come from, so that every run sees the same ones.

A summary (:mod:`.summary`) is computed from a function's body, lazily, the first time a
check asks about the function.  mypy keeps a body only while it processes the module: it
frees the tree when the module is done, loads modules of a warm run from its cache without
bodies, and never keeps the bodies of modules whose errors it ignores (installed packages,
``follow_imports = silent``).  So:

* while a module is being processed, its summaries are computed from mypy's tree;
* when mypy writes a module's cache (the plugin's ``report_config_data``, which mypy 2
  calls after semantic analysis and before it checks the bodies) or is done with it
  (``get_additional_indirect_deps``, before mypy frees the tree), whichever comes first,
  the summaries of every function whose declared return can be a task go into a hidden
  module-level symbol, ``__mypy_dangling_facts__``, typed by a string literal that holds
  them as JSON.  mypy serializes it with the module's symbol table, so warm runs, other
  ``--num-workers`` processes and ``dmypy`` read it back;
* a module whose bodies mypy stripped gets a marker there instead, and its summaries are
  computed from its source, parsed again by mypy's parser, when a check asks;
* a stub, or a function with a trivial body (``...``), has no summary: its declaration
  decides.

Because the hidden symbol is part of the module's symbol table, a change to a function body
that changes a summary changes the module's interface: mypy's incremental mode rechecks the
modules that depend on it, and ``dmypy`` fires the symbol's trigger (see
:func:`fine_grained_targets`).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Final

from mypy.errors import Errors
from mypy.nodes import (
    GDEF,
    ClassDef,
    Decorator,
    FuncDef,
    MypyFile,
    OverloadedFuncDef,
    Statement,
    SymbolNode,
    SymbolTable,
    SymbolTableNode,
    TypeInfo,
    Var,
)
from mypy.options import Options
from mypy.semanal_pass1 import SemanticAnalyzerPreAnalysis
from mypy.types import (
    FunctionLike,
    Instance,
    LiteralType,
    ProperType,
    Type,
    TypeType,
    TypeVarType,
    UnionType,
    get_proper_type,
)
from mypy.version import __version__ as mypy_version

from mypy_dangling.classes import (
    ANY_TYPE,
    CALLABLE_TYPE,
    CLASS_DEF,
    DECORATOR,
    FUNC_DEF,
    FUNC_NO_INFO,
    INSTANCE,
    LITERAL_TYPE,
    NONE_TYPE,
    OVERLOADED_FUNC_DEF,
    TYPE_ALIAS_TYPE,
    TYPE_VAR_TYPE,
    UNION_TYPE,
    VAR,
    proper,
)
from mypy_dangling.flow.summary import JSON, ModuleNames, summarize
from mypy_dangling.syntax import COMPOUND_TYPES, child_blocks
from mypy_dangling.tasks import ALIAS_RETURNS, BOUNDS, PLAIN_CLASSES, plain_class, task_kind

FACTS_NAME: Final = "__mypy_dangling_facts__"
MYPY_1: Final = mypy_version.split(".")[0] == "1"
#: A stored summary of a function without a body of its own.
NO_BODY: Final = None
#: The statements that define a function or a class, or hold blocks that can (by exact
#: type: mypy does not subclass its statement nodes).
DEFINING_TYPES: Final = frozenset({FuncDef, Decorator, OverloadedFuncDef} | COMPOUND_TYPES)
#: The key that marks a module whose bodies mypy stripped (no qualified name has a "<").
STRIPPED: Final = "<stripped>"
#: A line of inline mypy configuration (``# mypy: ignore-errors``), and what
#: :meth:`FactStore._parse` makes of it: a plain comment of the same length.
INLINE_CONFIG_LINE: Final = re.compile(rb"^# mypy:", re.MULTILINE)
PLAIN_COMMENT: Final = b"# mypy_"


def function_of(node: SymbolNode | None) -> FuncDef | None:
    """The function behind a symbol: a decorated function, an overload's implementation."""
    # (exact types: mypy does not subclass its nodes but ``TypeInfo``)
    if type(node) is FUNC_DEF:
        return node
    if type(node) is DECORATOR:
        return node.func
    if type(node) is OVERLOADED_FUNC_DEF:
        impl = node.impl
        return impl.func if isinstance(impl, DECORATOR) else impl
    return None


def may_return_task(typ: Type | None) -> bool:
    """Whether a declared return type is, or may hide, a Task or Future."""
    if type(typ) is TYPE_ALIAS_TYPE and not typ.args and typ.alias is not None:
        # ``-> ConfigType``: expanded once per alias for the run, not per function (an
        # alias of a TypedDict costs thousands of instructions to expand).
        alias = typ.alias
        known = ALIAS_RETURNS.get(alias)
        if known is None:
            known = ALIAS_RETURNS[alias] = _may_return_task(proper(typ))
        return known
    return _may_return_task(proper(typ))


def _may_return_task(typ: ProperType | None) -> bool:
    # (exact types: mypy does not subclass these)
    if type(typ) is NONE_TYPE:
        return False  # ``-> None``: the most common declaration by far
    if typ is None or type(typ) is ANY_TYPE:
        return True
    if type(typ) is INSTANCE:
        return not plain_class(typ.type)
    if type(typ) is TYPE_VAR_TYPE:
        return typevar_may_be_task(typ)
    if type(typ) is UNION_TYPE:
        # ``-> Entity | None``, one of the commonest declarations: the plain items are
        # passed over inline.
        for item in typ.items:
            kind = type(item)
            if kind is NONE_TYPE or (kind is INSTANCE and item.type in PLAIN_CLASSES):  # type: ignore[attr-defined]
                continue
            if may_return_task(item):
                return True
        return False
    return False


def typevar_may_be_task(typevar: TypeVarType) -> bool:
    """Whether a type variable can stand for a Task (``def ident(x: T) -> T``).

    Not one bound to a callable or a class (a decorator such as ``def callback(f: F) -> F``,
    or typeshed's ``runtime_checkable(cls: _TC) -> _TC``), to a plain class that is no
    protocol (``Self`` in ``datetime.replace() -> Self``, ``T = TypeVar("T", bound=Entity)``:
    as for ``-> Entity``, see :func:`~mypy_dangling.tasks.plain_class`), or restricted to
    values that are not tasks (``AnyStr``).
    """
    if typevar.values:
        return any(task_kind(value) is not None for value in typevar.values)
    bound = typevar.upper_bound
    known = BOUNDS.get(id(bound))
    if known is not None and known[0] is bound:
        return known[1]
    answer = _bound_may_be_task(bound)
    BOUNDS[id(bound)] = (bound, answer)
    return answer


def _bound_may_be_task(bound: Type) -> bool:
    proper = get_proper_type(bound)
    if isinstance(proper, UnionType):
        return any(_bound_may_be_task(item) for item in proper.items)
    if isinstance(proper, (FunctionLike, TypeType)):
        return False
    # A protocol (``bound=Hashable``) is not plain here: a task can match it structurally.
    return not (
        isinstance(proper, Instance) and not proper.type.is_protocol and plain_class(proper.type)
    )


def is_candidate(func: FuncDef) -> bool:
    """A function whose result may be a task, by its declaration: the ones summarised."""
    typ = func.type
    if typ is not None and not (type(typ) is CALLABLE_TYPE and may_return_task(typ.ret_type)):
        return False  # most functions: declared to return something else
    return not (func.is_coroutine or func.is_generator or func.is_property)


def is_interesting(summary: list[JSON] | None) -> bool:
    """Whether a summary says more than "returns nothing" (``[]``, what an absent one means)."""
    return summary is None or any(origin[0] != "none" for origin in summary)


def module_functions(tree: MypyFile) -> list[tuple[str, FuncDef]]:
    """Every function and method a module defines, by qualified name: the definitions
    mypy binds the names to (a conditional redefinition mypy ignores is skipped).

    Walks the definitions, not the symbol tables: a module's table also holds every name it
    imports, which is most of it.
    """
    found: list[tuple[str, FuncDef]] = []
    _definitions(tree.defs, tree.names, "", found, False)
    return found


def candidate_functions(tree: MypyFile) -> list[tuple[str, FuncDef]]:
    """The functions of :func:`module_functions` that :func:`is_candidate` accepts, in the
    same order, up to the first function whose body mypy stripped, which ends the list,
    candidate or not: mypy strips the bodies of a module whose errors it ignores (all but
    a few: methods that set attributes, trivial bodies), and the module's summaries then
    come from its source.

    This runs for every module of a run: the declared return is tested before the name is
    looked up in the symbol table or a qualified name is built.
    """
    found: list[tuple[str, FuncDef]] = []
    _definitions(tree.defs, tree.names, "", found, True)
    return found


def _definitions(
    body: list[Statement],
    names: SymbolTable,
    qual: str,
    found: list[tuple[str, FuncDef]],
    candidates: bool,
) -> bool:
    """Add the functions ``body`` defines (only candidates, with ``candidates``) to ``found``;
    with ``candidates``, True once a function whose body mypy stripped is added (the walk
    stops there)."""
    # Most statements define nothing (imports, assignments, expressions): they are skipped
    # by exact type.  This runs on every function of every module of a run.
    for stmt in body:
        stmt_kind = type(stmt)  # exact types: one call, then a set test and identity tests
        if stmt_kind not in DEFINING_TYPES:
            continue
        if stmt_kind is FUNC_DEF:
            func: FuncDef | None = stmt  # type: ignore[assignment]
        elif stmt_kind is DECORATOR:
            func = stmt.func  # type: ignore[attr-defined]
        elif stmt_kind is OVERLOADED_FUNC_DEF:
            func = function_of(stmt)  # type: ignore[arg-type]
        elif type(stmt) is CLASS_DEF:
            sym = names.get(stmt.name)
            if (
                sym is not None
                and sym.node is stmt.info
                and _definitions(
                    stmt.defs.body, stmt.info.names, f"{qual}{stmt.name}.", found, candidates
                )
            ):
                return True
            continue
        else:  # a definition under ``if``/``try``...
            for block in child_blocks(stmt):
                if _definitions(block.body, names, qual, found, candidates):
                    return True
            continue
        if func is None:
            continue
        if candidates:
            if not func.body.body:
                # mypy stripped the bodies of this module (no source yields an empty body):
                # its summaries come from the source, so the walk stops at the first one,
                # candidate or not (most functions of a library; a module without
                # candidates would otherwise be walked to its end).
                found.append((qual + stmt.name, func))  # type: ignore[attr-defined]
                return True
            # The commonest declarations first (``-> None``, ``-> str``: a class in
            # ``PLAIN_CLASSES``), inline: a call per function of every module costs more
            # than the test.
            typ = func.type
            if type(typ) is CALLABLE_TYPE:
                ret = typ.ret_type
                kind = type(ret)
                if kind is NONE_TYPE or (kind is INSTANCE and ret.type in PLAIN_CLASSES):  # type: ignore[attr-defined]
                    continue
            if not is_candidate(func):
                continue
        name: str = stmt.name  # type: ignore[attr-defined]
        sym = names.get(name)
        if sym is None or sym.node is not stmt:  # type: ignore[comparison-overlap]
            continue  # a redefinition mypy does not bind the name to
        found.append((qual + name, func))
    return False


def module_of(func: FuncDef, modules: dict[str, MypyFile]) -> str | None:
    info = func.info
    if info is not None and info is not FUNC_NO_INFO:
        return info.module_name
    module = func.fullname.rpartition(".")[0]
    while module and module not in modules:
        module = module.rpartition(".")[0]
    return module or None


class FactStore:
    """Summaries of function bodies, from mypy's tree, its cache or the source."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self._live: dict[str, list[JSON] | None] = {}
        self._stored: dict[str, tuple[str, dict[str, JSON]]] = {}
        self._sources: dict[str, dict[str, FuncDef]] = {}
        self._lines: dict[str, list[bytes]] = {}
        self._finished: set[str] = set()
        #: What :meth:`finish` stored, per module.  ``dmypy`` strips plugin-generated
        #: symbols when it rechecks a module's top level alone, and regenerates them only
        #: when it processes the whole module: the daemon reads this copy meanwhile.
        self._written: dict[str, dict[str, JSON]] = {}

    def finished(self, module: str) -> bool:
        """Whether ``module``'s summaries are stored (:meth:`finish`) in this run."""
        return module in self._finished

    def forget(self, module: str) -> None:
        """A module is being processed again (``dmypy``): its summaries may change."""
        self._finished.discard(module)
        self._sources.pop(module, None)
        self._lines.pop(module, None)
        self._stored.pop(module, None)
        prefix = module + "."
        for key in [key for key in self._live if key.startswith(prefix)]:
            del self._live[key]

    # -- reading ------------------------------------------------------------------------

    def summary(self, func: FuncDef, modules: dict[str, MypyFile]) -> list[JSON] | None:
        """The summary of ``func``: a list of origins, or None if it has no body."""
        module = module_of(func, modules)
        tree = modules.get(module) if module else None
        if module is None or tree is None or tree.is_stub or tree.path.endswith(".pyi"):
            return NO_BODY
        qual = func.fullname[len(module) + 1 :]
        if not tree.is_cache_skeleton and module not in self._finished:
            # Parsed in this process, not stored yet: the bodies are in the tree until mypy
            # frees them (mypy 1.x frees them before it writes the cache, or never writes
            # it: then the source is read again).  Asked from the tree, not from a list of
            # the modules this plugin saw parsed: a ``--num-workers`` worker parses without
            # telling plugins (no ``get_additional_deps``), and checks the bodies that set
            # attributes (``__init__``) before it stores the module's summaries.
            if func.body.body:
                return self._summarize_live(func, module, modules)
            return self._from_source(tree, qual, func, modules)  # stripped, or freed
        stored = self._stored_facts(tree) or self._written.get(module, {})
        if not stored and MYPY_1:
            # mypy 1.x serializes a module before it asks plugins for their data, so
            # its cache never holds the summaries: read the source.
            return self._from_source(tree, qual, func, modules)
        if qual in stored:
            summary: list[JSON] | None = stored[qual]
            return summary
        if stored.get(STRIPPED):  # the bodies were stripped: read the source
            return self._from_source(tree, qual, func, modules)
        return []

    def _summarize_live(
        self, func: FuncDef, module: str, modules: dict[str, MypyFile]
    ) -> list[JSON] | None:
        key = func.fullname
        if key not in self._live:
            self._live[key] = summarize(func, ModuleNames(module, modules), _bound_self(func))
        return self._live[key]

    def _stored_facts(self, tree: MypyFile) -> dict[str, JSON]:
        sym = tree.names.get(FACTS_NAME)
        var = sym.node if sym is not None else None
        literal = proper(var.type) if type(var) is VAR else None
        if type(literal) is not LITERAL_TYPE or not isinstance(literal.value, str):
            return {}
        raw = literal.value
        cached = self._stored.get(tree.fullname)
        if cached is None or cached[0] != raw:
            cached = (raw, json.loads(raw))
            self._stored[tree.fullname] = cached
        return cached[1]

    def _from_source(
        self, tree: MypyFile, qual: str, func: FuncDef, modules: dict[str, MypyFile]
    ) -> list[JSON] | None:
        """Summarise a function whose body mypy stripped, from its module's source: the
        function's own lines when they parse by themselves (a few hundred microseconds),
        else the whole module (milliseconds)."""
        key = f"{tree.fullname}.{qual}"
        if key in self._live:
            return self._live[key]
        body = self._function_source(tree, func)
        if body is None:
            body = self._parsed_source(tree).get(qual)
        summary = (
            summarize(body, ModuleNames(tree.fullname, modules), _bound_self(func))
            if body is not None
            else NO_BODY
        )
        self._live[key] = summary
        return summary

    def _function_source(self, tree: MypyFile, func: FuncDef) -> FuncDef | None:
        """``func`` parsed from its own lines of the source (None if they do not parse
        alone into one function of that name: the whole module is parsed then)."""
        end = func.end_line
        if func.line < 1 or end is None or end < func.line:
            return None
        lines = self._source_lines(tree)
        snippet = lines[func.line - 1 : end]
        if not snippet or snippet[-1:] == [b""]:
            return None
        first = snippet[0]
        indent = first[: len(first) - len(first.lstrip())]
        if indent:
            if not all(line.startswith(indent) or not line.strip() for line in snippet):
                return None  # a line that leaves the indentation (a string): parse it all
            snippet = [line[len(indent) :] for line in snippet]
        parsed = self._parse(b"\n".join(snippet), tree)
        if parsed is None or len(parsed.defs) != 1:
            return None
        stmt = parsed.defs[0]
        found = function_of(stmt) if isinstance(stmt, SymbolNode) else None
        return found if found is not None and found.name == func.name else None

    def _source_lines(self, tree: MypyFile) -> list[bytes]:
        found = self._lines.get(tree.fullname)
        if found is None:
            try:
                with open(tree.path, "rb") as f:
                    found = f.read().split(b"\n")
            except OSError:
                found = []
            self._lines[tree.fullname] = found
        return found

    def _parse(self, source: bytes, tree: MypyFile) -> MypyFile | None:
        """mypy's parse of ``source`` as code of ``tree``'s module (None on errors).

        Inline configuration comments (``# mypy: ignore-errors``) are made plain comments
        of the same length first: mypy's native parser reads them itself and would strip
        the bodies again.  They are there when the whole module is parsed, which is how the
        stripped functions of a module loaded from mypy's cache are read (its functions
        have no line numbers).
        """
        source = INLINE_CONFIG_LINE.sub(PLAIN_COMMENT, source)
        try:
            from mypy.parse import parse

            # A new Options object: mypy shares the one clone_for_module hands out (per
            # module section, or the global one) with its own processing of the module.
            options = self.options.clone_for_module(tree.fullname).apply_changes(
                {"ignore_errors": False}
            )
            errors = Errors(options)
            # mypy 2's native parser hands back the full tree only when asked (eager);
            # mypy 1.x has no such parameter (and its compiled parse has no signature).
            try:
                parsed = parse(source, tree.path, tree.fullname, errors, options, eager=True)
            except TypeError:
                parsed = parse(source, tree.path, tree.fullname, errors, options)
            if not getattr(options, "native_parser", False):
                # mypy's native parser marks the blocks a version or platform check makes
                # unreachable; after the older parser, mypy's own first pass does.
                SemanticAnalyzerPreAnalysis().visit_file(parsed, tree.path, tree.fullname, options)
        except Exception:  # not Python: no body to read
            return None
        return None if errors.is_errors() else parsed

    def _parsed_source(self, tree: MypyFile) -> dict[str, FuncDef]:
        found = self._sources.get(tree.fullname)
        if found is not None:
            return found
        lines = self._source_lines(tree)
        parsed = self._parse(b"\n".join(lines), tree) if lines else None
        found = {}
        if parsed is not None:
            for qual, func in _syntactic_functions(parsed.defs, ""):
                found.setdefault(qual, func)  # the first reachable definition, as mypy binds
        self._sources[tree.fullname] = found
        return found

    # -- writing -------------------------------------------------------------------------

    def finish(self, tree: MypyFile, modules: dict[str, MypyFile]) -> bool:
        """Store the summaries of a module in its symbol table (once: False if they were)."""
        if tree.fullname in self._finished:
            return False
        facts: dict[str, JSON] = {}
        if not (tree.is_stub or tree.path.endswith(".pyi")):
            for qual, func in candidate_functions(tree):
                if not func.body.body:
                    # Stripped (the walk stops at the first stripped body, candidate or
                    # not): read from the source when asked.  The source's digest makes an
                    # edit of it change the module's interface, as a summary would.
                    facts[STRIPPED] = _source_digest(tree.path)
                    break
                summary = self._summarize_live(func, tree.fullname, modules)
                if is_interesting(summary):
                    facts[qual] = summary
        self._finished.add(tree.fullname)
        self._written[tree.fullname] = facts
        if facts:
            tree.names[FACTS_NAME] = _facts_symbol(tree.fullname, facts, modules)
        else:
            tree.names.pop(FACTS_NAME, None)
        return True


def _source_digest(path: str) -> str:
    """A fingerprint of a source file: its size and modification time, which change with
    any write of it (mypy itself trusts a file whose size and mtime have not changed, and
    reads it again only otherwise).  Computed for each module whose bodies mypy stripped,
    often a large library file: a CRC-32 of the contents cost 6 M instructions on Home
    Assistant's part (1.5 MB in 81 files), a ``stat`` almost nothing.  A write that keeps
    the contents can at worst make mypy recheck the module's dependents once more, never
    change a finding."""
    try:
        stat = os.stat(path)
    except OSError:
        return "unreadable"
    return f"{stat.st_size:x}:{stat.st_mtime_ns:x}"


def _bound_self(func: FuncDef) -> bool:
    """Whether the first parameter is the instance (or the class)."""
    return func.info is not None and func.info is not FUNC_NO_INFO and not func.is_static


def _facts_symbol(
    module: str, facts: dict[str, JSON], modules: dict[str, MypyFile]
) -> SymbolTableNode:
    builtins = modules["builtins"].names["str"].node
    assert isinstance(builtins, TypeInfo)
    if len(facts) == 1 and STRIPPED in facts:
        # The commonest facts, a stripped module's marker (its digest is hex digits and a
        # colon): the JSON text json.dumps would write, without building an encoder.
        raw = f'{{"{STRIPPED}":"{facts[STRIPPED]}"}}'
    else:
        raw = json.dumps(facts, sort_keys=True, separators=(",", ":"))
    var = Var(FACTS_NAME, LiteralType(raw, Instance(builtins, [])))
    var._fullname = f"{module}.{FACTS_NAME}"
    var.is_ready = True
    return SymbolTableNode(
        GDEF, var, module_public=False, plugin_generated=True, module_hidden=True
    )


def _syntactic_functions(body: list[Statement], qual: str) -> Iterator[tuple[str, FuncDef]]:
    """The functions of a tree mypy did not analyse, by qualified name, in source order,
    in every compound statement's reachable blocks (as the candidate walk finds them in an
    analysed tree; mypy binds a name to its first reachable definition)."""
    for stmt in body:
        if isinstance(stmt, ClassDef):
            yield from _syntactic_functions(stmt.defs.body, f"{qual}{stmt.name}.")
            continue
        func = function_of(stmt) if isinstance(stmt, SymbolNode) else None
        if isinstance(stmt, OverloadedFuncDef) and func is None and stmt.items:
            func = function_of(stmt.items[-1])
        if func is not None:
            yield qual + func.name, func
            continue
        for block in child_blocks(stmt):
            if not block.is_unreachable:
                yield from _syntactic_functions(block.body, qual)
