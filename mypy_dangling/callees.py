"""Which callees get a hook at all: decided once per name, from the callee's declaration.

mypy asks a plugin for a hook with nothing but the callee's full name, for every call it
checks (and twice when the answer is a hook).  Returning a hook for every name costs about
4 % of mypy's time on a large codebase before the hook does anything (mypy builds a
context and calls into interpreted code), so the plugin looks the name up and hooks only
callees whose declaration can matter:

* a return type that is or may be a Task/Future (a Task, a Union with one, a type variable
  such as ``def ident(x: T) -> T``), or, where ``check_untyped_defs`` is on, a coroutine
  (the untyped-code check sees ``loop.create_task(self.update())`` on an ``Any`` loop
  through the coroutine call);
* a callable parameter (a callback whose result may be dropped);
* the asyncio producers by name (their result can be ``Any``);
* anything it cannot classify (a callable object, a name it cannot find).

Builtins, operators and other dunder methods (but ``__call__``), ``await``, mypy's
synthetic callees (``<list>``) and the methods that take an element out of a container
never create a task and are never hooked.  The plugin caches the hook per name
and forgets them all when mypy parses a module a second time (``get_additional_deps``): a
declaration changes only through a new parse, and ``dmypy`` keeps the plugin between runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from mypy.lookup import lookup_fully_qualified
from mypy.nodes import (
    Decorator,
    FuncDef,
    MypyFile,
    OverloadedFuncDef,
    SymbolNode,
    TypeInfo,
)
from mypy.types import (
    AnyType,
    CallableType,
    Instance,
    NoneType,
    Type,
    TypeVarType,
    UnionType,
)

from mypy_dangling.checks.callbacks import ignores_result
from mypy_dangling.classes import (
    CALLABLE_TYPE,
    DECORATOR,
    FUNC_DEF,
    FUNC_NO_INFO,
    INSTANCE,
    MYPY_FILE,
    NONE_TYPE,
    OVERLOADED,
    OVERLOADED_FUNC_DEF,
    TYPE_ALIAS_TYPE,
    TYPE_INFO,
    TYPE_VAR_TYPE,
    UNION_TYPE,
    VAR,
    proper,
)
from mypy_dangling.flow.store import (
    function_of,
    is_candidate,
    may_return_task,
    module_of,
    typevar_may_be_task,
)
from mypy_dangling.flow.summary import lookup_node
from mypy_dangling.tasks import (
    ALIAS_CALLBACKS,
    CONTAINER_CLASSES,
    PLAIN_CLASSES,
    PRODUCER_FUNCTIONS,
    RETRIEVAL_METHODS,
    info_task_kind,
    plain_class,
)

if TYPE_CHECKING:
    from mypy_dangling.flow import Flow

COROUTINE_CLASSES: Final = frozenset({"typing.Coroutine", "typing.Awaitable"})
#: Types that are never a callable, so never a callback parameter (exact types: a
#: ``TypeAliasType`` may stand for a callable, and is looked at).
NOT_CALLABLE_TYPES: Final = frozenset({Instance, NoneType, AnyType, UnionType, TypeVarType})
#: A sentinel for a name not in a cache (None is a cached answer).
MISSING: Final = object()
#: What a callee name's owner is cached as when it is a builtin module or class.
BUILTINS: Final = object()


def may_matter(fullname: str, modules: dict[str, MypyFile], coroutines: bool, flow: Flow) -> bool:
    """Whether a call of ``fullname`` can matter to the checks, by its declaration, or, for
    a callee declared wider than a task (or not at all), by its body.

    ``coroutines``: whether coroutine functions matter (only the untyped-code check needs
    them, and only where ``check_untyped_defs`` is on).

    This runs once for each callee name of a run (thousands), so the commonest callees
    (a function or method declared ``-> None`` or ``-> SomeClass``, a class) are decided
    here in one frame, from what the part of the name before its last dot names (cached
    per owner; a builtin owner decides at once); any other name goes through
    :func:`_may_matter`, the same decision step by step.  Measured on Home Assistant's
    part: 24 k instructions per name before, 18 k with this path (``docs/benchmarks.md``).
    """
    owner, _, name = fullname.rpartition(".")
    if name[:2] == "__" and name[-2:] == "__" and name != "__call__" and " of " not in fullname:
        return False  # an operator, ``await``, ``with``... (as in _may_matter), not looked up
    owners = flow.owners
    found = owners.get(owner, MISSING)
    if found is MISSING:
        found = owners[owner] = _callee_owner(owner, modules)
    kind = type(found)
    if kind is TYPE_INFO:
        sym = found.names.get(name) or found.get(name)  # type: ignore[attr-defined]
    elif kind is MYPY_FILE:
        sym = found.names.get(name)  # type: ignore[attr-defined]
    elif found is BUILTINS:
        return False
    else:
        return _may_matter(fullname, modules, coroutines, flow)
    node = sym.node if sym is not None else None
    if (
        node is None
        or (name[0] == "_" and name[:2] == "__" and name[-2:] == "__")
        or name in RETRIEVAL_METHODS
        or fullname in PRODUCER_FUNCTIONS
    ):
        return _may_matter(fullname, modules, coroutines, flow)  # rare: step by step
    kind = type(node)
    if kind is FUNC_DEF:
        func: FuncDef = node
        if coroutines and func.is_coroutine:
            return True
        if _plain_return(func.type, coroutines):
            return has_callable_param(func.type)  # type: ignore[arg-type]
        return _function_may_matter(fullname, func, modules, coroutines, flow)
    if kind is DECORATOR:
        func = node.func
        declared = node.var.type or func.type
        if (
            not (coroutines and func.is_coroutine)
            and _plain_return(declared, coroutines)
            and (declared is func.type or _plain_return(func.type, coroutines))
        ):
            # Neither the decorated callable nor the function returns a task or more.
            return has_callable_param(declared)  # type: ignore[arg-type]
    elif kind is TYPE_INFO:
        info: TypeInfo = node
        if info_task_kind(info) is not None:
            return True
        init = info.get("__init__")
        if init is None:
            return False
        init_node = init.node
        if type(init_node) is FUNC_DEF and not (coroutines and init_node.is_coroutine):
            typ = init_node.type
            if typ is None:
                return False
            if _plain_return(typ, coroutines):
                return has_callable_param(typ)  # type: ignore[arg-type]
        return node_may_matter(init_node, coroutines=coroutines)
    return node_may_matter(node, coroutines=coroutines) or _produces_by_body(
        fullname, node, modules, flow
    )


def _callee_owner(owner: str, modules: dict[str, MypyFile]) -> object:
    """The module or class the part of a callee name before its last dot names:
    :data:`BUILTINS` for the builtins (whose callees never matter), else None.  Cached per
    run in ``flow.owners``, for :func:`may_matter` and :func:`resolve`."""
    if owner == "builtins" or owner.startswith("builtins."):
        return BUILTINS
    found = (modules.get(owner) or lookup_node(owner, modules)) if owner else None
    return found if type(found) is TYPE_INFO or type(found) is MYPY_FILE else None


def _may_matter(fullname: str, modules: dict[str, MypyFile], coroutines: bool, flow: Flow) -> bool:
    """:func:`may_matter` step by step, for any name."""
    if fullname.startswith(("builtins.", "<")):  # builtins; mypy's ``<list>``, ``<dict>``...
        return False
    method = fullname.split(" of ", 1)[0].rpartition(".")[2]
    if method.startswith("__") and method.endswith("__") and method != "__call__":
        return False  # operators, iteration, ``await``, ``with``: nothing is dropped there
    if fullname in PRODUCER_FUNCTIONS:
        return True
    node = resolve(fullname, modules, flow.owners)
    if node is None:
        return True  # a local callable, or a name mypy made up: let the hook decide
    if method in RETRIEVAL_METHODS and _is_container_method(node):
        return False  # hands back an element that exists already
    if type(node) is FUNC_DEF:  # most callees: the same test as below, in one pass
        return _function_may_matter(fullname, node, modules, coroutines, flow)
    return node_may_matter(node, coroutines=coroutines) or _produces_by_body(
        fullname, node, modules, flow
    )


def _plain_return(typ: Type | None, coroutines: bool) -> bool:
    """Whether a callable type is declared to return ``None`` or a plain class (the
    commonest declarations): no task, and nothing wider that may hide one.  A coroutine
    matters to the untyped-code check (``coroutines``).  False says nothing."""
    if type(typ) is not CALLABLE_TYPE:
        return False
    ret = typ.ret_type
    ret_kind = type(ret)
    return ret_kind is NONE_TYPE or (
        ret_kind is INSTANCE
        and ret.type in PLAIN_CLASSES  # type: ignore[attr-defined]
        and not (coroutines and ret.type.fullname in COROUTINE_CLASSES)  # type: ignore[attr-defined]
    )


def _function_may_matter(
    fullname: str, func: FuncDef, modules: dict[str, MypyFile], coroutines: bool, flow: Flow
) -> bool:
    """``node_may_matter(func) or _produces_by_body(...)`` for a plain function."""
    if coroutines and func.is_coroutine:
        return True
    typ = func.type
    if type(typ) is CALLABLE_TYPE:
        ret = typ.ret_type
        ret_kind = type(ret)
        if ret_kind is NONE_TYPE or (
            ret_kind is INSTANCE
            and plain_class(ret.type)  # type: ignore[attr-defined]
            and ret.type.fullname not in COROUTINE_CLASSES  # type: ignore[attr-defined]
        ):
            # The commonest declarations (``-> None``, ``-> str``, ``-> Entity``): neither
            # a task nor a wider type; only a callback parameter can matter.
            return has_callable_param(typ)
        if return_may_matter(ret, coroutines) or has_callable_param(typ):
            return True
        if not may_return_task(ret):
            return False  # declared to return something that is not, and hides no, task
    elif typ is not None:
        return True  # not a callable type: let the hook decide (as node_may_matter does)
    return _produces_by_body(fullname, func, modules, flow)


def _produces_by_body(
    fullname: str, node: SymbolNode, modules: dict[str, MypyFile], flow: Flow
) -> bool:
    """A callee declared ``-> Awaitable[T]``/``Any``/``object`` (or not at all) whose body
    returns a task it made and does not keep."""
    func = function_of(node)
    if func is None or not is_candidate(func) or not flow.config.infer_owners:
        return False
    module = module_of(func, modules)
    tree = modules.get(module) if module else None
    if tree is None or tree.is_stub or tree.path.endswith(".pyi"):
        # No body (typeshed, a stub package): the declaration decides, and a declared
        # task has made the callee matter already.
        return False
    info = func.info if func.info is not FUNC_NO_INFO else None
    if info is not None:  # a method: judged on the receiver's class, named by the fullname
        receiver = resolve(fullname.split(" of ", 1)[0].rpartition(".")[0], modules, flow.owners)
        info = receiver if isinstance(receiver, TypeInfo) else info
    return flow.judge.callee(node, info, modules, 0).fresh


def resolve(
    fullname: str,
    modules: dict[str, MypyFile],
    owners: dict[str, object] | None = None,
) -> SymbolNode | None:
    """The callee's declaration; a method may be inherited (mypy names it by the receiver).

    ``owners``: a cache of what the part before the last dot names (a module or a class,
    :func:`_callee_owner`), for the run: most callees are methods, many of the same classes.
    """
    owner, _, name = fullname.rpartition(".")
    if owners is not None and owner:
        found = owners.get(owner, MISSING)
        if found is MISSING:  # (not try/except: a raised KeyError costs more than a lookup)
            found = owners[owner] = _callee_owner(owner, modules)
        if found is BUILTINS:
            found = modules.get(owner) or lookup_node(owner, modules)
        if type(found) is MYPY_FILE:
            sym = found.names.get(name)
            return sym.node if sym is not None else None
        if type(found) is TYPE_INFO:
            sym = found.names.get(name) or found.get(name)
            return sym.node if sym is not None else None
        return None
    try:
        sym = lookup_fully_qualified(fullname, modules)
        if sym is not None:
            return sym.node
        cls = lookup_fully_qualified(owner, modules) if owner else None
        member = cls.node.get(name) if cls is not None and isinstance(cls.node, TypeInfo) else None
    except Exception:  # an odd name: the hook decides by the inferred type
        return None
    return member.node if member is not None else None


def _is_container_method(node: SymbolNode) -> bool:
    func = node.func if isinstance(node, Decorator) else node
    info = func.info if isinstance(func, (FuncDef, OverloadedFuncDef)) else None
    return (
        info is not None
        and info is not FUNC_NO_INFO
        and any(info.has_base(container) for container in CONTAINER_CLASSES)
    )


def node_may_matter(node: SymbolNode | None, *, coroutines: bool) -> bool:
    # (exact types: mypy does not subclass these nodes; a ``FakeInfo`` is no class)
    if type(node) is FUNC_DEF:
        if coroutines and node.is_coroutine:
            return True
        return node.type is not None and type_may_matter(node.type, coroutines)
    if type(node) is DECORATOR:
        declared = node.var.type or node.func.type
        return (coroutines and node.func.is_coroutine) or type_may_matter(declared, coroutines)
    if isinstance(node, TYPE_INFO):
        init = node.get("__init__")
        return info_task_kind(node) is not None or (
            init is not None and node_may_matter(init.node, coroutines=coroutines)
        )
    if type(node) is VAR or type(node) is OVERLOADED_FUNC_DEF:
        return node.type is None or type_may_matter(node.type, coroutines)
    return True


def type_may_matter(typ: Type | None, coroutines: bool) -> bool:
    found = proper(typ)
    if type(found) is CALLABLE_TYPE:
        items = [found]
    elif type(found) is OVERLOADED:
        items = found.items
    else:
        return True  # a callable object, Any, ...: let the hook decide
    for item in items:  # loops, not ``any(<generator>)``: this runs once per callee name
        if return_may_matter(item.ret_type, coroutines) or has_callable_param(item):
            return True
    return False


def has_callable_param(callee: CallableType) -> bool:
    """A parameter typed as a callback whose result the callee drops (``-> None/object``).

    Parameters whose declared type is plainly no callable (an instance, ``None``, ``Any``...)
    are passed over without a call: constructors often have many.
    """
    for typ in callee.arg_types:
        kind = type(typ)
        if kind in NOT_CALLABLE_TYPES:
            continue
        alias = typ.alias if kind is TYPE_ALIAS_TYPE and not typ.args else None  # type: ignore[attr-defined]
        if alias is not None:
            # ``config: ConfigType``: one expansion per alias for the run, not per use.
            known = ALIAS_CALLBACKS.get(alias)
            if known is None:
                known = ALIAS_CALLBACKS[alias] = ignores_result(typ)
            if known:
                return True
        elif ignores_result(typ):
            return True
    return False


def return_may_matter(typ: Type, coroutines: bool) -> bool:
    found = proper(typ)
    if type(found) is INSTANCE:
        if coroutines and found.type.fullname in COROUTINE_CLASSES:
            return True
        return info_task_kind(found.type) is not None
    if type(found) is TYPE_VAR_TYPE:
        return typevar_may_be_task(found)
    if type(found) is UNION_TYPE:
        for item in found.items:  # a loop, not ``any(<generator>)``: a frame less
            if return_may_matter(item, coroutines):
                return True
    return False
