"""Small helpers over mypy's statement tree.

mypy is compiled with mypyc, so an interpreted plugin cannot subclass its visitors: this
module walks statements itself and uses :func:`mypy.server.subexpr.get_subexpressions`
(compiled) for the expressions under a node.  AST nodes have no parent pointers; a hook
that needs the statement around a call finds it with :func:`statement_path`, descending
only into statements whose line span contains the call.
"""

from __future__ import annotations

from dataclasses import dataclass

from mypy.nodes import (
    Block,
    ClassDef,
    Decorator,
    Expression,
    ForStmt,
    FuncDef,
    IfStmt,
    ListExpr,
    Lvalue,
    MatchStmt,
    OverloadedFuncDef,
    StarExpr,
    Statement,
    TryStmt,
    TupleExpr,
    WhileStmt,
    WithStmt,
)
from mypy.server.subexpr import get_subexpressions

#: Statements with a scope of their own: their bodies are checked as separate functions.
SCOPE_STATEMENTS = (FuncDef, Decorator, OverloadedFuncDef)


@dataclass(frozen=True)
class Frame:
    """One level of a statement path: ``block.body[index]`` is the statement."""

    block: Block
    index: int

    @property
    def statement(self) -> Statement:
        return self.block.body[self.index]


def child_blocks(stmt: Statement) -> list[Block]:
    """The blocks nested directly in a compound statement (empty for simple ones)."""
    if isinstance(stmt, IfStmt):
        return [*stmt.body, *([stmt.else_body] if stmt.else_body else [])]
    if isinstance(stmt, (WhileStmt, ForStmt)):
        return [stmt.body, *([stmt.else_body] if stmt.else_body else [])]
    if isinstance(stmt, WithStmt):
        return [stmt.body]
    if isinstance(stmt, TryStmt):
        blocks = [stmt.body, *stmt.handlers]
        if stmt.else_body:
            blocks.append(stmt.else_body)
        if stmt.finally_body:
            blocks.append(stmt.finally_body)
        return blocks
    if isinstance(stmt, MatchStmt):
        return list(stmt.bodies)
    if isinstance(stmt, ClassDef):
        return [stmt.defs]
    if isinstance(stmt, Block):
        return [stmt]
    return []


def header_expressions(stmt: Statement) -> list[Expression]:
    """Top-level expressions a compound statement evaluates itself (not in its bodies)."""
    if isinstance(stmt, IfStmt):
        return list(stmt.expr)
    if isinstance(stmt, WhileStmt):
        return [stmt.expr]
    if isinstance(stmt, ForStmt):
        return [stmt.index, stmt.expr]
    if isinstance(stmt, WithStmt):
        return [*stmt.expr, *(t for t in stmt.target if t is not None)]
    if isinstance(stmt, TryStmt):
        return [e for e in (*stmt.types, *stmt.vars) if e is not None]
    if isinstance(stmt, MatchStmt):
        return [stmt.subject, *(g for g in stmt.guards if g is not None)]
    return []


def spans_line(stmt: Statement, line: int) -> bool:
    end = stmt.end_line
    return stmt.line <= line <= (end if end is not None and end >= stmt.line else line)


def contains(node: Statement | Expression, target: Expression) -> bool:
    """Whether ``target`` (by identity) is ``node`` or one of its subexpressions."""
    return node is target or any(e is target for e in get_subexpressions(node))


def statement_path(block: Block, target: Expression) -> list[Frame] | None:
    """The statements from ``block`` down to the innermost one that contains ``target``.

    Does not enter nested functions: a call inside one belongs to that function's body.
    """
    line = target.line
    for index, stmt in enumerate(block.body):
        if not spans_line(stmt, line) or isinstance(stmt, SCOPE_STATEMENTS):
            continue
        for child in child_blocks(stmt):
            inner = statement_path(child, target)
            if inner is not None:
                return [Frame(block, index), *inner]
        if isinstance(stmt, Block):
            continue
        exprs = header_expressions(stmt) if child_blocks(stmt) else [stmt]
        if any(contains(e, target) for e in exprs):
            return [Frame(block, index)]
    return None


def lvalue_names(lvalue: Lvalue) -> list[Expression]:
    """The targets of an assignment, with tuple/list/star targets flattened."""
    if isinstance(lvalue, (TupleExpr, ListExpr)):
        return [name for item in lvalue.items for name in lvalue_names(item)]
    if isinstance(lvalue, StarExpr):
        return lvalue_names(lvalue.expr)
    return [lvalue]
