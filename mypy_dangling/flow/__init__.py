"""Where a task goes: one model of function bodies that every check reads.

* :mod:`.summary` reads a function body once: where each value it returns comes from, and
  what the body does with each local (stores it, hands it on, finishes it, only calls its
  own methods);
* :mod:`.store` keeps the summaries where every run finds them (mypy's tree while a module
  is processed, a hidden symbol in mypy's cache afterwards, the source for stripped bodies);
* :mod:`.verdict` resolves a callee's summary, through delegations and declared types, to
  one verdict: a fresh task (a producer), a held one (a keeper), unknown, or not a task.

:class:`Flow` ties them to mypy's incremental machinery: which modules a module's findings
depended on (``get_additional_indirect_deps``), and, under ``dmypy``, which functions to
recheck when what they read changes (fine-grained ``plugin_deps``: on the hidden symbol of
each module a module imports, and on every top-level name of a module a verdict read).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mypy.nodes import (
    ARG_POS,
    CallExpr,
    Expression,
    FuncDef,
    MemberExpr,
    MypyFile,
    NameExpr,
    RefExpr,
)
from mypy.options import Options
from mypy.server.trigger import make_wildcard_trigger
from mypy.types import Type

from mypy_dangling.checks.untyped import any_loop_lines, mentions_loop_methods
from mypy_dangling.classes import (
    ANY_TYPE,
    CALL_EXPR,
    INSTANCE,
    MEMBER_EXPR,
    NAME_EXPR,
    UNION_TYPE,
    proper,
)
from mypy_dangling.config import DanglingConfig
from mypy_dangling.flow.store import FACTS_NAME, FactStore, module_functions
from mypy_dangling.flow.summary import wraps_existing
from mypy_dangling.flow.verdict import HELD, UNKNOWN, Judge, Verdict
from mypy_dangling.tasks import (
    WIDE_RETURNS,
    WRAPPER_FUNCTIONS,
    TaskKind,
    forget_classes,
    task_kind,
)

if TYPE_CHECKING:
    from mypy.checker import TypeChecker

__all__ = ["Flow"]


class Flow:
    """The body model of one mypy run (or one ``dmypy`` server)."""

    def __init__(self, config: DanglingConfig, options: Options) -> None:
        self.config = config
        self.options = options
        self.store = FactStore(options)
        self.judge = Judge(config, self.store)
        forget_classes()  # a new build: the classes of an earlier one must not stay alive
        self._consulted: dict[str, set[str]] = {}
        #: What module or class the part of a callee name before its last dot names
        #: (``callees.may_matter``, ``callees.resolve``), for the run: a marker for the
        #: builtins, None for what is neither a module nor a class.
        self.owners: dict[str, object] = {}
        # Lines of ``<...>loop.create_task(...)`` calls (``<...>.<attr>loop`` in annotated
        # code), per function of the module being checked (kept for one module at a time).
        self._loop_lines: dict[FuncDef, frozenset[int]] = {}
        self._loop_lines_path = ""
        self._loop_methods_named = True

    def any_loop_lines(self, func: FuncDef, path: str) -> frozenset[int]:
        """:func:`~mypy_dangling.checks.untyped.any_loop_lines` of ``func`` (in the file
        ``path``), computed once per function, and not at all in a module whose source
        never names the loop methods."""
        if path != self._loop_lines_path:
            self._loop_lines = {}
            self._loop_lines_path = path
            self._loop_methods_named = mentions_loop_methods(path)
        if not self._loop_methods_named:
            return frozenset()
        found = self._loop_lines.get(func)
        if found is None:
            found = self._loop_lines[func] = any_loop_lines(func, typed=not func.is_dynamic())
        return found

    def may_hide_task(self, typ: Type) -> bool:
        """A result typed wider than a task (``Any``, ``Awaitable``, ``object``) may be one,
        if the callee's body says so: only with body inference on."""
        if not self.config.infer_owners:
            return False
        found = proper(typ)
        if type(found) is INSTANCE:
            return found.type.fullname in WIDE_RETURNS
        if type(found) is ANY_TYPE:
            return True
        if type(found) is UNION_TYPE:
            for item in found.items:
                if self.may_hide_task(item):
                    return True
        return False

    def judge_call(self, api: TypeChecker, call: CallExpr, depth: int = 0) -> Verdict:
        """The verdict on what ``call`` (an expression being checked) returns."""
        declared = task_kind(api.lookup_type_or_none(call))
        verdict = self.judge_callee(api, call.callee, declared)
        return self.with_argument(api, call, verdict, depth)

    def judge_callee(
        self, api: TypeChecker, callee: Expression, declared: TaskKind | None = None
    ) -> Verdict:
        """The verdict on what calling ``callee`` (a name or ``receiver.method``) returns."""
        if isinstance(callee, RefExpr) and callee.fullname:
            return self.judge.function(callee.fullname, api.modules, declared=declared)
        if isinstance(callee, MemberExpr):
            receiver = api.lookup_type_or_none(callee.expr)
            last = callee.expr.name if isinstance(callee.expr, (NameExpr, MemberExpr)) else ""
            return self.judge.method(receiver, callee.name, last, api.modules, declared)
        return UNKNOWN

    def with_argument(
        self, api: TypeChecker, call: CallExpr, verdict: Verdict, depth: int = 0
    ) -> Verdict:
        """What the call's arguments change: a callee that hands back its argument is
        judged by that argument; an asyncio wrapper of objects that exist already
        (``shield(self._fut)``) holds nothing new."""
        callee = call.callee
        if (
            verdict.fresh
            and (type(callee) is NAME_EXPR or type(callee) is MEMBER_EXPR)
            and callee.fullname in WRAPPER_FUNCTIONS
            and wraps_existing(call)
        ):
            return Verdict("held", None, verdict.modules)
        if verdict.result != "arg":
            return verdict
        index = verdict.arg
        kinds = call.arg_kinds[: index + 1]
        if len(kinds) <= index or any(kind != ARG_POS for kind in kinds) or depth > 8:
            return HELD
        argument = call.args[index]
        if type(argument) is not CALL_EXPR:
            return HELD  # an existing object
        return self.judge_call(api, argument, depth + 1)

    def depends_on(self, api: TypeChecker, verdict: Verdict) -> None:
        """The module being checked used summaries from ``verdict.modules``."""
        module = api.tree.fullname
        others = verdict.modules - {module}
        if not others:
            return
        self._consulted.setdefault(module, set()).update(others)
        if self.options.fine_grained_incremental:
            # Under dmypy: recheck the function when any top-level name of a module the
            # verdict read changes (a summary, or the declaration of a container it names:
            # ``_tasks`` becoming a WeakSet), as a warm run rechecks the module when such a
            # module's interface changes (``get_additional_indirect_deps``).
            target = api.tscope.current_target()
            for other in others:
                api.tree.plugin_deps.setdefault(make_wildcard_trigger(other), set()).add(target)

    def forget(self, module: str) -> None:
        """``module`` is parsed again (``dmypy``): its summaries and every verdict may change."""
        self.store.forget(module)
        self.judge.forget()
        self.owners.clear()
        forget_classes()
        self._consulted.pop(module, None)

    def consulted(self, module: str) -> set[str]:
        """The modules whose summaries the findings in ``module`` depend on so far."""
        found = self._consulted.get(module)
        return set(found) if found else set()

    def finish(self, tree: MypyFile, modules: dict[str, MypyFile]) -> set[str]:
        """mypy is writing ``tree``'s cache or is done checking it: store its summaries (once);
        return the modules whose summaries its findings depend on so far (mypy records them
        as indirect dependencies)."""
        if self.store.finish(tree, modules) and self.options.fine_grained_incremental:
            _depend_on_imports(tree, modules)
        return self.consulted(tree.fullname)


def _depend_on_imports(tree: MypyFile, modules: dict[str, MypyFile]) -> None:
    """Under ``dmypy``: recheck every function of ``tree`` when the summaries of a module it
    imports change.  (A call whose callee was not a producer was never hooked, so nothing
    else records that it read the callee's summary.)  Summaries change rarely, and only
    when a body that can return a task changes: the cost is a recheck of this module then.
    """
    if tree.is_stub:
        return  # a stub has no bodies to recheck
    prefix = tree.fullname + "."
    imported: set[str] = set()
    for sym in tree.names.values():
        node = sym.node
        if isinstance(node, MypyFile):
            imported.add(node.fullname)
        elif node is not None and not node.fullname.startswith(prefix):
            module = node.fullname.rpartition(".")[0]
            while module and module not in modules:
                module = module.rpartition(".")[0]
            if module:
                imported.add(module)
    imported.discard(tree.fullname)
    imported = {name for name in imported if not modules[name].is_stub}  # stubs: no facts
    if not imported:
        return
    targets = {tree.fullname, *(prefix + qual for qual, _ in module_functions(tree))}
    for module in imported:
        tree.plugin_deps.setdefault(f"<{module}.{FACTS_NAME}>", set()).update(targets)
