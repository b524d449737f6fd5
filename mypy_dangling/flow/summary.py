"""A function's body, summarised: where the values it returns come from.

The summary is syntax plus resolved global names, nothing else, so it comes out the same
from mypy's analysed tree, from a tree mypy parsed again from the source of a library whose
bodies it stripped, and from the copy stored in mypy's cache (:mod:`.store`).  What the
names and calls in it *mean* (is that callee a keeper? is that attribute a WeakSet?) is
decided later from declarations, by :mod:`.verdict`.

A summary is a JSON list of *origins*, one or more per ``return <value>``:

* ``["fresh", kind]`` -- never produced here; kinds come from resolving calls;
* ``["call", ref]`` -- the result of calling ``ref`` (see :func:`callee_ref`);
* ``["kept"]`` -- a local the body stores or hands on before returning it;
* ``["done"]`` -- a local future the body resolves (``set_result``, ``set_exception``,
  ``cancel``) before returning it;
* ``["weak", [typeref, ...], [origin, ...]]`` -- a local whose only hand-offs are to the
  containers named by the typerefs: kept unless every one of them is weak;
* ``["arg", index]`` -- the caller's own argument (a parameter, counted without ``self``);
* ``["given"]`` -- something that already existed: an attribute, an item, a global;
* ``["none"]`` -- ``None`` or a literal;
* ``["other"]`` -- anything else (an ``await``, an operator, a local callable...).

Callee references: ``["fn", fullname]`` for a module-level function or class,
``["super", name]`` for ``super().name``, and
``["meth", typeref, method, last_name]`` for a method called on a receiver, where the
receiver's type is described by a *typeref*: ``["self"]``, ``["param", index]``,
``["name", fullname]`` (a module-level variable or a class), ``["member", typeref, name]``
(an attribute of something), ``["ret", ref]`` (what a call returns) or ``["unknown"]``.
``last_name`` is the receiver's last name (``loop`` in ``self.hass.loop``): an ``Any``
receiver named ``*loop`` is an event loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import compress
from typing import Any, Final, TypeGuard

from mypy.lookup import lookup_fully_qualified
from mypy.nodes import (
    ARG_NAMED,
    ARG_STAR,
    ARG_STAR2,
    AssertTypeExpr,
    AssignmentExpr,
    AssignmentStmt,
    Block,
    BytesExpr,
    CallExpr,
    CastExpr,
    ClassDef,
    ComplexExpr,
    ConditionalExpr,
    Decorator,
    DelStmt,
    EllipsisExpr,
    Expression,
    ExpressionStmt,
    FloatExpr,
    ForStmt,
    FuncDef,
    GlobalDecl,
    Import,
    ImportFrom,
    IndexExpr,
    IntExpr,
    LambdaExpr,
    ListExpr,
    MemberExpr,
    MypyFile,
    NameExpr,
    NonlocalDecl,
    OperatorAssignmentStmt,
    OpExpr,
    OverloadedFuncDef,
    PassStmt,
    RaiseStmt,
    ReturnStmt,
    StarExpr,
    Statement,
    StrExpr,
    SuperExpr,
    SymbolNode,
    TryStmt,
    TupleExpr,
    WithStmt,
)
from mypy.server.subexpr import get_subexpressions

from mypy_dangling.syntax import (
    COMPOUND_TYPES,
    NAME_OF,
    NAME_TYPES,
    child_blocks,
    header_expressions,
    lvalue_names,
    of_types,
    own_expressions,
)
from mypy_dangling.tasks import WRAPPER_FUNCTIONS

JSON = Any

#: Methods of a Task/Future that neither keep it nor finish it.
OWN_METHODS: Final = frozenset(
    {
        "add_done_callback",
        "remove_done_callback",
        "set_name",
        "get_name",
        "done",
        "cancelled",
        "result",
        "exception",
        "get_coro",
        "get_loop",
        "get_context",
        "get_stack",
        "print_stack",
        "cancelling",
        "uncancel",
    }
)
#: Methods that finish a Future: nothing is in flight afterwards.
FINISHING_METHODS: Final = frozenset({"set_result", "set_exception", "cancel"})
#: How deep a typeref may nest (``self.a.b.c.d``).
MAX_REF_DEPTH: Final = 4

UNKNOWN: Final = ["unknown"]
OTHER: Final = ["other"]
GIVEN: Final = ["given"]
NONE: Final = ["none"]
LITERALS: Final = (IntExpr, StrExpr, BytesExpr, FloatExpr, ComplexExpr, EllipsisExpr)
#: Statements that define a function or a class (a closure: what it mentions is kept).
DEFINITION_TYPES: Final = frozenset({FuncDef, Decorator, OverloadedFuncDef, ClassDef})
#: The statements :func:`_return_expressions` looks at (by exact type: mypy does not
#: subclass its statement nodes): returns, and the ones with blocks but classes.
RETURN_WALK_TYPES: Final = frozenset({ReturnStmt} | (COMPOUND_TYPES - {ClassDef}))
#: The statements :func:`_local_names` looks at in a body without ``:=``: the ones that
#: bind a name, and the ones with blocks.
BINDING_TYPES: Final = frozenset(
    {
        AssignmentStmt,
        OperatorAssignmentStmt,
        GlobalDecl,
        NonlocalDecl,
        FuncDef,
        OverloadedFuncDef,
        Decorator,
        Import,
        ImportFrom,
    }
    | COMPOUND_TYPES
)


def is_trivial(body: Block) -> bool:
    """A body that only declares: ``...``, ``pass``, a docstring, ``raise NotImplementedError``."""
    for stmt in body.body:
        if isinstance(stmt, PassStmt):
            continue
        if isinstance(stmt, ExpressionStmt) and isinstance(stmt.expr, (EllipsisExpr, StrExpr)):
            continue
        if isinstance(stmt, RaiseStmt):
            continue
        return False
    return True


class ModuleNames:
    """Global names as the function's module sees them (for trees mypy did not analyse)."""

    def __init__(self, module: str, modules: dict[str, MypyFile]) -> None:
        self.module = modules.get(module)
        self.builtins = modules.get("builtins")
        self.modules = modules

    def global_name(self, name: str) -> str | None:
        for scope in (self.module, self.builtins):
            sym = scope.names.get(name) if scope is not None else None
            if sym is not None and sym.node is not None:
                return sym.node.fullname
        return None

    def qualified(self, fullname: str) -> str | None:
        if fullname in self.modules:
            return fullname
        node = lookup_node(fullname, self.modules)
        return node.fullname if node is not None else None


