"""``unused-task``: a task bound to a local name that is not read afterwards on any path.

The analysis is a backward liveness question for one variable, answered on the structured
statement tree instead of a control-flow graph.  Each statement gets a :class:`Summary`:
whether it may read the variable before writing it (*ue*), and whether control may leave
it without writing the variable by falling through, by ``break`` or by ``continue``.  The
value bound at a statement is live when the rest of its block may read it, or when control
may leave the rest without writing it and the variable is live where it goes: after the
enclosing statement (the statement after an ``if``, the next iteration of a loop, the
``else``/``finally`` of a ``try``), after the loop a ``break`` leaves, at the head of the
loop a ``continue`` returns to.  Summaries and answers are memoised, so one question costs
time linear in the size of the function.

Wherever the code could read the variable in a way this does not model (a closure, a
``nonlocal``/``global`` declaration, ``locals()``/``vars()``/``eval``/``exec``, a capture
pattern), the binding counts as read.  Exceptions are approximated on the side of "read":
any statement of a ``try`` body may jump to the handlers, and any ``with`` body may have
its exception swallowed by the context manager.  A missed report, never a false one.
"""

from __future__ import annotations

from itertools import islice
from typing import TYPE_CHECKING, Final, cast

from mypy.nodes import (
    FUNC_NO_INFO,
    LDEF,
    AssertStmt,
    AssignmentExpr,
    AssignmentStmt,
    AwaitExpr,
    Block,
    BreakStmt,
    CallExpr,
    ClassDef,
    ConditionalExpr,
    ContinueStmt,
    Decorator,
    DelStmt,
    Expression,
    ExpressionStmt,
    ForStmt,
    FuncDef,
    GlobalDecl,
    IfStmt,
    Import,
    ImportAll,
    ImportFrom,
    LambdaExpr,
    ListExpr,
    MatchStmt,
    MemberExpr,
    NameExpr,
    Node,
    NonlocalDecl,
    OperatorAssignmentStmt,
    OpExpr,
    OverloadedFuncDef,
    PassStmt,
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
from mypy_dangling.errorcodes import UNUSED_TASK, report
from mypy_dangling.flow.summary import FunctionBody, ModuleNames
from mypy_dangling.syntax import (
    NAME_OF,
    NAME_TYPES,
    Frame,
    child_blocks,
    header_expressions,
    lvalue_names,
    of_types,
    own_expressions,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from mypy.checker import TypeChecker

    from mypy_dangling.flow import Flow
    from mypy_dangling.tasks import TaskKind

#: Calls through which a function can read any of its locals.
INTROSPECTION: Final = frozenset({"locals", "vars", "eval", "exec"})


def check_binding(
    flow: Flow, api: TypeChecker, func: FuncDef, path: list[Frame], call: CallExpr, kind: TaskKind
) -> None:
    """Report the local names that ``call``'s task is bound to and that nothing keeps.

    The cheap questions come first, since most bindings are kept: whether the statements
    right after the binding plainly keep it (:func:`kept_next`), whether it is read at all,
    whether the function plainly keeps it.  Opacity (:func:`opaque`) can only silence a
    report, so it is asked last, of the few bindings about to be reported.
    """
    stmt = path[-1].statement
    body: FunctionBody | None = None
    for name in bound_names(stmt, call):
        if name.kind != LDEF or kept_next(path, name.name):
            continue
        if Liveness(name.name).live_after(path, name):
            if plainly_kept(func, name.name, path):
                continue
            if body is None:
                names = ModuleNames(api.tree.fullname, api.modules)
                body = FunctionBody(func, names, bound_self=_is_method(func))
            why = never_kept(flow, api, func, body, name.name)
            if why is None:
                continue
            message = f'{kind} assigned to "{name.name}" is never kept: {why}'
        elif Liveness(name.name, kills=False).live_after(path, name):
            message = f'{kind} assigned to "{name.name}" is overwritten before it is read'
        else:
            message = f'{kind} assigned to "{name.name}" is never read'
        if not opaque(func, name.name):
            report(api, message, name, UNUSED_TASK)


def plainly_kept(func: FuncDef, name: str, path: list[Frame]) -> bool:
    """Whether ``func`` keeps the local ``name`` in a way that is plain from one look at its
    expressions: it awaits it (``await task``) or passes it to a function (not a method,
    whose receiver may be a weak container).  :func:`never_kept` would say the same after
    reading the whole body; most tasks bound to a local are kept one of these two ways.

    The statements after the binding at ``path`` (in its block, then in each enclosing
    one) are looked at first: that is where a task is usually awaited, and they are part
    of the body, so finding it there gives the same answer without the whole pass.
    """
    for frame in reversed(path):
        for stmt in islice(frame.block.body, frame.index + 1, None):
            if _keeps(get_subexpressions(stmt), name):
                return True
    return _keeps(get_subexpressions(func.body), name)


#: Expression types looked for among all the subexpressions of a statement or a body:
#: the others are skipped in C, by exact type (mypy does not subclass its expression nodes).
KEEPING: Final = frozenset({AwaitExpr, CallExpr})
WALRUSES: Final = frozenset({AssignmentExpr})


def _mentions(exprs: list[Expression], name: str) -> bool:
    """Whether a name among ``exprs`` is ``name`` (a read, a write or a walrus target)."""
    return name in map(NAME_OF, of_types(exprs, NAME_TYPES))


def _keeps(exprs: list[Expression], name: str) -> bool:
    """Whether ``exprs`` (all those under a node) await ``name`` or pass it to a function
    that is not a method: the test of :func:`plainly_kept`."""
    for expr in of_types(exprs, KEEPING):
        if isinstance(expr, AwaitExpr):
            if isinstance(expr.expr, NameExpr) and expr.expr.name == name:
                return True
        elif isinstance(expr, CallExpr) and not isinstance(expr.callee, MemberExpr):
            for arg in expr.args:
                if isinstance(arg, NameExpr) and arg.name == name:
                    return True
    return False


#: Simple statements that :meth:`Liveness.summary` summarises as PASSES when they do not
#: mention the name, and as READS when they await it or pass it to a function.
PLAIN_STATEMENTS: Final = frozenset(
    {AssignmentStmt, OperatorAssignmentStmt, ExpressionStmt, AssertStmt, PassStmt, DelStmt}
)
#: Simple statements that end the path: READS as above, else KILLS.
EXIT_STATEMENTS: Final = frozenset({ReturnStmt, RaiseStmt})


def kept_next(path: list[Frame], name: str) -> bool:
    """A quick sufficient test that the binding at ``path[-1]`` is not reported: the
    statements that run next await ``name`` or pass it to a function before anything else
    could happen to it.

    Then :meth:`Liveness.live_after` is true (the rest of the block reads the value before
    writing it, whatever the binding statement is) and so is :func:`plainly_kept` (the same
    expression is in the function): :func:`check_binding` would not report it, and the
    opacity it skips asking could only have silenced a report.  A statement the test is not
    sure about ends it with False, and the full analysis decides.
    """
    frame = path[-1]
    return _kept_first(islice(frame.block.body, frame.index + 1, None), name)


def _kept_first(stmts: Iterable[Statement], name: str) -> bool:
    """Whether :meth:`Liveness.seq` of ``stmts`` reads ``name`` (``ue``) first in a
    statement that plainly keeps it, after statements that neither read nor write it.

    A compound statement whose header does not mention the name reads it first if the
    block it runs first (or one of an ``if``'s branches) does: its summary is then READS.
    """
    for stmt in stmts:
        kind = type(stmt)
        if kind in PLAIN_STATEMENTS or kind in EXIT_STATEMENTS:
            exprs = get_subexpressions(stmt)
            if _keeps(exprs, name):
                return True
            if kind in EXIT_STATEMENTS or _mentions(exprs, name):
                return False
            continue
        if isinstance(stmt, IfStmt):
            blocks = child_blocks(stmt)
        elif isinstance(stmt, (WhileStmt, ForStmt, WithStmt, TryStmt)):
            blocks = [stmt.body]  # a loop's first iteration, a ``with``/``try`` body
        else:
            return False
        if any(_mentions(get_subexpressions(h), name) for h in header_expressions(stmt)):
            return False
        return any(_kept_first(block.body, name) for block in blocks)
    return False


def opaque(func: FuncDef, name: str) -> bool:
    """Whether ``func`` may read its local ``name`` in a way :class:`Liveness` does not
    model: a ``global``/``nonlocal`` declaration, a closure (a nested function, class or
    lambda that mentions it), ``locals()`` and friends.  Such a binding is not judged.
    """
    return _opaque_in(func.body, name)


def _opaque_in(block: Block, name: str) -> bool:
    for stmt in block.body:
        if isinstance(stmt, (GlobalDecl, NonlocalDecl)) and name in stmt.names:
            return True
        if isinstance(stmt, (FuncDef, Decorator, OverloadedFuncDef, ClassDef)):
            if _mentions(get_subexpressions(stmt), name):
                return True  # read in a closure
            continue
        for expr in own_expressions(stmt):
            kind = type(expr)
            if (kind is LambdaExpr or kind is CallExpr) and _hides_reads(expr, name):
                return True
        if any(_opaque_in(child, name) for child in child_blocks(stmt)):
            return True
    return False


def _hides_reads(expr: Expression, name: str) -> bool:
    """A lambda that mentions the name, or ``locals()`` and friends, may read it."""
    return (isinstance(expr, LambdaExpr) and _mentions(get_subexpressions(expr), name)) or (
        isinstance(expr, CallExpr)
        and isinstance(expr.callee, NameExpr)
        and expr.callee.name in INTROSPECTION
    )


def binds_local(stmt: Statement, call: Expression) -> bool:
    """Whether ``stmt`` binds the value of ``call`` to a local name."""
    return any(name.kind == LDEF for name in bound_names(stmt, call))


def never_kept(
    flow: Flow, api: TypeChecker, func: FuncDef, body: FunctionBody, name: str
) -> str | None:
    """Why a local that is read is still never kept, or None if something keeps it.

    A task is kept by being awaited, returned, stored, passed to a call, captured, or
    cancelled; calls of its own methods (``add_done_callback``, ``set_name``, ``done()``...)
    and adding it to a weak container keep nothing.
    """
    uses = body.uses.get(name)
    if uses is None or uses.kept or uses.finished or uses.returned:
        return None
    self_info = func.info if _is_method(func) else None
    if not all(
        flow.judge.is_weak_container(ref, func, self_info, api.modules) for ref in uses.containers
    ):
        return None
    if "add_done_callback" in uses.own:
        return "a done callback does not keep it"
    if uses.containers:
        return "a weak container does not keep it"
    return "calling its own methods does not keep it"


def _is_method(func: FuncDef) -> bool:
    return func.info is not None and func.info is not FUNC_NO_INFO and not func.is_static


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
        walrus.target for walrus in _dropped_walruses(stmt) if value_reaches(walrus.value, call)
    ]


def _dropped_walruses(stmt: Statement) -> list[AssignmentExpr]:
    """The walruses whose value itself is only tested or discarded: those the value of an
    expression statement or of an ``if``/``while`` condition may be (:func:`value_reaches`).

    Called for every statement that creates a task: the walk follows only the branches
    :func:`value_reaches` follows, never the whole statement (an ``if``'s bodies).
    """
    if isinstance(stmt, ExpressionStmt):
        roots = [stmt.expr]
    elif isinstance(stmt, IfStmt):
        roots = stmt.expr
    elif isinstance(stmt, WhileStmt):
        roots = [stmt.expr]
    else:
        return []
    found: list[AssignmentExpr] = []
    for root in roots:
        _collect_walruses(root, found)
    return found


def _collect_walruses(expr: Expression, found: list[AssignmentExpr]) -> None:
    if isinstance(expr, AssignmentExpr):
        found.append(expr)
    elif isinstance(expr, ConditionalExpr):
        _collect_walruses(expr.if_expr, found)
        _collect_walruses(expr.else_expr, found)
    elif isinstance(expr, OpExpr) and expr.op in ("and", "or"):
        _collect_walruses(expr.left, found)
        _collect_walruses(expr.right, found)


class Summary:
    """How control may leave a statement, for one variable, and whether it reads it first.

    A plain class, not a NamedTuple: creating a NamedTuple class costs 0.7 M instructions
    at import, which every mypy run would pay (see ``docs/benchmarks.md``).
    """

    __slots__ = ("brk", "cont", "through", "ue")

    def __init__(self, ue: bool, through: bool, brk: bool, cont: bool) -> None:
        #: It may read the variable before writing it.
        self.ue: Final = ue
        #: It may fall through to the next statement without writing it.
        self.through: Final = through
        #: It may leave by ``break`` without writing it.
        self.brk: Final = brk
        #: It may leave by ``continue`` without writing it.
        self.cont: Final = cont


#: A statement that may read the variable: the other bits no longer matter.
READS: Final = Summary(True, True, True, True)
#: A statement that neither reads nor writes the variable.
PASSES: Final = Summary(False, True, False, False)
#: A statement that writes the variable (or leaves the function) on every path.
KILLS: Final = Summary(False, False, False, False)


class Liveness:
    """Is variable ``name`` read after a given binding (in the body ``path[0].block``)?

    Only statements that may run after the binding are summarised, the normal flow first:
    a question usually ends at the first read.  What this does not model (a closure,
    ``locals()``...) is :func:`opaque`'s, asked only before a report.

    With ``kills=False`` writes do not end a value's life: the question becomes whether
    a read of the name is reachable at all, which tells a dead store (overwritten before
    that read) from a value that is never read.
    """

    def __init__(self, name: str, *, kills: bool = True) -> None:
        self.name = name
        self.kills = kills
        self._memo: dict[int, Summary] = {}
        self._after: dict[int, bool] = {}

    # -- reads and writes in expressions ----------------------------------------

    def _is_name(self, expr: Expression | None) -> bool:
        return isinstance(expr, NameExpr) and expr.name == self.name

    def _reads(self, *nodes: Expression | None) -> bool:
        """Whether evaluating the nodes may read the variable (walrus targets excluded)."""
        return any(node is not None and self._reads_in(get_subexpressions(node)) for node in nodes)

    def _reads_in(self, exprs: list[Expression]) -> bool:
        """Whether the expressions (all those under a node: a node's subexpressions include
        the node itself) mention the name other than as a walrus target."""
        if not _mentions(exprs, self.name):
            return False  # the common case, decided in C
        targets = {id(e.target) for e in exprs if isinstance(e, AssignmentExpr)}
        return any(self._is_name(e) and id(e) not in targets for e in exprs)

    def _writes_walrus(self, *nodes: Expression | None) -> bool:
        return self.kills and any(
            node is not None and self._walrus_in(get_subexpressions(node)) for node in nodes
        )

    def _walrus_in(self, exprs: list[Expression]) -> bool:
        return any(
            isinstance(e, AssignmentExpr) and self._is_name(e.target)
            for e in of_types(exprs, WALRUSES)
        )

    def _is_target(self, lvalue: Expression | None) -> bool:
        return lvalue is not None and any(self._is_name(n) for n in lvalue_names(lvalue))

    def _target_writes(self, lvalue: Expression | None) -> bool:
        """Whether binding ``lvalue`` overwrites the variable (never, with ``kills=False``)."""
        return self.kills and self._is_target(lvalue)

    def _target_reads(self, lvalue: Expression) -> bool:
        """``x[name] = ...``/``name.attr = ...`` read the variable."""
        return any(not isinstance(n, NameExpr) and self._reads(n) for n in lvalue_names(lvalue))

    # -- summaries ------------------------------------------------------------------

    def seq(self, stmts: list[Statement]) -> Summary:
        brk = cont = False
        for stmt in stmts:
            summary = self.summary(stmt)
            if summary.ue:
                return READS
            brk, cont = brk or summary.brk, cont or summary.cont
            if not summary.through:
                return Summary(False, False, brk, cont)
        return Summary(False, True, brk, cont)

    def block(self, block: Block | None) -> Summary:
        return PASSES if block is None else self.seq(block.body)

    def summary(self, stmt: Statement) -> Summary:
        key = id(stmt)
        if key not in self._memo:
            self._memo[key] = self._summarise(stmt)
        return self._memo[key]

    def _summarise(self, stmt: Statement) -> Summary:
        if isinstance(stmt, Block):
            return self.seq(stmt.body)
        if isinstance(stmt, AssignmentStmt):
            if not _mentions(get_subexpressions(stmt), self.name):
                return PASSES  # the usual case, in one pass (the tests below take several)
            if self._reads(stmt.rvalue) or any(self._target_reads(lv) for lv in stmt.lvalues):
                return READS
            writes = any(self._target_writes(lv) for lv in stmt.lvalues)
            return KILLS if writes or self._writes_walrus(stmt.rvalue) else PASSES
        if isinstance(stmt, OperatorAssignmentStmt):
            return READS if self._reads(stmt.lvalue, stmt.rvalue) else PASSES
        if isinstance(stmt, DelStmt):
            # ``del name`` drops the reference (not a read); it ends the value's life
            # even when the question is whether a later read is reachable at all.
            if self._is_target(stmt.expr):
                return READS if self._target_reads(stmt.expr) else KILLS
            return READS if self._reads(stmt.expr) else PASSES
        if isinstance(stmt, IfStmt):
            if self._reads(*stmt.expr):
                return READS
            return self._any_of([self.block(b) for b in stmt.body] + [self.block(stmt.else_body)])
        if isinstance(stmt, WhileStmt):
            return self._while_summary(stmt)
        if isinstance(stmt, ForStmt):
            return self._for_summary(stmt)
        if isinstance(stmt, WithStmt):
            if self._reads(*stmt.expr) or any(
                t is not None and self._target_reads(t) for t in stmt.target
            ):
                return READS
            if any(self._target_writes(t) for t in stmt.target):
                return KILLS
            # The context manager may swallow an exception raised before any write.
            body = self.block(stmt.body)
            return Summary(body.ue, True, body.brk, body.cont)
        if isinstance(stmt, TryStmt):
            return self._try_summary(stmt)
        if isinstance(stmt, MatchStmt):
            if self._reads(stmt.subject, *stmt.guards) or any(
                self._mentions_pattern(p) for p in stmt.patterns
            ):
                return READS
            # No case may match: control can always pass through.
            return self._any_of([PASSES, *(self.block(b) for b in stmt.bodies)])
        if isinstance(stmt, (FuncDef, Decorator, OverloadedFuncDef, ClassDef)):
            return KILLS if self.kills and stmt.name == self.name else PASSES
        if isinstance(stmt, (Import, ImportFrom)):
            imported = (
                [alias or mod.split(".")[0] for mod, alias in stmt.ids]
                if isinstance(stmt, Import)
                else [alias or name for name, alias in stmt.names]
            )
            return KILLS if self.kills and self.name in imported else PASSES
        if isinstance(stmt, ImportAll):
            return PASSES
        exprs = get_subexpressions(stmt)
        if self._reads_in(exprs):
            return READS
        if isinstance(stmt, BreakStmt):
            return Summary(False, False, True, False)
        if isinstance(stmt, ContinueStmt):
            return Summary(False, False, False, True)
        if isinstance(stmt, (ReturnStmt, RaiseStmt)) or (self.kills and self._walrus_in(exprs)):
            return KILLS
        return PASSES

    @staticmethod
    def _any_of(branches: list[Summary]) -> Summary:
        """One of several branches runs (``if``/``match``)."""
        return Summary(
            any(branch.ue for branch in branches),
            any(branch.through for branch in branches),
            any(branch.brk for branch in branches),
            any(branch.cont for branch in branches),
        )

    def _while_summary(self, stmt: WhileStmt) -> Summary:
        return self._loop_summary(stmt, self._iteration(stmt))

    def _for_summary(self, stmt: ForStmt) -> Summary:
        # The iterable is evaluated once, before the first iteration.
        if self._reads(stmt.expr):
            return READS
        return self._loop_summary(stmt, self._iteration(stmt))

    def _loop_summary(self, loop: ForStmt | WhileStmt, iteration: Summary) -> Summary:
        els = self.block(loop.else_body)
        if iteration.ue or els.ue:
            return READS
        # A break leaves the loop (skipping ``else``); the ``else`` block's own
        # break/continue belong to an outer loop.
        return Summary(False, els.through or iteration.brk, els.brk, els.cont)

    def _iteration(self, loop: ForStmt | WhileStmt) -> Summary:
        """One more iteration from the loop head: the condition or the target, then the body."""
        if isinstance(loop, WhileStmt):
            head_reads, head_writes = self._reads(loop.expr), False
        else:
            head_reads = self._target_reads(loop.index)
            head_writes = self._target_writes(loop.index)
        if head_reads:
            return READS
        # Every iteration of a loop whose target is the name writes it first; only an
        # empty loop reaches ``else`` without writing it.
        return KILLS if head_writes else self.block(loop.body)

    def _mentions_pattern(self, pattern: object) -> bool:
        # A capture pattern binding the name counts as a read: conservative.
        return isinstance(pattern, Node) and any(
            self._is_name(e) for e in get_subexpressions(pattern)
        )

    def _try_summary(self, stmt: TryStmt) -> Summary:
        body = self.block(stmt.body)
        handlers = [
            KILLS if self._target_writes(var) else self.block(handler)
            for var, handler in zip(stmt.vars, stmt.handlers, strict=True)
        ]
        els = self.block(stmt.else_body)
        fin = self.block(stmt.finally_body)
        if (
            body.ue
            or self._reads(*stmt.types)
            or any(h.ue for h in handlers)
            or (body.through and els.ue)
            or fin.ue
        ):
            return READS
        # The ways out of the body, a handler or ``else``, each followed by ``finally``.
        exits = self._any_of([body, *handlers, els if body.through else KILLS])
        through = ((body.through and els.through) or any(h.through for h in handlers)) and (
            fin.through
        )
        return Summary(
            False,
            through,
            (exits.brk and fin.through) or fin.brk,
            (exits.cont and fin.through) or fin.cont,
        )

    # -- the question ---------------------------------------------------------------

    def live_after(self, path: list[Frame], name: NameExpr) -> bool:
        """Whether the value bound to ``name`` in ``path[-1]`` may be read later."""
        self._after.clear()
        stmt = path[-1].statement
        if not isinstance(stmt, AssignmentStmt):
            # A walrus: any other mention in its own statement may read it.
            others = [e for e in get_subexpressions(stmt) if self._is_name(e) and e is not name]
            if others:
                return True
        # The normal flow first: it usually reads the value within a few statements, and
        # the answer is the same in any order (every answer is memoised and pure).
        if self._live_after_level(path, len(path) - 1):
            return True
        return any(
            self._exceptional(path, level - 1, path[level].block) for level in range(1, len(path))
        )

    def _live_after_level(self, path: list[Frame], level: int) -> bool:
        """Whether the variable is live right after the statement ``path[level]``.

        Every answer depends only on levels further out (``break`` and back edges lead
        to enclosing loops), which several paths may ask about: memoised per question,
        so a question costs time linear in the function.
        """
        if level not in self._after:
            frame = path[level]
            rest = self.seq(frame.block.body[frame.index + 1 :])
            self._after[level] = self._leaves_live(path, level, rest) or (
                rest.through and level > 0 and self._live_at_end(path, level - 1, frame.block)
            )
        return self._after[level]

    def _leaves_live(self, path: list[Frame], level: int, summary: Summary) -> bool:
        """Whether code summarised by ``summary`` in ``path[level].block`` may read the
        variable itself, or jump (``break``/``continue``) to a place where it is live."""
        if summary.ue:
            return True
        if not (summary.brk or summary.cont):
            return False
        loop = self._enclosing_loop(path, level)
        if loop is None:
            return False
        return (summary.brk and self._live_after_level(path, loop)) or (
            summary.cont and self._next_iteration(path, loop)
        )

    @staticmethod
    def _enclosing_loop(path: list[Frame], level: int) -> int | None:
        """The level of the loop a ``break`` in ``path[level].block`` leaves."""
        for outer in range(level - 1, -1, -1):
            loop = path[outer].statement
            if isinstance(loop, (ForStmt, WhileStmt)) and path[outer + 1].block is loop.body:
                return outer
        return None

    def _next_iteration(self, path: list[Frame], level: int) -> bool:
        """Whether the variable is live at the back edge of the loop ``path[level]``."""
        loop = cast("ForStmt | WhileStmt", path[level].statement)
        iteration = self._iteration(loop)
        after = self._live_after_level(path, level)
        els = self.block(loop.else_body)
        return (
            iteration.ue
            or (iteration.brk and after)
            or self._leaves_live(path, level, els)
            or (els.through and after)
        )

    def _live_at_end(self, path: list[Frame], level: int, block: Block) -> bool:
        """Whether the variable is live where ``block`` (a child of path[level]) ends."""
        parent = path[level].statement
        if isinstance(parent, (WhileStmt, ForStmt)) and block is parent.body:
            return self._next_iteration(path, level)
        after = self._live_after_level(path, level)
        if isinstance(parent, TryStmt):
            if block is parent.body:
                els = self.block(parent.else_body)
                return self._leaves_live(path, level, els) or (
                    els.through and self._after_finally(path, level, after)
                )
            if block is not parent.finally_body:
                return self._after_finally(path, level, after)
        return after

    def _after_finally(self, path: list[Frame], level: int, after: bool) -> bool:
        fin = self.block(cast("TryStmt", path[level].statement).finally_body)
        return self._leaves_live(path, level, fin) or (fin.through and after)

    def _exceptional(self, path: list[Frame], level: int, block: Block) -> bool:
        """Reads reachable from ``block`` through an exception (handlers, ``finally``,
        a ``with`` whose context manager may swallow it)."""
        parent = path[level].statement
        if isinstance(parent, WithStmt):
            return self._live_after_level(path, level)
        if not isinstance(parent, TryStmt) or block is parent.finally_body:
            return False
        if self.block(parent.finally_body).ue:
            return True
        if block is not parent.body:
            return False
        if self._reads(*parent.types):
            return True
        after = self._live_after_level(path, level)
        return any(
            self._leaves_live(path, level, handler)
            or (handler.through and self._after_finally(path, level, after))
            for handler in (self.block(h) for h in parent.handlers)
        )
