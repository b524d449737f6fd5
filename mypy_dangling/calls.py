"""The call hooks: decide whether a call produces a task, then look at what keeps it.

Every hook first computes the type mypy would have inferred (running ``DefaultPlugin``'s
hook for the name, if any) and returns exactly that.  The per-call work is a look at that
type; only calls that produce a task go on to find their statement.  Errors raised in the
speculative passes mypy runs for overloads and type contexts are filtered by mypy itself,
so the hooks never remember what they reported (mypy drops duplicates).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from mypy.nodes import Block, CallExpr, FuncDef, FuncItem
from mypy.plugin import FunctionContext, MethodContext
from mypy.types import (
    ProperType,
    Type,
)

from mypy_dangling.checks.callbacks import check_callback_args
from mypy_dangling.checks.dangling import is_dangling
from mypy_dangling.checks.untyped import any_loop_calls, loop_method_kind
from mypy_dangling.checks.unused import binds_local, check_binding
from mypy_dangling.classes import (
    ANY_TYPE,
    CALL_EXPR,
    CALLABLE_TYPES,
    FUNC_DEF,
    INSTANCE,
    NONE_TYPE,
    WRAPPING_TYPES,
    proper,
)
from mypy_dangling.errorcodes import DANGLING_TASK, PLUGIN_ERROR, internal_error, report
from mypy_dangling.flow import Flow
from mypy_dangling.flow.verdict import Verdict, fresh
from mypy_dangling.syntax import Frame, statement_path
from mypy_dangling.tasks import (
    EVENT_LOOP_CLASS,
    PLAIN_CLASSES,
    PRODUCER_FUNCTIONS,
    PRODUCER_LOOP_METHODS,
    TaskKind,
    has_base,
    reported,
    task_kind,
)

if TYPE_CHECKING:
    from mypy.checker import TypeChecker


def check_function_call(
    flow: Flow,
    fullname: str,
    default_hook: Callable[[FunctionContext], Type] | None,
    ctx: FunctionContext,
) -> Type:
    ret = default_hook(ctx) if default_hook else ctx.default_return_type
    found = proper(ret)
    # Most hooked calls return ``None`` or an instance of a class found plain before
    # (``tasks.PLAIN_CLASSES``, tested inline: this runs on every hooked call): only the
    # callback/loop filter applies.
    ret_kind = type(found)
    if ret_kind is NONE_TYPE or (ret_kind is INSTANCE and found.type in PLAIN_CLASSES):  # type: ignore[attr-defined]
        _check_plain_call(flow, ctx, fullname, False)
        return ret
    # An annotation, not ``cast()``: cast is a Python call, and this runs on every hook.
    api: TypeChecker = ctx.api  # type: ignore[assignment]
    if api.is_stub:
        # A stub runs nothing: its calls are decorators (``@final``, ``@deprecated(...)``,
        # typeshed has hundreds), which make and drop no task.
        return ret
    kind = task_kind(found)
    if kind is None and ret_kind is ANY_TYPE:
        kind = PRODUCER_FUNCTIONS.get(fullname)

    def judge(declared: TaskKind | None) -> Verdict:
        return flow.judge.function(fullname, api.modules, declared=declared)

    _check_call(flow, ctx, fullname, False, found, kind, judge)
    return ret


def check_method_call(
    flow: Flow,
    fullname: str,
    default_hook: Callable[[MethodContext], Type] | None,
    ctx: MethodContext,
) -> Type:
    ret = default_hook(ctx) if default_hook else ctx.default_return_type
    found = proper(ret)
    ret_kind = type(found)  # as in check_function_call
    if ret_kind is NONE_TYPE or (ret_kind is INSTANCE and found.type in PLAIN_CLASSES):  # type: ignore[attr-defined]
        _check_plain_call(flow, ctx, fullname, True)
        return ret
    api: TypeChecker = ctx.api  # type: ignore[assignment]
    if api.is_stub:  # as in check_function_call
        return ret
    kind = task_kind(found)
    method = fullname.rpartition(".")[2]
    if kind is None and ret_kind is ANY_TYPE and has_base(ctx.type, EVENT_LOOP_CLASS):
        kind = PRODUCER_LOOP_METHODS.get(method)

    def judge(declared: TaskKind | None) -> Verdict:
        return flow.judge.method(ctx.type, method, "", api.modules, declared)

    _check_call(flow, ctx, fullname, True, found, kind, judge)
    return ret


def _check_call(
    flow: Flow,
    ctx: FunctionContext | MethodContext,
    fullname: str,
    is_method: bool,
    ret: ProperType,
    kind: TaskKind | None,
    judge: Callable[[TaskKind | None], Verdict],
) -> None:
    """Send a hooked call to the checks that can apply to it.

    A call typed as a task goes to the task checks, which judge the callee only when the
    statement drops the task or binds it to a local.  A call typed wider than a task
    (``Any``, ``Awaitable``) is judged first (memoised per callee, and most are not
    producers), and goes to the task checks only if its body makes it one.
    """
    if kind is not None:
        if reported(kind, flow.config.report_futures):
            desc = callee_description(fullname, is_method)
            _guarded(ctx, _check_task_call, flow, ctx, desc, lambda: judge(kind).of_kind(kind))
        return
    if flow.may_hide_task(ret) and type(ctx.context) is CALL_EXPR:
        try:
            verdict = judge(None)
        except Exception as exc:  # the plugin must never crash mypy
            ctx.api.fail(internal_error(exc), ctx.context, code=PLUGIN_ERROR)
            return
        if verdict.result in ("fresh", "arg"):
            desc = callee_description(fullname, is_method)
            _guarded(ctx, _check_task_call, flow, ctx, desc, lambda: verdict)
            return
    _check_plain_call(flow, ctx, fullname, is_method)


def _check_plain_call(
    flow: Flow, ctx: FunctionContext | MethodContext, fullname: str, is_method: bool
) -> None:
    """A call that produces no task: it may still drop one (:func:`_check_other_call`).

    This is the cheap filter in front of ``_check_other_call``, which most calls never
    need: only a real call that has a callable argument, or that sits (under
    ``check_untyped_defs``) on a line holding ``<...>loop.create_task(...)``
    (``<...>.<attr>loop.create_task(...)`` in an annotated function), can drop a task there.
    """
    call = ctx.context
    if type(call) is not CALL_EXPR:  # (mypy does not subclass its expression nodes)
        return
    if not _has_callable_arg(ctx):
        api: TypeChecker = ctx.api  # type: ignore[assignment]
        if not api.options.check_untyped_defs:
            return
        func = api.scope.current_function()
        if type(func) is not FUNC_DEF or call.line not in flow.any_loop_lines(func, api.path):
            return
    _guarded(ctx, _check_other_call, flow, ctx, fullname, is_method)


def _has_callable_arg(ctx: FunctionContext | MethodContext) -> bool:
    """Whether an argument is typed as a callable (a callback that may drop a task)."""
    for types in ctx.arg_types:
        for typ in types:
            # By exact type first: an alias is expanded only when it is one.
            kind = type(typ)
            if kind in CALLABLE_TYPES or (
                kind in WRAPPING_TYPES and type(proper(typ)) in CALLABLE_TYPES
            ):
                return True
    return False


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
    flow: Flow, ctx: FunctionContext | MethodContext, fullname: str, is_method: bool
) -> None:
    """A call that produces no task may still drop one: through a callback argument, or
    as the argument of ``loop.create_task`` on an ``Any`` loop (a name in unannotated code,
    an attribute in annotated code)."""
    if _has_callable_arg(ctx):
        check_callback_args(flow, ctx, callee_description(fullname, is_method))
    api: TypeChecker = ctx.api  # type: ignore[assignment]
    if not api.options.check_untyped_defs or type(ctx.context) is not CALL_EXPR:
        return
    func = api.scope.current_function()
    if type(func) is not FUNC_DEF:
        return
    path = statement_path(func.body, ctx.context)
    if path is None:
        return
    typed = not func.is_dynamic()
    for outer in any_loop_calls(api, path, ctx.context, typed=typed):
        judge = partial(fresh, loop_method_kind(outer))
        _report_task(flow, api, func, path, outer, f'"{outer.callee.name}"', judge)  # type: ignore[attr-defined]


def _check_task_call(
    flow: Flow,
    ctx: FunctionContext | MethodContext,
    callee: str,
    judge: Callable[[], Verdict],
) -> None:
    """A call typed as a task.  The callee is judged first (memoised per callee): most
    such calls go to keepers (``hass.async_create_task``), and a callee that hands back
    neither a fresh task nor its argument makes no finding whatever the statement does
    with the call, so the statement is not looked for.  What the verdict was read from is
    recorded as a dependency either way, as if the call were dropped."""
    call = ctx.context
    if type(call) is not CALL_EXPR:
        return
    api: TypeChecker = ctx.api  # type: ignore[assignment]
    verdict = judge()
    if not verdict.fresh and verdict.result != "arg":
        flow.depends_on(api, verdict)
        return
    func = api.scope.current_function()
    body = func.body if func is not None else Block(api.tree.defs)
    path = statement_path(body, call)
    if path is not None:
        _report_task(flow, api, func, path, call, callee, lambda: verdict)


def _report_task(
    flow: Flow,
    api: TypeChecker,
    func: FuncItem | None,
    path: list[Frame],
    call: CallExpr,
    callee: str,
    judge: Callable[[], Verdict],
) -> None:
    """Report ``call``'s task if its statement drops it or binds it to a local nobody keeps.

    The callee is judged (``judge``) only then: most calls keep their result.
    """
    dangling = is_dangling(path[-1].statement, call)
    if not dangling and not (isinstance(func, FuncDef) and binds_local(path[-1].statement, call)):
        return
    verdict = flow.with_argument(api, call, judge())
    flow.depends_on(api, verdict)
    if not verdict.fresh or not reported(verdict.kind, flow.config.report_futures):
        return
    kind: TaskKind = verdict.kind or "Task"
    if dangling:
        report(api, f"{kind} returned by {callee} is dropped", call, DANGLING_TASK)
    elif isinstance(func, FuncDef):
        check_binding(flow, api, func, path, call, kind)
