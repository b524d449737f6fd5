"""The call hooks: decide whether a call produces a task, then look at what keeps it.

Every hook first computes the type mypy would have inferred (running ``DefaultPlugin``'s
hook for the name, if any) and returns exactly that.  The per-call work is a look at that
type; only calls that produce a task go on to find their statement.  Errors raised in the
speculative passes mypy runs for overloads and type contexts are filtered by mypy itself,
so the hooks never remember what they reported (mypy drops duplicates).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from mypy.nodes import Block, CallExpr, FuncDef, FuncItem
from mypy.plugin import FunctionContext, MethodContext
from mypy.types import FunctionLike, Instance, Type, get_proper_type

from mypy_dangling.checks.callbacks import check_callback_args
from mypy_dangling.checks.dangling import is_dangling
from mypy_dangling.checks.untyped import any_loop_calls, in_untyped_function, loop_method_kind
from mypy_dangling.checks.unused import check_binding
from mypy_dangling.config import DanglingConfig
from mypy_dangling.errorcodes import DANGLING_TASK, PLUGIN_ERROR, internal_error, report
from mypy_dangling.owners import is_owner_function, is_owner_method
from mypy_dangling.syntax import Frame, statement_path
from mypy_dangling.tasks import (
    CONTAINER_CLASSES,
    EVENT_LOOP_CLASS,
    PRODUCER_FUNCTIONS,
    PRODUCER_LOOP_METHODS,
    RETRIEVAL_METHODS,
    TaskKind,
    has_base,
    is_any,
    reported,
    task_kind,
)

if TYPE_CHECKING:
    from mypy.checker import TypeChecker


def check_function_call(
    config: DanglingConfig,
    fullname: str,
    default_hook: Callable[[FunctionContext], Type] | None,
    ctx: FunctionContext,
) -> Type:
    ret = default_hook(ctx) if default_hook else ctx.default_return_type
    kind = task_kind(ret)
    if kind is None and is_any(ret):
        kind = PRODUCER_FUNCTIONS.get(fullname)
    api = cast("TypeChecker", ctx.api)
    if kind is not None and reported(kind, config.report_futures):
        if not is_owner_function(config, fullname, api.modules):
            desc = f'"{fullname.rpartition(".")[2]}"'
            _guarded(ctx, _check_task_call, ctx, desc, kind)
    elif _may_drop_a_task(ctx, api):
        _guarded(ctx, _check_other_call, config, ctx, fullname, False)
    return ret


def check_method_call(
    config: DanglingConfig,
    fullname: str,
    default_hook: Callable[[MethodContext], Type] | None,
    ctx: MethodContext,
) -> Type:
    ret = default_hook(ctx) if default_hook else ctx.default_return_type
    kind = task_kind(ret)
    method = fullname.rpartition(".")[2]
    if kind is None and is_any(ret) and has_base(ctx.type, EVENT_LOOP_CLASS):
        kind = PRODUCER_LOOP_METHODS.get(method)
    api = cast("TypeChecker", ctx.api)
    if kind is not None and reported(kind, config.report_futures):
        if not _hands_back_existing(ctx, method) and not is_owner_method(
            config, ctx.type, method, api.modules
        ):
            desc = callee_description(fullname, True)
            _guarded(ctx, _check_task_call, ctx, desc, kind)
    elif _may_drop_a_task(ctx, api):
        _guarded(ctx, _check_other_call, config, ctx, fullname, True)
    return ret


def _may_drop_a_task(ctx: FunctionContext | MethodContext, api: TypeChecker) -> bool:
    """The cheap filter in front of ``_check_other_call``, which most calls never need.

    Hooks fire for every call (and for operators, indexing, ``with``, ...), so this runs
    hundreds of thousands of times on a large codebase: only a real call that has a callable
    argument, or that sits in an unannotated function under ``check_untyped_defs``, can drop
    a task through ``_check_other_call``.
    """
    if not isinstance(ctx.context, CallExpr):
        return False
    for types in ctx.arg_types:
        for typ in types:
            if isinstance(get_proper_type(typ), FunctionLike):
                return True
    return api.options.check_untyped_defs and in_untyped_function(api) is not None


def _hands_back_existing(ctx: MethodContext, method: str) -> bool:
    """A collection hands back a task that already exists: ``pending.pop(key)``.

    Either the receiver's type arguments hold tasks (any method of a ``list[Task[None]]``),
    or the method takes an element out of a container whatever its type arguments say
    (a ``dict`` subclass whose ``pop`` is typed by the key's type argument).
    """
    receiver = ctx.type
    if not isinstance(receiver, Instance):
        return False
    if method in RETRIEVAL_METHODS and any(
        receiver.type.has_base(container) for container in CONTAINER_CLASSES
    ):
        return True
    return any(task_kind(arg) for arg in receiver.args)


def callee_description(fullname: str, is_method: bool) -> str:
    """The callee as mypy names it in messages: ``"f"`` or ``"meth" of "Class"``."""
    parts = fullname.split(".")
    if is_method and len(parts) >= 2:
        return f'"{parts[-1]}" of "{parts[-2]}"'
    return f'"{parts[-1]}"'


def _guarded(
    ctx: FunctionContext | MethodContext, check: Callable[..., None], *args: object
) -> None:
    """Run a check; a bug in it becomes a mypy error at the call, never a crash."""
    try:
        check(*args)
    except Exception as exc:
        ctx.api.fail(
            internal_error(exc),
            ctx.context,
            code=PLUGIN_ERROR,
        )


def _check_other_call(
    config: DanglingConfig, ctx: FunctionContext | MethodContext, fullname: str, is_method: bool
) -> None:
    """A call that produces no task may still drop one: through a callback argument, or
    as the argument of ``loop.create_task`` on an ``Any`` loop in unannotated code."""
    if any(isinstance(get_proper_type(t), FunctionLike) for ts in ctx.arg_types for t in ts):
        check_callback_args(config, ctx, callee_description(fullname, is_method))
    api = cast("TypeChecker", ctx.api)
    if not api.options.check_untyped_defs or not isinstance(ctx.context, CallExpr):
        return
    func = in_untyped_function(api)
    if func is None:
        return
    path = statement_path(func.body, ctx.context)
    if path is None:
        return
    for outer in any_loop_calls(api, path, ctx.context):
        _report_task(api, func, path, outer, f'"{outer.callee.name}"', loop_method_kind(outer))  # type: ignore[attr-defined]


def _check_task_call(ctx: FunctionContext | MethodContext, callee: str, kind: TaskKind) -> None:
    call = ctx.context
    if not isinstance(call, CallExpr):
        return
    api = cast("TypeChecker", ctx.api)
    func = api.scope.current_function()
    body = func.body if func is not None else Block(api.tree.defs)
    path = statement_path(body, call)
    if path is not None:
        _report_task(api, func, path, call, callee, kind)


def _report_task(
    api: TypeChecker,
    func: FuncItem | None,
    path: list[Frame],
    call: CallExpr,
    callee: str,
    kind: TaskKind,
) -> None:
    """Report ``call``'s task if its statement drops it or binds it to an unread local."""
    if is_dangling(path[-1].statement, call):
        report(api, f"{kind} returned by {callee} is dropped", call, DANGLING_TASK)
    elif isinstance(func, FuncDef):
        check_binding(api, func, path, call, kind)