def lookup_node(fullname: str, modules: dict[str, MypyFile]) -> SymbolNode | None:
    """The symbol a fullname names, or None (an odd name mypy's lookup chokes on too)."""
    try:
        sym = lookup_fully_qualified(fullname, modules)
    except Exception:
        return None
    return sym.node if sym is not None else None


# -- uses of a local name -------------------------------------------------------------------


class LocalUses:
    """What a function does with one local name, flow-insensitively."""

    __slots__ = ("bound", "containers", "finished", "kept", "own", "returned")

    def __init__(self) -> None:
        #: The origins of the values bound to it (``["arg", index]`` for a parameter).
        self.bound: list[JSON] = []
        #: Own methods called on it (``add_done_callback``...), which keep nothing.
        self.own: set[str] = set()
        #: It is finished (``set_result``/``set_exception``/``cancel``).
        self.finished = False
        #: It is kept: stored, passed to a call, awaited, captured, read in any other way.
        self.kept = False
        #: Containers it is added to or stored in, by typeref (kept unless every one is weak).
        self.containers: list[JSON] = []
        #: It is returned.
        self.returned = False


class FunctionBody:
    """One pass over a function body: the locals, their uses, and the returned values."""

    def __init__(
        self,
        func: FuncDef,
        names: ModuleNames,
        bound_self: bool,
        *,
        walk: bool = True,
        local_names: set[str] | None = None,
        watched: set[str] | None = None,
    ) -> None:
        self.func = func
        self.names = names
        self.params = [arg.variable.name for arg in func.arguments]
        self.self_name = self.params[0] if self.params and bound_self else None
        self.returns: list[Expression] = []
        self._assigned_from: dict[str, list[Expression | None]] = {}
        #: The function's local names (parameters included), found when first needed:
        #: that takes a pass over the body, which a summary of ``return None`` or
        #: ``return self._task`` never needs (see :meth:`is_local_name`).
        self._local_names = local_names
        #: Every local name, and what the body does with it: found by the walk (empty
        #: without it, where only :meth:`is_local_name` is asked).
        self.uses: dict[str, LocalUses] = {}
        #: Whether the body was walked (``uses`` and ``_assigned_from`` are complete).
        self.walked = walk
        #: Set when an answer needed what only the walk records (see :func:`summarize`).
        self.incomplete = False
        #: The locals whose uses the walk records (None: every local).  A summary reads
        #: the uses of the locals it returns, and nothing else: an expression that
        #: mentions none of them is passed over (see :meth:`_expression`).
        self._watched = watched
        #: The locals a summary returned (without the walk: the ones to watch in it).
        self.returned_locals: set[str] = set()
        if walk:
            self.uses = {name: LocalUses() for name in self.local_names}
            offset = 1 if self.self_name is not None else 0
            for index, name in enumerate(self.params):
                if name in self.uses and name != self.self_name:
                    # The caller's own argument: whatever it passed comes back.
                    self.uses[name].bound.append(["arg", index - offset])
            self._walk(func.body)
        else:
            self.returns = list(_return_expressions(func.body))

    @property
    def local_names(self) -> set[str]:
        found = self._local_names
        if found is None:
            found = self._local_names = _local_names(self.func)
        return found

    def is_local_name(self, name: str) -> bool:
        """Whether ``name`` is a local (a parameter is one, found without the pass)."""
        if self.walked:
            return name in self.uses
        return name in self.params or name in self.local_names

    # -- the walk ------------------------------------------------------------------

    def _walk(self, block: Block) -> None:
        for stmt in block.body:
            self._statement(stmt)

    def _statement(self, stmt: Statement) -> None:
        # The commonest statements first; then by exact type (mypy does not subclass its
        # statement nodes).
        if isinstance(stmt, ExpressionStmt):
            self._expression(stmt.expr)
            return
        if isinstance(stmt, AssignmentStmt):
            self._assignment(stmt.lvalues, stmt.rvalue)
            return
        if isinstance(stmt, ReturnStmt):
            if stmt.expr is not None:
                self.returns.append(stmt.expr)
                self._expression(stmt.expr, returned=True)
            return
        kind = type(stmt)
        if kind in DEFINITION_TYPES:
            self._captured(stmt)
            return
        if kind not in COMPOUND_TYPES:
            if isinstance(stmt, OperatorAssignmentStmt):  # ``t += x`` reads t
                self._expression(stmt.lvalue)
                self._expression(stmt.rvalue)
            elif isinstance(stmt, DelStmt):
                for target in lvalue_names(stmt.expr):
                    if not isinstance(target, NameExpr):
                        self._expression(target)
            else:  # ``raise``, ``assert``...: any local they mention is kept
                self._captured(stmt)
            return
        if isinstance(stmt, ForStmt):
            self._expression(stmt.expr)
            self._target(stmt.index, None)
        elif isinstance(stmt, WithStmt):
            for manager, bound in zip(stmt.expr, stmt.target, strict=True):
                self._expression(manager)
                if bound is not None:
                    self._target(bound, manager)
        elif isinstance(stmt, TryStmt):
            for var in stmt.vars:
                if var is not None:
                    self._target(var, None)
            for typ in stmt.types:
                if typ is not None:
                    self._expression(typ)
        else:
            for expr in header_expressions(stmt):
                self._expression(expr)
        for child in child_blocks(stmt):
            self._walk(child)

    def _assignment(self, lvalues: list[Expression], rvalue: Expression) -> None:
        if len(lvalues) > 1 and not all(self._is_local(lvalue) for lvalue in lvalues):
            # ``self._task = task = create_task(...)``: the value is stored
            for lvalue in lvalues:
                if self._is_local(lvalue):
                    self.uses[lvalue.name].kept = True
        name = rvalue.name if self._is_local(rvalue) else None
        for lvalue in lvalues:
            if name is not None and isinstance(lvalue, (IndexExpr, MemberExpr)):
                # ``self._tasks[key] = task`` / ``self._task = task``: stored.
                if isinstance(lvalue, IndexExpr):
                    self.uses[name].containers.append(self.typeref(lvalue.base))
                    self._expression(lvalue.base)
                    self._expression(lvalue.index)
                else:
                    self.uses[name].kept = True
                    self._expression(lvalue.expr)
                continue
            if name is not None:
                self.uses[name].kept = True  # an alias, a global, an unpacking: kept
            self._target(lvalue, rvalue)
        if name is None:
            self._expression(rvalue)

    def _target(self, lvalue: Expression, value: Expression | None) -> None:
        """A binding: record where a local's value comes from; read the rest."""
        if isinstance(lvalue, NameExpr):
            name = lvalue.name
            if name in self.uses:
                self._assigned_from.setdefault(name, []).append(value)
                watched = self._watched
                if watched is None or name in watched:
                    self.uses[name].bound.append(
                        self.origin(value) if value is not None else OTHER
                    )
            return
        if isinstance(lvalue, (TupleExpr, ListExpr)):
            for item in lvalue.items:
                self._target(item, None)
            return
        if isinstance(lvalue, StarExpr):
            self._target(lvalue.expr, None)
            return
        self._expression(lvalue)

    def _captured(self, node: Statement | Expression) -> None:
        """Every local ``node`` mentions is kept (a closure, or a statement not modelled)."""
        subexpressions = get_subexpressions(node)
        watched = self.uses.keys() if self._watched is None else self._watched
        for name in watched & set(map(NAME_OF, of_types(subexpressions, NAME_TYPES))):
            self.uses[name].kept = True

    def _expression(self, expr: Expression, *, returned: bool = False) -> None:
        """Classify every mention of a local in ``expr``."""
        exprs = [expr, *get_subexpressions(expr)]
        watched = self._watched
        if watched is not None:
            # Only the uses of the watched locals are read: an expression that mentions
            # none of them (and binds no name with ``:=``, which a later reference to the
            # name reads) changes nothing here.  Picked in C; most expressions of a body
            # mention none of the few locals a function returns.
            kinds = list(map(type, exprs))
            if AssignmentExpr not in kinds and watched.isdisjoint(
                map(NAME_OF, compress(exprs, map(NAME_TYPES.__contains__, kinds)))
            ):
                return
        classified: set[int] = set()
        uses = self.uses
        # Exact types (mypy does not subclass its expression nodes): this loop sees every
        # subexpression of every summarised body.
        for sub in exprs:
            kind = type(sub)
            if kind is CallExpr:
                self._call(sub, classified)  # type: ignore[arg-type]
            elif kind is LambdaExpr:
                self._captured(sub)
                classified.update(id(e) for e in get_subexpressions(sub))
            elif kind is AssignmentExpr:
                target = sub.target  # type: ignore[attr-defined]
                classified.add(id(target))
                if target.name in uses:
                    value = sub.value  # type: ignore[attr-defined]
                    uses[target.name].bound.append(self.origin(value))
                    self._assigned_from.setdefault(target.name, []).append(value)
        if returned:
            for value in _returned_values(expr):
                if self._is_local(value):
                    classified.add(id(value))
                    uses[value.name].returned = True
        for sub in exprs:
            if type(sub) is NameExpr and id(sub) not in classified:
                name = sub.name
                if name in uses:
                    uses[name].kept = True

    def _call(self, call: CallExpr, classified: set[int]) -> None:
        callee = call.callee
        if isinstance(callee, MemberExpr) and self._is_local(callee.expr):
            uses = self.uses[callee.expr.name]
            if callee.name in OWN_METHODS:
                uses.own.add(callee.name)
                classified.add(id(callee.expr))
            elif callee.name in FINISHING_METHODS:
                uses.finished = True
                classified.add(id(callee.expr))
        types = list(map(type, call.args))
        if NameExpr not in types and AssignmentExpr not in types:
            return  # no local is passed (most calls pass literals, attributes, calls)
        container: JSON | None = None
        resolved = False
        for passed, kind in zip(call.args, call.arg_kinds, strict=True):
            # ``self._tasks.add(t := create_task(...))`` passes t
            arg = passed.target if isinstance(passed, AssignmentExpr) else passed
            if kind in (ARG_STAR, ARG_STAR2) or not self._is_local(arg):
                continue
            classified.add(id(arg))
            if not resolved:  # what receives a local (most calls pass none)
                resolved = True
                if isinstance(callee, MemberExpr) and self.global_fullname(callee) is None:
                    container = self.typeref(callee.expr)  # ``self._tasks.add(task)``
            uses = self.uses[arg.name]
            if container is not None and container != UNKNOWN:
                uses.containers.append(container)
            else:
                uses.kept = True

    # -- names -----------------------------------------------------------------------

    def _is_local(self, expr: Expression | None) -> TypeGuard[NameExpr]:
        return isinstance(expr, NameExpr) and self.is_local_name(expr.name)

    def global_fullname(self, expr: Expression) -> str | None:
        """The fullname a global name or a module attribute refers to."""
        if isinstance(expr, NameExpr):
            if self.is_local_name(expr.name):
                return None
            return expr.fullname or self.names.global_name(expr.name)
        if isinstance(expr, MemberExpr):
            if expr.fullname:
                return expr.fullname
            base = self.global_fullname(expr.expr)
            return self.names.qualified(f"{base}.{expr.name}") if base else None
        return None

    # -- origins and references ---------------------------------------------------------

    def origin(self, expr: Expression) -> JSON:
        """Where the value of ``expr`` comes from (one origin; see :meth:`origins`)."""
        found = self.origins(expr)
        return found[0] if len(found) == 1 else ["any", found]

    def origins(self, expr: Expression) -> list[JSON]:
        if isinstance(expr, (CastExpr, AssertTypeExpr)):
            return self.origins(expr.expr)
        if isinstance(expr, ConditionalExpr):
            return self.origins(expr.if_expr) + self.origins(expr.else_expr)
        if isinstance(expr, OpExpr) and expr.op in ("and", "or"):
            return self.origins(expr.left) + self.origins(expr.right)
        if isinstance(expr, NameExpr):
            if expr.name in ("None", "True", "False"):  # keywords: never a local
                return [NONE]
            if self.is_local_name(expr.name):
                return [["local", expr.name]]
            return [GIVEN]
        if isinstance(expr, LITERALS):
            return [NONE]
        if isinstance(expr, (MemberExpr, IndexExpr)):
            return [GIVEN]
        if isinstance(expr, CallExpr):
            ref = self.callee_ref(expr.callee)
            if ref is None:
                return [OTHER]
            if ref[0] == "fn" and ref[1] in WRAPPER_FUNCTIONS and wraps_existing(expr):
                return [GIVEN]
            return [["call", ref]]
        return [OTHER]

    def callee_ref(self, callee: Expression, depth: int = 0) -> JSON | None:
        """What a call calls: ``["fn", fullname]`` or ``["meth", typeref, name, last]``."""
        fullname = self.global_fullname(callee)
        if fullname is not None:
            return ["fn", fullname]
        if isinstance(callee, SuperExpr):
            return ["super", callee.name]
        if isinstance(callee, MemberExpr):
            return ["meth", self.typeref(callee.expr, depth + 1), callee.name, _last(callee.expr)]
        return None

    def typeref(self, expr: Expression, depth: int = 0) -> JSON:
        """A description of the type of ``expr``, resolved later from declarations."""
        if depth > MAX_REF_DEPTH:
            return UNKNOWN
        if isinstance(expr, NameExpr):
            if expr.name == self.self_name:
                return ["self"]
            if expr.name in self.params:
                return ["param", self.params.index(expr.name)]
            if self.is_local_name(expr.name):
                self.incomplete |= not self.walked
                assigned = self._assigned_from.get(expr.name, [])
                if len(assigned) == 1 and assigned[0] is not None:
                    return self.typeref(assigned[0], depth + 1)
                return UNKNOWN
        fullname = self.global_fullname(expr)
        if fullname is not None:
            return ["name", fullname]
        if isinstance(expr, MemberExpr):
            return ["member", self.typeref(expr.expr, depth + 1), expr.name]
        if isinstance(expr, CallExpr):
            ref = self.callee_ref(expr.callee, depth + 1)
            return ["ret", ref] if ref is not None else UNKNOWN
        if isinstance(expr, (CastExpr, AssertTypeExpr)):
            return self.typeref(expr.expr, depth)
        return UNKNOWN

    # -- the summary -------------------------------------------------------------------

    def local_origins(self, name: str) -> list[JSON]:
        """The origins a returned local stands for, after what the body did with it."""
        if not self.walked:
            self.incomplete = True  # what the body did with it is known after the walk
            self.returned_locals.add(name)
            return [OTHER]
        uses = self.uses[name]
        if uses.finished:
            return [["done"]]
        if uses.kept:
            return [["kept"]]
        bound = [
            origin
            for value in uses.bound
            for origin in (value[1] if value[0] == "any" else [value])
            if origin[0] != "local"  # ``t = u``: u is kept (an alias), so t's own origin
        ]
        bound = bound or [OTHER]
        if uses.containers:
            return [["weak", uses.containers, bound]]
        return bound

    def summary(self) -> list[JSON]:
        result: list[JSON] = []
        for expr in self.returns:
            for origin in self.origins(expr):
                expanded = self.local_origins(origin[1]) if origin[0] == "local" else [origin]
                for item in expanded:
                    if item not in result:
                        result.append(item)
        return result


