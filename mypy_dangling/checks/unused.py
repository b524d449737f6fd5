"""``unused-task``: a task bound to a local name that is not read afterwards on any path.

The analysis is a backward liveness question for one variable, answered on the structured
statement tree instead of a control-flow graph.  Each statement gets a summary of two bits:
*ue* (it may read the variable before writing it) and *through* (control may leave it
without writing the variable).  The value bound at a statement is live when the rest of
its block may read it, or when control may pass through the rest and the variable is live
where the block ends (the statement after an ``if``, the next iteration of a loop, the
``except``/``finally`` of a ``try``).  Summaries are memoised, so one question costs time
linear in the size of the function.

Wherever the code could read the variable in a way this does not model (a closure, a
``nonlocal``/``global`` declaration, ``locals()``/``vars()``/``eval``/``exec``), the
binding counts as read.  ``break``/``continue``/``with`` bodies that may swallow exceptions
are approximated on the side of "read": a missed report, never a false one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from mypy.nodes import (
    LDEF,
    AssignmentExpr,
    AssignmentStmt,
    Block,
    CallExpr,
    ClassDef,
    Decorator,
    DelStmt,
    DictionaryComprehension,
    Expression,
    ExpressionStmt,
    ForStmt,
    FuncDef,
    GeneratorExpr,
    GlobalDecl,
    IfStmt,
    Import,
    ImportAll,
    ImportFrom,
    LambdaExpr,
    ListExpr,
    MatchStmt,
    NameExpr,
    NonlocalDecl,
    OperatorAssignmentStmt,
    OverloadedFuncDef,
    RaiseStmt,
    ReturnStmt,
    Statement,
    TryStmt,
    TupleExpr,
    WhileStmt,
    WithStmt,
)
from mypy.server.subexpr import get_subexpressions

from mypy_dangling.checks.dangling import value_reaches
from mypy_dangling.errorcodes import FIX_NOTE, UNUSED_TASK
from mypy_dangling.syntax import Frame, child_blocks, header_expressions, lvalue_names

if TYPE_CHECKING:
    from mypy.checker import TypeChecker

    from mypy_dangling.tasks import TaskKind

#: Calls through which a function can read any of its locals.
INTROSPECTION: Final = frozenset({"locals", "vars", "eval", "exec"})

Summary = tuple[bool, bool]  # (may read before writing, may pass through without writing)


def check_binding(
    api: TypeChecker, func: FuncDef, path: list[Frame], call: CallExpr, kind: TaskKind
) -> None:
    """Report the local names that ``call``'s task is bound to and that are never read."""
    stmt = path[-1].statement
    for name in bound_names(stmt, call):
        if name.kind != LDEF:
            continue
        liveness = Liveness(func, name.name)
        if liveness.opaque or liveness.live_after(path, name):
            continue
        if liveness.read_anywhere:
            message = f'{kind} assigned to "{name.name}" is overwritten before it is read'
        else:
            message = f'{kind} assigned to "{name.name}" is never read'
        api.fail(message, name, code=UNUSED_TASK)
        api.note(FIX_NOTE, name, code=UNUSED_TASK)


def bound_names(stmt: Statement, call: Expression) -> list[NameExpr]:
    """The plain names that receive the value of ``call`` in ``stmt`` and nothing else."""
    if isinstance(stmt, AssignmentStmt) and len(stmt.lvalues) == 1:
        lvalue = stmt.lvalues[0]
        if value_reaches(stmt.rvalue, call):
            return [lvalue] if isinstance(lvalue, NameExpr) else []
        rvalue = stmt.rvalue
        if (
            isinstance(rvalue, (TupleExpr, ListExpr))
            and isinstance(lvalue, (TupleExpr, ListExpr))
            and len(rvalue.items) == len(lvalue.items)
        ):
            return [
                target
                for item, target in zip(rvalue.items, lvalue.items, strict=True)
                if isinstance(target, NameExpr) and value_reaches(item, call)
            ]
        return []
    return [
        walrus.target
        for walrus in get_subexpressions(stmt)
        if isinstance(walrus, AssignmentExpr)
        and value_reaches(walrus.value, call)
        and _walrus_value_dropped(stmt, walrus)
    ]


