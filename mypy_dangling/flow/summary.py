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
from typing import Any, Final, TypeGuard

from mypy.lookup import lookup_fully_qualified
from mypy.nodes import (
    ARG_NAMED,
    ARG_STAR,
    ARG_STAR2,
    AssignmentStmt,
    Block,
    CallExpr,
    ClassDef,
    Decorator,
    Expression,
    FuncDef,
    GlobalDecl,
    Import,
    ImportFrom,
    MypyFile,
    NameExpr,
    NonlocalDecl,
    OperatorAssignmentStmt,
    OverloadedFuncDef,
    ReturnStmt,
    Statement,
    SymbolNode,
)

from mypy_dangling.classes import (
    ASSERT_TYPE_EXPR,
    ASSIGNMENT_EXPR,
    ASSIGNMENT_STMT,
    CALL_EXPR,
    CAST_EXPR,
    CLASS_DEF,
    CONDITIONAL_EXPR,
    DECORATOR,
    DEL_STMT,
    ELLIPSIS_EXPR,
    EXPRESSION_STMT,
    FOR_STMT,
    FUNC_DEF,
    GLOBAL_DECL,
    IMPORT,
    IMPORT_FROM,
    INDEX_EXPR,
    LAMBDA_EXPR,
    LIST_EXPR,
    LITERAL_TYPES,
    MEMBER_EXPR,
    NAME_EXPR,
    NONLOCAL_DECL,
    OP_EXPR,
    OPERATOR_ASSIGNMENT_STMT,
    OVERLOADED_FUNC_DEF,
    PASS_STMT,
    RAISE_STMT,
    RETURN_STMT,
    STAR_EXPR,
    STR_EXPR,
    SUPER_EXPR,
    TRY_STMT,
    TUPLE_EXPR,
    WITH_STMT,
    subexpressions,
)
from mypy_dangling.syntax import (
    COMPOUND_TYPES,
    child_blocks,
    header_expressions,
    lvalue_names,
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
        if type(stmt) is PASS_STMT or type(stmt) is RAISE_STMT:
            continue
        if type(stmt) is EXPRESSION_STMT and (
            type(stmt.expr) is ELLIPSIS_EXPR or type(stmt.expr) is STR_EXPR
        ):
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
        # The commonest statements first; by exact type (mypy does not subclass its
        # statement nodes).
        if type(stmt) is EXPRESSION_STMT:
            self._expression(stmt.expr)
            return
        if type(stmt) is ASSIGNMENT_STMT:
            self._assignment(stmt.lvalues, stmt.rvalue)
            return
        if type(stmt) is RETURN_STMT:
            if stmt.expr is not None:
                self.returns.append(stmt.expr)
                self._expression(stmt.expr, returned=True)
            return
        kind = type(stmt)
        if kind in DEFINITION_TYPES:
            self._captured(stmt)
            return
        if kind not in COMPOUND_TYPES:
            if type(stmt) is OPERATOR_ASSIGNMENT_STMT:  # ``t += x`` reads t
                self._expression(stmt.lvalue)
                self._expression(stmt.rvalue)
            elif type(stmt) is DEL_STMT:
                for target in lvalue_names(stmt.expr):
                    if type(target) is not NAME_EXPR:
                        self._expression(target)
            else:  # ``raise``, ``assert``...: any local they mention is kept
                self._captured(stmt)
            return
        if type(stmt) is FOR_STMT:
            self._expression(stmt.expr)
            self._target(stmt.index, None)
        elif type(stmt) is WITH_STMT:
            for manager, bound in zip(stmt.expr, stmt.target, strict=True):
                self._expression(manager)
                if bound is not None:
                    self._target(bound, manager)
        elif type(stmt) is TRY_STMT:
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
            if name is not None and type(lvalue) is INDEX_EXPR:
                # ``self._tasks[key] = task``: stored in a container.
                self.uses[name].containers.append(self.typeref(lvalue.base))
                self._expression(lvalue.base)
                self._expression(lvalue.index)
                continue
            if name is not None and type(lvalue) is MEMBER_EXPR:
                # ``self._task = task``: stored.
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
        if type(lvalue) is NAME_EXPR:
            name = lvalue.name
            if name in self.uses:
                self._assigned_from.setdefault(name, []).append(value)
                watched = self._watched
                if watched is None or name in watched:
                    self.uses[name].bound.append(
                        self.origin(value) if value is not None else OTHER
                    )
            return
        if type(lvalue) is TUPLE_EXPR or type(lvalue) is LIST_EXPR:
            for item in lvalue.items:
                self._target(item, None)
            return
        if type(lvalue) is STAR_EXPR:
            self._target(lvalue.expr, None)
            return
        self._expression(lvalue)

    def _captured(self, node: Statement | Expression) -> None:
        """Every local ``node`` mentions is kept (a closure, or a statement not modelled)."""
        watched = self.uses.keys() if self._watched is None else self._watched
        uses = self.uses
        for sub in subexpressions(node):
            if type(sub) is NAME_EXPR:
                name = sub.name
                if name in watched:
                    uses[name].kept = True

    def _expression(self, expr: Expression, *, returned: bool = False) -> None:
        """Classify every mention of a local in ``expr``."""
        exprs = [expr, *subexpressions(expr)]
        watched = self._watched
        if watched is not None and not _mentions(exprs, watched):
            # Only the uses of the watched locals are read: an expression that mentions
            # none of them (and binds no name with ``:=``, which a later reference to the
            # name reads) changes nothing here.  Most expressions of a body mention none
            # of the few locals a function returns.
            return
        classified: set[int] = set()
        uses = self.uses
        # Exact types (mypy does not subclass its expression nodes): this loop sees every
        # subexpression of every summarised body.
        for sub in exprs:
            kind = type(sub)
            if kind is CALL_EXPR:
                self._call(sub, classified)  # type: ignore[arg-type]
            elif kind is LAMBDA_EXPR:
                self._captured(sub)
                classified.update(id(e) for e in subexpressions(sub))
            elif kind is ASSIGNMENT_EXPR:
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
            if type(sub) is NAME_EXPR and id(sub) not in classified:
                name = sub.name
                if name in uses:
                    uses[name].kept = True

    def _call(self, call: CallExpr, classified: set[int]) -> None:
        callee = call.callee
        if type(callee) is MEMBER_EXPR and self._is_local(callee.expr):
            uses = self.uses[callee.expr.name]
            if callee.name in OWN_METHODS:
                uses.own.add(callee.name)
                classified.add(id(callee.expr))
            elif callee.name in FINISHING_METHODS:
                uses.finished = True
                classified.add(id(callee.expr))
        for arg in call.args:
            if type(arg) is NAME_EXPR or type(arg) is ASSIGNMENT_EXPR:
                break
        else:
            return  # no local is passed (most calls pass literals, attributes, calls)
        container: JSON | None = None
        resolved = False
        for passed, kind in zip(call.args, call.arg_kinds, strict=True):
            # ``self._tasks.add(t := create_task(...))`` passes t
            arg = passed.target if type(passed) is ASSIGNMENT_EXPR else passed
            if kind in (ARG_STAR, ARG_STAR2) or not self._is_local(arg):
                continue
            classified.add(id(arg))
            if not resolved:  # what receives a local (most calls pass none)
                resolved = True
                if type(callee) is MEMBER_EXPR and self.global_fullname(callee) is None:
                    container = self.typeref(callee.expr)  # ``self._tasks.add(task)``
            uses = self.uses[arg.name]
            if container is not None and container != UNKNOWN:
                uses.containers.append(container)
            else:
                uses.kept = True

    # -- names -----------------------------------------------------------------------

    def _is_local(self, expr: Expression | None) -> TypeGuard[NameExpr]:
        return type(expr) is NAME_EXPR and self.is_local_name(expr.name)

    def global_fullname(self, expr: Expression) -> str | None:
        """The fullname a global name or a module attribute refers to."""
        if type(expr) is NAME_EXPR:
            if self.is_local_name(expr.name):
                return None
            return expr.fullname or self.names.global_name(expr.name)
        if type(expr) is MEMBER_EXPR:
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
        # By exact type (mypy does not subclass its expression nodes), the commonest
        # returned values first.
        if type(expr) is NAME_EXPR:
            if expr.name in ("None", "True", "False"):  # keywords: never a local
                return [NONE]
            if self.is_local_name(expr.name):
                return [["local", expr.name]]
            return [GIVEN]
        if type(expr) is MEMBER_EXPR or type(expr) is INDEX_EXPR:
            return [GIVEN]
        if type(expr) in LITERAL_TYPES:
            return [NONE]
        if type(expr) is CAST_EXPR or type(expr) is ASSERT_TYPE_EXPR:
            return self.origins(expr.expr)
        if type(expr) is CONDITIONAL_EXPR:
            return self.origins(expr.if_expr) + self.origins(expr.else_expr)
        if type(expr) is OP_EXPR and expr.op in ("and", "or"):
            return self.origins(expr.left) + self.origins(expr.right)
        if type(expr) is CALL_EXPR:
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
        if type(callee) is SUPER_EXPR:
            return ["super", callee.name]
        if type(callee) is MEMBER_EXPR:
            return ["meth", self.typeref(callee.expr, depth + 1), callee.name, _last(callee.expr)]
        return None

    def typeref(self, expr: Expression, depth: int = 0) -> JSON:
        """A description of the type of ``expr``, resolved later from declarations."""
        if depth > MAX_REF_DEPTH:
            return UNKNOWN
        if type(expr) is NAME_EXPR:
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
        if type(expr) is MEMBER_EXPR:
            return ["member", self.typeref(expr.expr, depth + 1), expr.name]
        if type(expr) is CALL_EXPR:
            ref = self.callee_ref(expr.callee, depth + 1)
            return ["ret", ref] if ref is not None else UNKNOWN
        if type(expr) is CAST_EXPR or type(expr) is ASSERT_TYPE_EXPR:
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
    # Only returns and statements with blocks matter (by exact type: mypy does not
    # subclass its statement nodes).
    for stmt in block.body:
        if type(stmt) is RETURN_STMT:
            if stmt.expr is not None:
                yield stmt.expr
        elif type(stmt) in RETURN_WALK_TYPES:
            for child in child_blocks(stmt):
                yield from _return_expressions(child)


def wraps_existing(call: CallExpr) -> bool:
    """``shield(self._fut)``, ``gather(*self._tasks)``: every argument already exists
    (an attribute or an item; keyword arguments such as ``loop=`` aside)."""
    args = [arg for arg, kind in zip(call.args, call.arg_kinds, strict=True) if kind != ARG_NAMED]
    if not args:
        return False
    for arg in args:
        item = arg.expr if type(arg) is STAR_EXPR else arg
        if type(item) is not MEMBER_EXPR and type(item) is not INDEX_EXPR:
            return False
    return True


def _returned_values(expr: Expression) -> Iterator[Expression]:
    """The expressions whose value may be the value of ``expr``."""
    if type(expr) is CONDITIONAL_EXPR:
        yield from _returned_values(expr.if_expr)
        yield from _returned_values(expr.else_expr)
    elif type(expr) is OP_EXPR and expr.op in ("and", "or"):
        yield from _returned_values(expr.left)
        yield from _returned_values(expr.right)
    elif type(expr) is CAST_EXPR or type(expr) is ASSERT_TYPE_EXPR:
        yield from _returned_values(expr.expr)
    else:
        yield expr


def _mentions(exprs: list[Expression], names: set[str]) -> bool:
    """Whether ``exprs`` name one of ``names``, or bind a name with ``:=``."""
    for expr in exprs:
        kind = type(expr)
        if kind is NAME_EXPR:
            if expr.name in names:  # type: ignore[attr-defined]
                return True
        elif kind is ASSIGNMENT_EXPR:
            return True
    return False


def _last(expr: Expression) -> str:
    return expr.name if type(expr) is NAME_EXPR or type(expr) is MEMBER_EXPR else ""


def _local_names(func: FuncDef) -> set[str]:
    """Parameters and every name the body binds, minus ``global``/``nonlocal`` ones."""
    names = {arg.variable.name for arg in func.arguments}
    declared: set[str] = set()

    def bind(lvalue: Expression) -> None:
        for target in lvalue_names(lvalue):
            if type(target) is NAME_EXPR:
                names.add(target.name)

    # ``:=`` is rare: look for it statement by statement only if the body has one at all.
    walrus = False
    for expr in subexpressions(func.body):
        if type(expr) is ASSIGNMENT_EXPR:
            walrus = True
            break

    def walk(block: Block) -> None:
        for stmt in block.body:
            kind = type(stmt)
            # Without a walrus, only the statements that can bind a name matter (by exact
            # type: mypy does not subclass its statement nodes): the others (expressions,
            # returns, ``raise``...) are passed over.
            if not walrus and kind not in BINDING_TYPES:
                continue
            if kind is ASSIGNMENT_STMT:  # the most common statement that binds
                for lvalue in stmt.lvalues:  # type: ignore[attr-defined]
                    target_kind = type(lvalue)
                    if target_kind is NAME_EXPR:  # ``x = ...``, inline
                        names.add(lvalue.name)
                    elif target_kind is not MEMBER_EXPR and target_kind is not INDEX_EXPR:
                        bind(lvalue)  # ``a, b = ...``; ``self.x = ...`` binds no name
            elif type(stmt) is GLOBAL_DECL or type(stmt) is NONLOCAL_DECL:
                declared.update(stmt.names)
            elif (
                type(stmt) is FUNC_DEF
                or type(stmt) is OVERLOADED_FUNC_DEF
                or type(stmt) is CLASS_DEF
            ):
                names.add(stmt.name)
                continue
            elif type(stmt) is DECORATOR:
                names.add(stmt.func.name)
                continue
            elif type(stmt) is OPERATOR_ASSIGNMENT_STMT:
                bind(stmt.lvalue)
            elif type(stmt) is FOR_STMT:
                bind(stmt.index)
            elif type(stmt) is WITH_STMT:
                for target in stmt.target:
                    if target is not None:
                        bind(target)
            elif type(stmt) is TRY_STMT:
                for var in stmt.vars:
                    if var is not None:
                        names.add(var.name)
            elif type(stmt) is IMPORT:
                names.update(alias or mod.split(".")[0] for mod, alias in stmt.ids)
            elif type(stmt) is IMPORT_FROM:
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
    if type(stmt) in DEFINITION_TYPES:
        return
    for expr in own_expressions(stmt):
        if type(expr) is ASSIGNMENT_EXPR:
            yield expr.target.name