def summarize(func: FuncDef, names: ModuleNames, bound_self: bool) -> list[JSON] | None:
    """The origins of what ``func`` returns; None when it has no body of its own.

    ``bound_self``: the first parameter is the instance or the class (a method).

    Most returned values say where they come from by themselves (``return self._task``,
    ``return loop.create_task(...)``, ``return None``): the body is walked only when a
    returned value is a local, or a local is the receiver of a returned call, since only
    then does what the body did with the local matter.
    """
    if is_trivial(func.body):
        return None
    body = FunctionBody(func, names, bound_self, walk=False)
    found = body.summary()
    if body.incomplete:
        walked = FunctionBody(
            func,
            names,
            bound_self,
            local_names=body._local_names,
            watched=body.returned_locals,
        )
        found = walked.summary()
    return found


def _return_expressions(block: Block) -> Iterator[Expression]:
    """The values of the ``return`` statements of a body, in order (not in nested
    functions or classes), as :meth:`FunctionBody._walk` finds them."""
    body = block.body
    # Only returns and statements with blocks matter: the others are skipped in C.
    for stmt in compress(body, map(RETURN_WALK_TYPES.__contains__, map(type, body))):
        if isinstance(stmt, ReturnStmt):
            if stmt.expr is not None:
                yield stmt.expr
        else:
            for child in child_blocks(stmt):
                yield from _return_expressions(child)


