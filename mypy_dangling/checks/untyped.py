"""Event loops typed ``Any`` in unannotated code.

mypy checks unannotated bodies only under ``check_untyped_defs``, and there receivers are
often ``Any`` (``self.hass.loop`` in a class without annotations).  mypy calls no plugin
hook for a method of an ``Any`` receiver, so ``loop.create_task(x())`` is seen from the
hooks of the calls *inside* it: when a hooked call in an unannotated function sits in the
arguments of ``<receiver>.create_task(...)``/``run_in_executor(...)`` whose receiver is
``Any`` and whose last name ends in ``loop``, that outer call is treated as producing a
task.  Any other ``Any`` receiver (``tg.create_task(...)``) is left alone.  A statement
with no hooked call inside (every name ``Any``) is invisible to the plugin.

In annotated functions the same holds for an *attribute* typed ``Any`` (an unannotated
attribute: ``self._pool._loop.create_task(work())``), not for a name declared ``Any``.  To
keep the per-call cost low, each function's lines that hold such a call are listed once
(:func:`any_loop_lines`), and only calls on those lines are looked at.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, TypeGuard

from mypy.nodes import CallExpr, Expression, FuncDef, MemberExpr

from mypy_dangling.classes import CALL_EXPR, MEMBER_EXPR, NAME_EXPR, subexpressions
from mypy_dangling.syntax import Frame, contains
from mypy_dangling.tasks import PRODUCER_LOOP_METHODS, TaskKind, is_any

if TYPE_CHECKING:
    from mypy.checker import TypeChecker

#: The event loop methods recognised on an ``Any`` receiver.
ANY_LOOP_METHODS: Final = ("create_task", "run_in_executor")


def is_loop_call(expr: Expression, *, typed: bool) -> TypeGuard[CallExpr]:
    """``<...loop>.create_task(...)`` by syntax (in annotated code: on an attribute)."""
    # (exact types: mypy does not subclass its expression nodes)
    if type(expr) is not CALL_EXPR:
        return False
    callee = expr.callee
    if type(callee) is not MEMBER_EXPR or callee.name not in ANY_LOOP_METHODS:
        return False
    receiver = callee.expr
    if typed and type(receiver) is not MEMBER_EXPR:
        return False
    return _last_name(receiver).endswith("loop")


def mentions_loop_methods(path: str) -> bool:
    """Whether a source file names ``create_task`` or ``run_in_executor`` at all: a call of
    either must spell the name out, so a module that does not cannot hold one, and its
    functions are not walked (True when the file cannot be read)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return True
    return any(name.encode() in data for name in ANY_LOOP_METHODS)


def any_loop_lines(func: FuncDef, *, typed: bool) -> frozenset[int]:
    """The lines of a function that hold a call ``<...>loop.create_task(...)`` (in an
    annotated function, ``<...>.<attr>loop.create_task(...)``): a hooked call elsewhere
    cannot be the argument of one."""
    lines: set[int] = set()
    for expr in subexpressions(func):
        # most subexpressions are not calls: the exact type first (mypy does not subclass
        # its expression nodes), then the full test
        if type(expr) is CALL_EXPR and is_loop_call(expr, typed=typed):
            end = expr.end_line if expr.end_line is not None else expr.line
            lines.update(range(expr.line, end + 1))
    return frozenset(lines)


def _last_name(expr: Expression) -> str:
    if type(expr) is NAME_EXPR or type(expr) is MEMBER_EXPR:
        return expr.name
    return ""


def any_loop_calls(
    api: TypeChecker, path: list[Frame], inner: Expression, *, typed: bool
) -> list[CallExpr]:
    """The calls ``<...loop>.create_task(...)`` on ``Any`` whose arguments hold ``inner``."""
    return [
        expr
        for expr in subexpressions(path[-1].statement)
        if is_loop_call(expr, typed=typed)
        and any(contains(arg, inner) for arg in expr.args)
        and is_any(api.lookup_type_or_none(expr.callee.expr))  # type: ignore[attr-defined]
    ]


def loop_method_kind(call: CallExpr) -> TaskKind:
    assert isinstance(call.callee, MemberExpr)
    return PRODUCER_LOOP_METHODS[call.callee.name]
