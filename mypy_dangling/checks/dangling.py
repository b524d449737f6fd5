"""``dangling-task``: a Task or Future whose value is dropped on the floor.

A call that produces a task is dangling when the statement around it is an expression
statement and the task's value reaches the statement's value unchanged (through
parentheses, ``x if c else y``, ``and``/``or``), is an item of a display or comprehension
that the statement drops, or is the receiver of a method call whose result is dropped
(``create_task(...).add_done_callback(log)``).  Anything else (awaiting it, passing it to
a call, assigning, returning, yielding) keeps it or hands it on.
"""

from __future__ import annotations

from mypy.nodes import (
    CallExpr,
    ConditionalExpr,
    DictExpr,
    DictionaryComprehension,
    Expression,
    ExpressionStmt,
    ListComprehension,
    ListExpr,
    MemberExpr,
    OpExpr,
    SetComprehension,
    SetExpr,
    StarExpr,
    Statement,
    TupleExpr,
)


def value_reaches(expr: Expression, target: Expression) -> bool:
    """Whether the value of ``target`` may become the value of ``expr`` itself."""
    if expr is target:
        return True
    if isinstance(expr, ConditionalExpr):
        return value_reaches(expr.if_expr, target) or value_reaches(expr.else_expr, target)
    if isinstance(expr, OpExpr) and expr.op in ("and", "or"):
        return value_reaches(expr.left, target) or value_reaches(expr.right, target)
    return False


def is_dropped(expr: Expression, target: Expression) -> bool:
    """Whether nothing keeps ``target`` when the value of ``expr`` is discarded."""
    if value_reaches(expr, target):
        return True
    if isinstance(expr, ConditionalExpr):
        return is_dropped(expr.if_expr, target) or is_dropped(expr.else_expr, target)
    if isinstance(expr, OpExpr) and expr.op in ("and", "or"):
        return is_dropped(expr.left, target) or is_dropped(expr.right, target)
    if isinstance(expr, (TupleExpr, ListExpr, SetExpr)):
        return any(is_dropped(item, target) for item in expr.items)
    if isinstance(expr, StarExpr):
        return is_dropped(expr.expr, target)
    if isinstance(expr, DictExpr):
        return any(
            (key is not None and is_dropped(key, target)) or is_dropped(value, target)
            for key, value in expr.items
        )
    if isinstance(expr, (ListComprehension, SetComprehension)):
        return is_dropped(expr.generator.left_expr, target)
    if isinstance(expr, DictionaryComprehension):
        return (expr.key is not None and is_dropped(expr.key, target)) or is_dropped(
            expr.value, target
        )
    if isinstance(expr, CallExpr) and isinstance(expr.callee, MemberExpr):
        # create_task(...).add_done_callback(log): the only reference is the receiver.
        return is_dropped(expr.callee.expr, target)
    return False


def is_dangling(stmt: Statement, call: Expression) -> bool:
    """Whether ``stmt`` (the innermost statement around ``call``) drops the call's value."""
    return isinstance(stmt, ExpressionStmt) and is_dropped(stmt.expr, call)
