"""Owners: APIs that keep the tasks they return, so dropping their result is fine.

An owner is (1) ``asyncio.TaskGroup.create_task`` on any receiver typed as a TaskGroup,
(2) a name listed in the ``owners`` option, or, with ``infer_owners`` (the default),
(3) a method whose class (or one of its bases) declares an attribute that holds tasks,
or a module-level function whose module declares such a variable, and (4) a method that
delegates to an owner (``return self._hub.spawn(coro)``).

"Holds tasks" means a declared type that is a Task/Future, or a strong collection of them
(``set``/``list``/``dict``/``deque``/``MutableSet``/…; not ``WeakSet``/``WeakValueDictionary``).

Cache stability: the decision uses only symbol tables, *declared* types (types inferred
while checking a body would not exist yet in a cold run that reaches the call first) and
``TypeInfo.metadata``, which mypy writes to its cache.  Delegations are found by reading
method bodies while mypy analyses the class (:func:`record_delegations`, a semantic
analysis hook), and stored in the class's metadata, so a warm run that loads the class
from the cache sees the same thing as the cold run that analysed it.
"""

from __future__ import annotations

from typing import Final

from mypy.lookup import lookup_fully_qualified
from mypy.nodes import (
    CallExpr,
    Decorator,
    FuncDef,
    MemberExpr,
    MypyFile,
    NameExpr,
    ReturnStmt,
    TypeInfo,
    Var,
)
from mypy.plugin import ClassDefContext
from mypy.types import Instance, ProperType, TupleType, Type, TypeType, UnionType, get_proper_type

from mypy_dangling.config import DanglingConfig
from mypy_dangling.tasks import TASK_GROUP_CLASS, task_kind

METADATA_KEY: Final = "mypy_dangling"
WEAK_CLASSES: Final = (
    "_weakrefset.WeakSet",
    "weakref.WeakSet",
    "weakref.WeakValueDictionary",
    "weakref.WeakKeyDictionary",
)
#: How many delegations to follow (``a.spawn`` → ``self._b.spawn`` → …).
MAX_DEPTH: Final = 5


# -- what holds tasks -----------------------------------------------------------------


def holds_tasks(typ: Type | None, depth: int = 0) -> bool:
    """Whether a declared type keeps tasks alive: a Task, or a strong collection of them."""
    proper = get_proper_type(typ)
    if depth > 3 or proper is None:
        return False
    if isinstance(proper, UnionType):
        return any(holds_tasks(item, depth + 1) for item in proper.items)
    if isinstance(proper, TupleType):
        return any(holds_tasks(item, depth + 1) for item in proper.items)
    if not isinstance(proper, Instance):
        return False
    if task_kind(proper) is not None:
        return True
    if any(proper.type.has_base(weak) for weak in WEAK_CLASSES):
        return False
    return any(holds_tasks(arg, depth + 1) for arg in proper.args)


def _declared_type(node: object) -> Type | None:
    """The declared type of a variable; None for one whose type mypy infers."""
    if isinstance(node, Var) and (not node.is_inferred or node.explicit_self_type):
        return node.type
    return None


def class_holds_tasks(info: TypeInfo) -> bool:
    return any(
        holds_tasks(_declared_type(sym.node)) for base in info.mro for sym in base.names.values()
    )


def module_holds_tasks(module: MypyFile) -> bool:
    prefix = module.fullname + "."
    return any(
        holds_tasks(_declared_type(sym.node))
        for name, sym in module.names.items()
        if isinstance(sym.node, Var) and sym.node.fullname == prefix + name
    )


# -- deciding ---------------------------------------------------------------------------


def receiver_info(receiver: ProperType | None) -> TypeInfo | None:
    """The class whose method is called (``Class.method()`` and ``obj.method()`` alike)."""
    if isinstance(receiver, TypeType):
        receiver = receiver.item
    if isinstance(receiver, TupleType):
        receiver = receiver.partial_fallback
    return receiver.type if isinstance(receiver, Instance) else None