def wraps_existing(call: CallExpr) -> bool:
    """``shield(self._fut)``, ``gather(*self._tasks)``: every argument already exists
    (an attribute or an item; keyword arguments such as ``loop=`` aside)."""
    args = [arg for arg, kind in zip(call.args, call.arg_kinds, strict=True) if kind != ARG_NAMED]
    if not args:
        return False
    return all(
        isinstance(arg.expr if isinstance(arg, StarExpr) else arg, (MemberExpr, IndexExpr))
        for arg in args
    )


def _returned_values(expr: Expression) -> Iterator[Expression]:
    """The expressions whose value may be the value of ``expr``."""
    if isinstance(expr, ConditionalExpr):
        yield from _returned_values(expr.if_expr)
        yield from _returned_values(expr.else_expr)
    elif isinstance(expr, OpExpr) and expr.op in ("and", "or"):
        yield from _returned_values(expr.left)
        yield from _returned_values(expr.right)
    elif isinstance(expr, (CastExpr, AssertTypeExpr)):
        yield from _returned_values(expr.expr)
    else:
        yield expr


def _last(expr: Expression) -> str:
    return expr.name if isinstance(expr, (NameExpr, MemberExpr)) else ""


def _local_names(func: FuncDef) -> set[str]:
    """Parameters and every name the body binds, minus ``global``/``nonlocal`` ones."""
    names = {arg.variable.name for arg in func.arguments}
    declared: set[str] = set()

    def bind(lvalue: Expression) -> None:
        for target in lvalue_names(lvalue):
            if isinstance(target, NameExpr):
                names.add(target.name)

    # ``:=`` is rare: look for it statement by statement only if the body has one at all.
    walrus = AssignmentExpr in map(type, get_subexpressions(func.body))

    def walk(block: Block) -> None:
        body = block.body
        # Without a walrus, only the statements that can bind a name matter: the others
        # (expressions, returns, ``raise``...) are skipped in C.
        stmts = (
            body if walrus else compress(body, map(BINDING_TYPES.__contains__, map(type, body)))
        )
        for stmt in stmts:
            kind = type(stmt)
            if kind is AssignmentStmt:  # the most common statement that binds
                for lvalue in stmt.lvalues:  # type: ignore[attr-defined]
                    target_kind = type(lvalue)
                    if target_kind is NameExpr:  # ``x = ...``, inline
                        names.add(lvalue.name)
                    elif target_kind is not MemberExpr and target_kind is not IndexExpr:
                        bind(lvalue)  # ``a, b = ...``; ``self.x = ...`` binds no name
            elif isinstance(stmt, (GlobalDecl, NonlocalDecl)):
                declared.update(stmt.names)
            elif isinstance(stmt, (FuncDef, OverloadedFuncDef, ClassDef)):
                names.add(stmt.name)
                continue
            elif isinstance(stmt, Decorator):
                names.add(stmt.func.name)
                continue
            elif isinstance(stmt, OperatorAssignmentStmt):
                bind(stmt.lvalue)
            elif isinstance(stmt, ForStmt):
                bind(stmt.index)
            elif isinstance(stmt, WithStmt):
                for target in stmt.target:
                    if target is not None:
                        bind(target)
            elif isinstance(stmt, TryStmt):
                for var in stmt.vars:
                    if var is not None:
                        names.add(var.name)
            elif isinstance(stmt, Import):
                names.update(alias or mod.split(".")[0] for mod, alias in stmt.ids)
            elif isinstance(stmt, ImportFrom):
                names.update(alias or name for name, alias in stmt.names)
            if walrus:
                names.update(_walrus_targets(stmt))
            if kind in COMPOUND_TYPES:
                for child in child_blocks(stmt):
                    walk(child)

    walk(func.body)
    return names - declared


def _walrus_targets(stmt: Statement) -> Iterator[str]:
    """Names bound by ``:=`` in a statement; for a compound statement, in its header only
    (its blocks are walked one statement at a time)."""
    if isinstance(stmt, (FuncDef, Decorator, OverloadedFuncDef, ClassDef)):
        return
    for expr in own_expressions(stmt):
        if isinstance(expr, AssignmentExpr):
            yield expr.target.name
