"""``dangling-task`` for callbacks: a task created by a callback whose result is ignored.

``loop.call_soon(lambda: asyncio.create_task(x()))`` creates the task when the loop calls
the lambda, and the loop drops what the lambda returns.  The same holds for a function
reference (``loop.call_soon_threadsafe(loop.create_task, x())``) and for any parameter,
typeshed's or a user's, whose declared callback type returns ``None`` or ``object``.
The argument is reported when its own type is a callable returning a Task/Future (mypy
has inferred it: a lambda's return type is its body's) and the callee's parameter says
the result is ignored.  An argument that calls or names a callee that is not a producer
stays silent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mypy.messages import callable_name
from mypy.nodes import CallExpr, Expression, LambdaExpr, RefExpr
from mypy.plugin import FunctionContext, MethodContext
from mypy.types import (
    CallableType,
    FunctionLike,
    Instance,
    NoneType,
    Overloaded,
    Type,
    get_proper_type,
)

from mypy_dangling.config import DanglingConfig
from mypy_dangling.errorcodes import DANGLING_TASK, report
from mypy_dangling.tasks import TaskKind, reported, task_kind

if TYPE_CHECKING:
    from mypy.checker import TypeChecker

    from mypy_dangling.flow import Flow


def returned_task(typ: Type, config: DanglingConfig) -> TaskKind | None:
    """The kind of task a callable argument returns, if it is one we report."""
    proper = get_proper_type(typ)
    if isinstance(proper, CallableType):
        kind = task_kind(proper.ret_type)
    elif isinstance(proper, Overloaded):
        kind = next((k for k in map(task_kind, (i.ret_type for i in proper.items)) if k), None)
    else:
        return None
    return kind if reported(kind, config.report_futures) else None


def ignores_result(formal: Type) -> bool:
    """Whether a parameter's declared callback type throws away what the callback returns."""
    proper = get_proper_type(formal)
    if not isinstance(proper, CallableType):
        return False
    ret = get_proper_type(proper.ret_type)
    return isinstance(ret, NoneType) or (
        isinstance(ret, Instance) and ret.type.fullname == "builtins.object"
    )


def check_callback_args(
    flow: Flow, ctx: FunctionContext | MethodContext, callee_desc: str
) -> None:
    """Report callable arguments returning a task passed where the result is dropped."""
    call = ctx.context
    if not isinstance(call, CallExpr):
        return
    api: TypeChecker = ctx.api  # type: ignore[assignment]
    callee_type: FunctionLike | None = None
    for formal, (types, args) in enumerate(zip(ctx.arg_types, ctx.args, strict=True)):
        for typ, arg in zip(types, args, strict=True):
            kind = returned_task(typ, flow.config)
            if kind is None or _names_keeper(flow, api, arg):
                continue
            if callee_type is None:
                found = get_proper_type(api.lookup_type_or_none(call.callee))
                if not isinstance(found, CallableType):
                    return
                callee_type = found
            assert isinstance(callee_type, CallableType)
            if formal < len(callee_type.arg_types) and ignores_result(
                callee_type.arg_types[formal]
            ):
                what = "lambda" if isinstance(arg, LambdaExpr) else _described(typ)
                report(
                    api,
                    f"{kind} returned by {what} is dropped by {callee_desc}",
                    arg,
                    DANGLING_TASK,
                )


def _described(typ: Type) -> str:
    proper = get_proper_type(typ)
    name = callable_name(proper) if isinstance(proper, FunctionLike) else None
    if name == "<lambda>":  # a lambda passed through a wrapper
        return "lambda"
    return name or "callback"


def _names_keeper(flow: Flow, api: TypeChecker, arg: Expression) -> bool:
    """``lambda: hub.spawn(x())`` or ``hub.spawn``: the callback's task comes from a callee
    that is not a producer (a keeper, or one whose body this cannot follow).

    Looks through a wrapper called with the callback alone (``mark(lambda: ...)``, an
    identity decorator such as Home Assistant's ``callback``).
    """
    while isinstance(arg, CallExpr) and len(arg.args) == 1:
        arg = arg.args[0]
    target = arg.expr() if isinstance(arg, LambdaExpr) else arg
    if isinstance(target, CallExpr):
        verdict = flow.judge_call(api, target)
    elif isinstance(target, RefExpr):
        verdict = flow.judge_callee(api, target)
    else:
        return False
    flow.depends_on(api, verdict)
    return not verdict.fresh