def is_owner_method(
    config: DanglingConfig,
    receiver: ProperType | None,
    method: str,
    modules: dict[str, MypyFile],
    depth: int = 0,
) -> bool:
    """Whether calling ``method`` on ``receiver`` goes to an API that keeps the task."""
    if isinstance(receiver, UnionType):
        items = [get_proper_type(item) for item in receiver.items]
        return all(is_owner_method(config, item, method, modules, depth) for item in items)
    info = receiver_info(receiver)
    if info is None or depth > MAX_DEPTH:
        return False
    if info.has_base(TASK_GROUP_CLASS):
        return True
    if any(f"{base.fullname}.{method}" in config.owners for base in info.mro):
        return True
    if not config.infer_owners:
        return False
    if class_holds_tasks(info):
        return True
    return _delegates_to_owner(config, info, method, modules, depth)


def is_owner_function(config: DanglingConfig, fullname: str, modules: dict[str, MypyFile]) -> bool:
    """Whether the module-level function ``fullname`` keeps the tasks it returns."""
    if fullname in config.owners:
        return True
    if not config.infer_owners:
        return False
    module = modules.get(fullname.rpartition(".")[0])
    return module is not None and module_holds_tasks(module)


def _delegates_to_owner(
    config: DanglingConfig,
    info: TypeInfo,
    method: str,
    modules: dict[str, MypyFile],
    depth: int,
) -> bool:
    defining = next((base for base in info.mro if method in base.names), None)
    if defining is None:
        return False
    delegation = defining.metadata.get(METADATA_KEY, {}).get("delegates", {}).get(method)
    if not delegation:
        return False
    kind, attr, target = delegation
    if kind == "self":
        return is_owner_method(config, Instance(info, []), target, modules, depth + 1)
    if kind == "attr":
        sym = info.get(attr)
        declared = get_proper_type(_declared_type(sym.node if sym else None))
        return is_owner_method(config, declared, target, modules, depth + 1)
    module = modules.get(defining.module_name)
    sym = module.names.get(attr) if module else None
    node = sym.node.func if sym and isinstance(sym.node, Decorator) else sym.node if sym else None
    return isinstance(node, FuncDef) and is_owner_function(config, node.fullname, modules)


# -- checking configured names ------------------------------------------------------------


def configured_owner_problem(
    name: str, modules: dict[str, MypyFile], *, complete: bool
) -> str | None:
    """Why a configured owner does not name anything, or None if it does (or can't tell).

    With ``complete`` (every module of the program is loaded), a name under no loaded
    module is reported too; otherwise only names whose module is loaded are judged.
    """
    parts = name.split(".")
    module = next(
        (
            ".".join(parts[:i])
            for i in range(len(parts) - 1, 0, -1)
            if ".".join(parts[:i]) in modules
        ),
        None,
    )
    if module is None:
        return "no checked module contains it" if complete else None
    if lookup_fully_qualified(name, modules) is None:
        return f'it is not defined in module "{module}"'
    return None


# -- recording delegations while mypy analyses a class -----------------------------------


def record_delegations(ctx: ClassDefContext) -> None:
    """Store in the class's metadata which methods return a call of another owner.

    Runs at semantic analysis (every class gets it, through the MRO hook) and reads only
    syntax: ``return self.meth(...)``, ``return self.attr.meth(...)``, ``return func(...)``
    among the top-level statements of a method.  Resolved at call time, from the cache too.
    """
    delegates: dict[str, list[str]] = {}
    for stmt in ctx.cls.defs.body:
        func = stmt.func if isinstance(stmt, Decorator) else stmt
        if not isinstance(func, FuncDef) or not func.arguments:
            continue
        self_name = func.arguments[0].variable.name
        for inner in func.body.body:
            if isinstance(inner, ReturnStmt) and isinstance(inner.expr, CallExpr):
                found = _delegation(inner.expr.callee, self_name)
                if found:
                    delegates[func.name] = found
                    break
    if delegates:
        ctx.cls.info.metadata[METADATA_KEY] = {"delegates": delegates}
    elif METADATA_KEY in ctx.cls.info.metadata:
        del ctx.cls.info.metadata[METADATA_KEY]


def _delegation(callee: object, self_name: str) -> list[str] | None:
    if isinstance(callee, NameExpr):
        return ["func", callee.name, ""]
    if not isinstance(callee, MemberExpr):
        return None
    receiver = callee.expr
    if isinstance(receiver, NameExpr) and receiver.name == self_name:
        return ["self", "", callee.name]
    if (
        isinstance(receiver, MemberExpr)
        and isinstance(receiver.expr, NameExpr)
        and receiver.expr.name == self_name
    ):
        return ["attr", receiver.name, callee.name]
    return None
