"""Event loops typed ``Any`` in unannotated code.

mypy checks unannotated bodies only under ``check_untyped_defs``, and there receivers are
often ``Any`` (``self.hass.loop`` in a class without annotations).  mypy calls no plugin
hook for a method of an ``Any`` receiver, so ``loop.create_task(x())`` is seen from the
hooks of the calls *inside* it: when a hooked call in an unannotated function sits in the
arguments of ``<receiver>.create_task(...)``/``run_in_executor(...)`` whose receiver is
``Any`` and whose last name ends in ``loop``, that outer call is treated as producing a
task.  Any other ``Any`` receiver (``tg.create_task(...)``) is left alone.  A statement
with no hooked call inside (every name ``Any``) is invisible to the plugin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from mypy.nodes import CallExpr, Expression, FuncDef, MemberExpr, NameExpr
from mypy.server.subexpr import get_subexpressions

from mypy_dangling.syntax import Frame, contains
from mypy_dangling.tasks import PRODUCER_LOOP_METHODS, TaskKind, is_any

if TYPE_CHECKING:
    from mypy.checker import TypeChecker

#: The event loop methods recognised on an ``Any`` receiver.
ANY_LOOP_METHODS: Final = ("create_task", "run_in_executor")


def in_untyped_function(api: TypeChecker) -> FuncDef | None:
    func = api.scope.current_function()
    return func if isinstance(func, FuncDef) and func.is_dynamic() else None


def _last_name(expr: Expression) -> str:
    if isinstance(expr, (NameExpr, MemberExpr)):
        return expr.name
    return ""


def any_loop_calls(api: TypeChecker, path: list[Frame], inner: Expression) -> list[CallExpr]:
    """The calls ``<...loop>.create_task(...)`` on ``Any`` whose arguments hold ``inner``."""
    return [
        expr
        for expr in get_subexpressions(path[-1].statement)
        if isinstance(expr, CallExpr)
        and isinstance(expr.callee, MemberExpr)
        and expr.callee.name in ANY_LOOP_METHODS
        and _last_name(expr.callee.expr).endswith("loop")
        and any(contains(arg, inner) for arg in expr.args)
        and is_any(api.lookup_type_or_none(expr.callee.expr))
    ]


def loop_method_kind(call: CallExpr) -> TaskKind:
    assert isinstance(call.callee, MemberExpr)
    return PRODUCER_LOOP_METHODS[call.callee.name]
