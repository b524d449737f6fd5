"""Small helpers over mypy's statement tree.

mypy is compiled with mypyc, so an interpreted plugin cannot subclass its visitors: this
module walks statements itself and uses :func:`mypy.server.subexpr.get_subexpressions`
(compiled) for the expressions under a node.  AST nodes have no parent pointers; a hook
that needs the statement around a call finds it with :func:`statement_path`, descending
only into statements whose line span contains the call.
"""

from __future__ import annotations

from bisect import bisect_right
from operator import attrgetter
from typing import Final

from mypy.nodes import (
    Block,
    ClassDef,
    Decorator,
    Expression,
    ForStmt,
    FuncDef,
    IfStmt,
    Lvalue,
    MatchStmt,
    NameExpr,
    OverloadedFuncDef,
    Statement,
    TryStmt,
    WhileStmt,
    WithStmt,
)

from mypy_dangling.classes import (
    BLOCK,
    CLASS_DEF,
    FOR_STMT,
    IF_STMT,
    LIST_EXPR,
    MATCH_STMT,
    NAME_EXPR,
    STAR_EXPR,
    TRY_STMT,
    TUPLE_EXPR,
    WHILE_STMT,
    WITH_STMT,
    subexpressions,
)

#: Statements with a scope of their own: their bodies are checked as separate functions.
SCOPE_STATEMENTS: Final = (FuncDef, Decorator, OverloadedFuncDef)
SCOPE_TYPES: Final = frozenset(SCOPE_STATEMENTS)


class Frame:
    """One level of a statement path: ``block.body[index]`` is the statement."""

    __slots__ = ("block", "index")

    def __init__(self, block: Block, index: int) -> None:
        self.block: Final = block
        self.index: Final = index

    @property
    def statement(self) -> Statement:
        return self.block.body[self.index]


#: The names among expressions (:func:`of_types`), and a name node's name.
NAME_TYPES: Final = frozenset({NameExpr})
NAME_OF: Final = attrgetter("name")


def of_types(exprs: list[Expression], types: frozenset[type]) -> list[Expression]:
    """The expressions among ``exprs`` whose exact type is in ``types`` (mypy does not
    subclass its expression nodes)."""
    return [expr for expr in exprs if type(expr) in types]


#: A node's line (the key of the binary search in :func:`statement_path`), read in C.
LINE: Final = attrgetter("line")
#: The statement types that have blocks of their own (:func:`child_blocks` is empty for the
#: others): a set lookup by exact type is cheaper than ``child_blocks`` on each statement.
COMPOUND_TYPES: Final = frozenset(
    {IfStmt, WhileStmt, ForStmt, WithStmt, TryStmt, MatchStmt, ClassDef, Block}
)


def child_blocks(stmt: Statement) -> list[Block]:
    """The blocks nested directly in a compound statement (empty for simple ones)."""
    # By exact type (mypy does not subclass its statement nodes): this runs on every
    # compound statement of every walked body.
    if type(stmt) is IF_STMT:
        if stmt.else_body:
            return [*stmt.body, stmt.else_body]
        return list(stmt.body)
    if type(stmt) is FOR_STMT or type(stmt) is WHILE_STMT:
        if stmt.else_body:
            return [stmt.body, stmt.else_body]
        return [stmt.body]
    if type(stmt) is WITH_STMT:
        return [stmt.body]
    if type(stmt) is TRY_STMT:
        blocks = [stmt.body, *stmt.handlers]
        if stmt.else_body:
            blocks.append(stmt.else_body)
        if stmt.finally_body:
            blocks.append(stmt.finally_body)
        return blocks
    if type(stmt) is MATCH_STMT:
        return list(stmt.bodies)
    if type(stmt) is CLASS_DEF:
        return [stmt.defs]
    if type(stmt) is BLOCK:
        return [stmt]
    return []


def header_expressions(stmt: Statement) -> list[Expression]:
    """Top-level expressions a compound statement evaluates itself (not in its bodies)."""
    if type(stmt) is IF_STMT:
        return list(stmt.expr)
    if type(stmt) is WHILE_STMT:
        return [stmt.expr]
    if type(stmt) is FOR_STMT:
        return [stmt.index, stmt.expr]
    if type(stmt) is WITH_STMT:
        return [*stmt.expr, *(t for t in stmt.target if t is not None)]
    if type(stmt) is TRY_STMT:
        return [e for e in (*stmt.types, *stmt.vars) if e is not None]
    if type(stmt) is MATCH_STMT:
        return [stmt.subject, *(g for g in stmt.guards if g is not None)]
    return []


def own_expressions(stmt: Statement) -> list[Expression]:
    """Every expression a statement evaluates itself, subexpressions included: for a
    compound statement, those of its header (its blocks hold statements of their own)."""
    if child_blocks(stmt):
        return [e for h in header_expressions(stmt) for e in (h, *subexpressions(h))]
    return subexpressions(stmt)


def spans_line(stmt: Statement, line: int) -> bool:
    end = stmt.end_line
    return stmt.line <= line <= (end if end is not None and end >= stmt.line else line)


def contains(node: Statement | Expression, target: Expression) -> bool:
    """Whether ``target`` (by identity: nodes have no ``__eq__``) is ``node`` or one of its
    subexpressions."""
    return node is target or target in subexpressions(node)


def statement_path(block: Block, target: Expression) -> list[Frame] | None:
    """The statements from ``block`` down to the innermost one that contains ``target``.

    Does not enter nested functions: a call inside one belongs to that function's body.

    The innermost statement is taken on its lines alone when it is a simple statement, the
    last one that starts on or before the target's line, and starts on an earlier line (so
    the target is past any header of an enclosing statement, and past every statement
    before it on that line).  It may then not contain the target (when the target is not in
    ``block`` at all), which a caller learns anyway by looking for the target in it (nothing
    drops, binds or passes a node a statement does not contain); looking first would walk
    every subexpression of the statement, often a long call spread over many lines.
    """
    line = target.line
    body = block.body
    # The statements of a block follow each other, so the ones that span the line are the
    # last ones starting on or before it: a binary search (long bodies are common).
    last = bisect_right(body, line, key=LINE) - 1
    first = last
    while first > 0 and spans_line(body[first - 1], line):
        first -= 1
    for index in range(max(first, 0), last + 1):
        stmt = body[index]
        kind = type(stmt)  # exact types: mypy does not subclass its statement nodes
        if kind in SCOPE_TYPES or not spans_line(stmt, line):
            continue
        if kind in COMPOUND_TYPES:
            for child in child_blocks(stmt):
                inner = statement_path(child, target)
                if inner is not None:
                    return [Frame(block, index), *inner]
            if kind is not BLOCK and any(contains(e, target) for e in header_expressions(stmt)):
                return [Frame(block, index)]
        elif (index == last and stmt.line < line) or contains(stmt, target):
            return [Frame(block, index)]
    return None


def lvalue_names(lvalue: Lvalue) -> list[Expression]:
    """The targets of an assignment, with tuple/list/star targets flattened."""
    if type(lvalue) is NAME_EXPR:
        return [lvalue]  # the commonest target
    if type(lvalue) is TUPLE_EXPR or type(lvalue) is LIST_EXPR:
        return [name for item in lvalue.items for name in lvalue_names(item)]
    if type(lvalue) is STAR_EXPR:
        return lvalue_names(lvalue.expr)
    return [lvalue]