def _walrus_value_dropped(stmt: Statement, walrus: AssignmentExpr) -> bool:
    """Whether the value of ``(name := ...)`` itself is only tested or discarded."""
    if isinstance(stmt, ExpressionStmt):
        return value_reaches(stmt.expr, walrus)
    if isinstance(stmt, (IfStmt, WhileStmt)):
        conditions = stmt.expr if isinstance(stmt, IfStmt) else [stmt.expr]
        return any(value_reaches(cond, walrus) for cond in conditions)
    return False


def binding_targets(stmt: Statement) -> list[Expression]:
    """The names a statement itself binds (assignment, loop and ``with`` targets, ``del``)."""
    if isinstance(stmt, AssignmentStmt):
        lvalues = list(stmt.lvalues)
    elif isinstance(stmt, ForStmt):
        lvalues = [stmt.index]
    elif isinstance(stmt, WithStmt):
        lvalues = [t for t in stmt.target if t is not None]
    elif isinstance(stmt, DelStmt):
        lvalues = [stmt.expr]
    elif isinstance(stmt, TryStmt):
        lvalues = [v for v in stmt.vars if v is not None]
    else:
        return []
    return [n for lv in lvalues for n in lvalue_names(lv) if isinstance(n, NameExpr)]


class Liveness:
    """Is variable ``name`` of ``func`` read after a given binding?"""

    def __init__(self, func: FuncDef, name: str) -> None:
        self.name = name
        self.opaque = False
        self.read_anywhere = False
        self._memo: dict[int, Summary] = {}
        self._scan(func.body)

    # -- the whole-function scan ---------------------------------------------------

    def _scan(self, block: Block) -> None:
        for stmt in block.body:
            if isinstance(stmt, (GlobalDecl, NonlocalDecl)) and self.name in stmt.names:
                self.opaque = True
            elif isinstance(stmt, (FuncDef, Decorator, OverloadedFuncDef, ClassDef)):
                if self._mentions(stmt):
                    self.opaque = True  # read in a closure
                continue
            children = child_blocks(stmt)
            if isinstance(stmt, Block):
                exprs: list[Expression] = []
            elif children:
                exprs = [e for h in header_expressions(stmt) for e in [h, *get_subexpressions(h)]]
            else:
                exprs = get_subexpressions(stmt)
            targets = {id(n) for n in binding_targets(stmt)}
            targets.update(id(e.target) for e in exprs if isinstance(e, AssignmentExpr))
            targets.update(
                id(n)
                for e in exprs
                if isinstance(e, (GeneratorExpr, DictionaryComprehension))
                for index in e.indices
                for n in lvalue_names(index)
            )
            for expr in exprs:
                if id(expr) not in targets:
                    self._scan_expr(expr)
            for child in children:
                self._scan(child)

    def _scan_expr(self, expr: Expression) -> None:
        if isinstance(expr, NameExpr) and expr.name == self.name:
            self.read_anywhere = True
        elif (isinstance(expr, LambdaExpr) and self._mentions(expr)) or (
            isinstance(expr, CallExpr)
            and isinstance(expr.callee, NameExpr)
            and expr.callee.name in INTROSPECTION
        ):
            self.opaque = True

    def _mentions(self, node: Statement | Expression) -> bool:
        return any(
            isinstance(e, NameExpr) and e.name == self.name for e in get_subexpressions(node)
        )

    # -- reads and writes in expressions ----------------------------------------

    def _is_name(self, expr: Expression | None) -> bool:
        return isinstance(expr, NameExpr) and expr.name == self.name

    def _reads(self, *nodes: Expression | None) -> bool:
        """Whether evaluating the nodes may read the variable (walrus targets excluded)."""
        for node in nodes:
            if node is None:
                continue
            exprs = [node, *get_subexpressions(node)]
            targets = {id(e.target) for e in exprs if isinstance(e, AssignmentExpr)}
            if any(self._is_name(e) and id(e) not in targets for e in exprs):
                return True
        return False

    def _writes_walrus(self, *nodes: Expression | None) -> bool:
        return any(
            isinstance(e, AssignmentExpr) and self._is_name(e.target)
            for node in nodes
            if node is not None
            for e in [node, *get_subexpressions(node)]
        )

    def _target_writes(self, lvalue: Expression | None) -> bool:
        return lvalue is not None and any(self._is_name(n) for n in lvalue_names(lvalue))

    def _target_reads(self, lvalue: Expression) -> bool:
        """``x[name] = ...``/``name.attr = ...`` read the variable."""
        return any(not isinstance(n, NameExpr) and self._reads(n) for n in lvalue_names(lvalue))

    # -- summaries ------------------------------------------------------------------

    def seq(self, stmts: list[Statement]) -> Summary:
        for stmt in stmts:
            ue, through = self.summary(stmt)
            if ue:
                return True, True
            if not through:
                return False, False
        return False, True

    def block(self, block: Block | None) -> Summary:
        return (False, True) if block is None else self.seq(block.body)

    def summary(self, stmt: Statement) -> Summary:
        key = id(stmt)
        if key not in self._memo:
            self._memo[key] = self._summarise(stmt)
        return self._memo[key]

    def _summarise(self, stmt: Statement) -> Summary:
        if isinstance(stmt, Block):
            return self.seq(stmt.body)
        if isinstance(stmt, AssignmentStmt):
            if self._reads(stmt.rvalue) or any(self._target_reads(lv) for lv in stmt.lvalues):
                return True, True
            writes = any(self._target_writes(lv) for lv in stmt.lvalues)
            return False, not (writes or self._writes_walrus(stmt.rvalue))
        if isinstance(stmt, OperatorAssignmentStmt):
            return self._reads(stmt.lvalue, stmt.rvalue), True
        if isinstance(stmt, DelStmt):
            if self._target_writes(stmt.expr):
                return self._target_reads(stmt.expr), False
            return self._reads(stmt.expr), True
        if isinstance(stmt, IfStmt):
            bodies = [self.block(b) for b in stmt.body] + [self.block(stmt.else_body)]
            ue = self._reads(*stmt.expr) or any(u for u, _ in bodies)
            return ue, any(t for _, t in bodies)
        if isinstance(stmt, WhileStmt):
            ue = self._reads(stmt.expr) or self.block(stmt.body)[0]
            return ue or self.block(stmt.else_body)[0], True
        if isinstance(stmt, ForStmt):
            ue = self._reads(stmt.expr) or self._target_reads(stmt.index)
            if not self._target_writes(stmt.index):
                ue = ue or self.block(stmt.body)[0]
            return ue or self.block(stmt.else_body)[0], True
        if isinstance(stmt, WithStmt):
            if self._reads(*stmt.expr) or any(
                t is not None and self._target_reads(t) for t in stmt.target
            ):
                return True, True
            if any(self._target_writes(t) for t in stmt.target):
                return False, False
            return self.block(stmt.body)
        if isinstance(stmt, TryStmt):
            return self._try_summary(stmt)
        if isinstance(stmt, MatchStmt):
            ue = self._reads(stmt.subject, *stmt.guards) or any(
                self._mentions_pattern(p) or self.block(b)[0]
                for p, b in zip(stmt.patterns, stmt.bodies, strict=True)
            )
            return ue, True
        if isinstance(stmt, (FuncDef, Decorator, OverloadedFuncDef, ClassDef)):
            return False, stmt.name != self.name
        if isinstance(stmt, (Import, ImportFrom)):
            imported = (
                [alias or mod.split(".")[0] for mod, alias in stmt.ids]
                if isinstance(stmt, Import)
                else [alias or name for name, alias in stmt.names]
            )
            return False, self.name not in imported
        if isinstance(stmt, ImportAll):
            return False, True
        ue = self._reads_stmt(stmt)
        through = not isinstance(stmt, (ReturnStmt, RaiseStmt))
        if not ue and self._walrus_in_stmt(stmt):
            through = False
        return ue, through

    def _reads_stmt(self, stmt: Statement) -> bool:
        exprs = get_subexpressions(stmt)
        targets = {id(e.target) for e in exprs if isinstance(e, AssignmentExpr)}
        return any(self._is_name(e) and id(e) not in targets for e in exprs)

    def _walrus_in_stmt(self, stmt: Statement) -> bool:
        return any(
            isinstance(e, AssignmentExpr) and self._is_name(e.target)
            for e in get_subexpressions(stmt)
        )

    def _mentions_pattern(self, pattern: object) -> bool:
        # A capture pattern binding the name counts as a read: conservative.
        from mypy.nodes import Node

        return isinstance(pattern, Node) and any(
            self._is_name(e) for e in get_subexpressions(pattern)
        )

    def _after_finally(self, stmt: TryStmt, after: bool) -> bool:
        ue, through = self.block(stmt.finally_body)
        return ue or (through and after)

    def _try_summary(self, stmt: TryStmt) -> Summary:
        body = self.block(stmt.body)
        handlers = [
            (False, False) if self._target_writes(var) else self.block(handler)
            for var, handler in zip(stmt.vars, stmt.handlers, strict=True)
        ]
        els = self.block(stmt.else_body)
        fin = self.block(stmt.finally_body)
        ue = (
            body[0]
            or self._reads(*stmt.types)
            or any(u for u, _ in handlers)
            or (body[1] and els[0])
            or fin[0]
        )
        through = ((body[1] and els[1]) or any(t for _, t in handlers)) and fin[1]
        return ue, through

    # -- the question ---------------------------------------------------------------

    def live_after(self, path: list[Frame], name: NameExpr) -> bool:
        """Whether the value bound to ``name`` in ``path[-1]`` may be read later."""
        stmt = path[-1].statement
        if not isinstance(stmt, AssignmentStmt):
            # A walrus: any other mention in its own statement may read it.
            others = [e for e in get_subexpressions(stmt) if self._is_name(e) and e is not name]
            if others:
                return True
        for level in range(1, len(path)):
            if self._exceptional(path, level - 1, path[level].block):
                return True
        return self._live_after_level(path, len(path) - 1)

    def _live_after_level(self, path: list[Frame], level: int) -> bool:
        frame = path[level]
        ue, through = self.seq(frame.block.body[frame.index + 1 :])
        if ue:
            return True
        if not through or level == 0:
            return False
        return self._live_at_end(path, level - 1, frame.block)

    def _live_at_end(self, path: list[Frame], level: int, block: Block) -> bool:
        """Whether the variable is live where ``block`` (a child of path[level]) ends."""
        parent = path[level].statement
        after = self._live_after_level(path, level)
        if isinstance(parent, WhileStmt) and block is parent.body:
            return (
                self._reads(parent.expr)
                or self.block(parent.body)[0]
                or self.block(parent.else_body)[0]
                or after
            )
        if isinstance(parent, ForStmt) and block is parent.body:
            next_iteration = not self._target_writes(parent.index) and self.block(parent.body)[0]
            return next_iteration or self.block(parent.else_body)[0] or after
        if isinstance(parent, TryStmt):
            if block is parent.body:
                ue, through = self.block(parent.else_body)
                return ue or (through and self._after_finally(parent, after))
            if block is not parent.finally_body:
                return self._after_finally(parent, after)
        return after

    def _exceptional(self, path: list[Frame], level: int, block: Block) -> bool:
        """Reads reachable from ``block`` through an exception (handlers, ``finally``)."""
        parent = path[level].statement
        if not isinstance(parent, TryStmt) or block is parent.finally_body:
            return False
        if self.block(parent.finally_body)[0]:
            return True
        if block is not parent.body:
            return False
        if self._reads(*parent.types):
            return True
        handlers = [self.block(handler) for handler in parent.handlers]
        if any(ue for ue, _ in handlers):
            return True
        return any(through for _, through in handlers) and self._after_finally(
            parent, self._live_after_level(path, level)
        )
