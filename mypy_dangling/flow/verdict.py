"""What a call hands back: a fresh task nobody holds, or something that is held.

Every check asks the same question of a callee -- "does dropping what this returns drop a
live task?" -- and gets one :class:`Verdict`:

* ``fresh``: a task or future in flight that nothing else holds (a *producer*): dropping
  it, or binding it to a local nobody keeps, is a finding;
* ``held``: a task that something keeps (a *keeper*: stored in an attribute, a module-level
  or passed-in container, created in a TaskGroup, handed to another keeper), or one that
  already existed, or a future already resolved;
* ``arg``: the caller's own argument, handed back (``return task`` of a parameter): what
  the caller passed decides (:attr:`Verdict.arg` is its index);
* ``nobody``: no body to read and a declaration that does not name a task (a type
  variable): the type the call site infers decides;
* ``unknown``: the body's paths disagree, or lead somewhere this cannot follow: silent (a
  missed report, never a false one);
* ``none``: not a task at all.

Configured ``owners`` win over everything; with ``infer_owners = false`` no body is read.
A callee with no body of its own (a stub, ``...``, a Protocol member) is judged by its
declaration: a declared Task/Future is fresh.  Bodies are read through :mod:`.store`, and
the types of receivers and attributes come from *declarations* only (symbol tables, which
mypy caches), so every run resolves a summary the same way.
"""

from __future__ import annotations

from typing import Final, Literal

from mypy.nodes import (
    FuncDef,
    MypyFile,
    SymbolNode,
    TypeInfo,
    Var,
)
from mypy.types import (
    CallableType,
    FunctionLike,
    Instance,
    ProperType,
    TupleType,
    Type,
    get_proper_type,
)
from mypy.typevars import fill_typevars

from mypy_dangling.checks.untyped import ANY_LOOP_METHODS
from mypy_dangling.classes import (
    ANY_TYPE,
    CALLABLE_TYPE,
    DECORATOR,
    FUNC_DEF,
    FUNC_NO_INFO,
    INSTANCE,
    NONE_TYPE,
    OVERLOADED,
    OVERLOADED_FUNC_DEF,
    TYPE_TYPE,
    UNION_TYPE,
    VAR,
    proper,
)
from mypy_dangling.config import DanglingConfig
from mypy_dangling.flow.store import (
    NO_BODY,
    FactStore,
    function_of,
    is_candidate,
    may_return_task,
    module_of,
)
from mypy_dangling.flow.summary import JSON, lookup_node
from mypy_dangling.tasks import (
    CONTAINER_CLASSES,
    EVENT_LOOP_CLASS,
    EXISTING_FUNCTIONS,
    PRODUCER_FUNCTIONS,
    PRODUCER_LOOP_METHODS,
    RETRIEVAL_METHODS,
    TASK_GROUP_CLASS,
    TaskKind,
    task_kind,
)

Result = Literal["fresh", "held", "arg", "nobody", "unknown", "none"]

WEAK_CLASSES: Final = (
    "_weakrefset.WeakSet",
    "weakref.WeakSet",
    "weakref.WeakValueDictionary",
    "weakref.WeakKeyDictionary",
)
#: How many calls deep a delegation is followed.
MAX_DEPTH: Final = 8


class Verdict:
    """What calling a callee returns (never changed once made).

    A plain class, not a frozen dataclass: a frozen dataclass costs about a millisecond to
    create at import, which every mypy run would pay (see ``docs/benchmarks.md``).
    """

    __slots__ = ("arg", "kind", "modules", "result")

    def __init__(
        self,
        result: Result,
        kind: TaskKind | None = None,
        modules: frozenset[str] = frozenset(),
        arg: int = -1,
    ) -> None:
        self.result: Final = result
        self.kind: Final = kind
        #: The modules whose summaries the verdict was read from.
        self.modules: Final = modules
        #: For ``arg``: which argument comes back.
        self.arg: Final = arg

    def __repr__(self) -> str:
        return f"Verdict({self.result!r}, {self.kind!r}, {set(self.modules)!r}, {self.arg})"

    @property
    def fresh(self) -> bool:
        return self.result == "fresh"

    def of_kind(self, kind: TaskKind | None) -> Verdict:
        """The same verdict, naming the kind of task the call site's type says it is."""
        return Verdict(self.result, kind, self.modules) if self.fresh and kind else self

    def declared_as(self, kind: TaskKind | None) -> Verdict:
        """A callee with no body: a task if the call site's type says so, else unknown."""
        if self.result != "nobody":
            return self
        return (
            Verdict("fresh", kind, self.modules)
            if kind
            else Verdict("unknown", None, self.modules)
        )

    def held_if_arg(self) -> Verdict:
        """Through a delegation the arguments are not known: an argument handed back is
        something that already existed."""
        return Verdict("held", None, self.modules) if self.result == "arg" else self


HELD: Final = Verdict("held")
NOBODY: Final = Verdict("nobody")
UNKNOWN: Final = Verdict("unknown")
NOTASK: Final = Verdict("none")


def fresh(kind: TaskKind | None) -> Verdict:
    return Verdict("fresh", kind or "Task")


def combine(verdicts: list[Verdict]) -> Verdict:
    """One verdict for several paths: fresh only if every path that returns a task is."""
    verdicts = [verdict.declared_as(None) for verdict in verdicts]
    modules = frozenset().union(*(v.modules for v in verdicts))
    results = {v.result for v in verdicts} - {"none"}
    if not results:
        return Verdict("none", None, modules)
    if results == {"arg"} and len({v.arg for v in verdicts if v.result == "arg"}) == 1:
        arg = next(v.arg for v in verdicts if v.result == "arg")
        return Verdict("arg", None, modules, arg)
    if "arg" in results:
        results = (results - {"arg"}) | {"held"}
    if results == {"fresh"}:
        kinds = {v.kind for v in verdicts}
        return Verdict("fresh", "Task" if "Task" in kinds else "Future", modules)
    if results == {"held"}:
        return Verdict("held", None, modules)
    if "fresh" in results:
        return Verdict("unknown", None, modules)  # the paths disagree: stay silent
    return Verdict("held" if "held" in results else "unknown", None, modules)


def with_modules(verdict: Verdict, modules: frozenset[str]) -> Verdict:
    if not modules:
        return verdict
    return Verdict(verdict.result, verdict.kind, verdict.modules | modules)


class Frame:
    """The function whose summary is being resolved: for its parameters and ``self``."""

    __slots__ = ("func", "self_info")

    def __init__(self, func: FuncDef, self_info: TypeInfo | None) -> None:
        self.func: Final = func
        self.self_info: Final = self_info


def declared_type(node: SymbolNode | None) -> Type | None:
    """The declared type of a variable; None for one whose type mypy infers (an inferred
    type does not exist yet when a cold run reaches the call first)."""
    # (exact types: mypy does not subclass these nodes)
    if type(node) is VAR and (not node.is_inferred or node.explicit_self_type):
        return node.type
    if type(node) is DECORATOR and node.func.is_property:
        return _return_type(node.func)
    if type(node) is FUNC_DEF and node.is_property:
        return _return_type(node)
    return None


def _return_type(node: SymbolNode | None) -> Type | None:
    if type(node) is DECORATOR:
        if node.var.type is not None:
            declared = proper(node.var.type)
            return declared.ret_type if type(declared) is CALLABLE_TYPE else None
        node = node.func
    typ = node.type if type(node) is FUNC_DEF or type(node) is OVERLOADED_FUNC_DEF else None
    if type(typ) is CALLABLE_TYPE:
        return typ.ret_type
    if type(typ) is OVERLOADED and typ.items:
        return typ.items[0].ret_type
    return None


def is_weak(typ: ProperType | None) -> bool:
    return isinstance(typ, Instance) and any(typ.type.has_base(weak) for weak in WEAK_CLASSES)


def _instance(typ: ProperType | None) -> ProperType | None:
    """The instance type whose methods a call on ``typ`` looks up (a class object too)."""
    if type(typ) is INSTANCE:
        return typ  # the commonest receiver
    if type(typ) is TYPE_TYPE:
        return typ.item
    if isinstance(typ, FunctionLike) and typ.is_type_obj():
        return fill_typevars(typ.type_object())
    if isinstance(typ, TupleType):
        return typ.partial_fallback
    return typ


class Judge:
    """Resolves summaries to verdicts, memoised per callee for the whole run."""

    def __init__(self, config: DanglingConfig, store: FactStore) -> None:
        self.config = config
        self.store = store
        self._memo: dict[tuple[str, str], Verdict] = {}
        #: What a hook's call of a method on an instance of a class comes to, before the
        #: instance's type arguments are looked at (see :meth:`_method`): a hooked method
        #: is called many times on receivers of a few classes.
        self._methods: dict[tuple[TypeInfo, str], tuple[Verdict, bool]] = {}

    def forget(self) -> None:
        self._memo.clear()
        self._methods.clear()

    # -- callees, as the hooks see them -------------------------------------------------

    def function(
        self, fullname: str, modules: dict[str, MypyFile], declared: TaskKind | None = None
    ) -> Verdict:
        """A call of the function (or class) ``fullname``; ``declared``: the kind of task
        its inferred type says it returns (decides for a callee no symbol table has, such as
        a callable parameter)."""
        if declared is not None and lookup_node(fullname, modules) is None:
            return fresh(declared)
        return self._call(["fn", fullname], None, modules, 0).declared_as(declared)

    def is_weak_container(
        self, ref: JSON, func: FuncDef, self_info: TypeInfo | None, modules: dict[str, MypyFile]
    ) -> bool:
        """Whether a container a summary names by ``ref`` (in ``func``) is declared weak."""
        return is_weak(self._typeref(ref, Frame(func, self_info), modules, 0))

    def method(
        self,
        receiver: Type | None,
        name: str,
        last: str,
        modules: dict[str, MypyFile],
        declared: TaskKind | None = None,
    ) -> Verdict:
        """A call of method ``name`` on a receiver of type ``receiver``."""
        verdict = self._method(proper(receiver), name, last, modules, 0)
        return verdict.declared_as(declared)

    def callee(
        self,
        node: SymbolNode,
        self_info: TypeInfo | None,
        modules: dict[str, MypyFile],
        depth: int,
    ) -> Verdict:
        """A call of the function or method ``node`` (``self_info``: the receiver's class)."""
        func = function_of(node)
        if func is None:
            return self._declared(node)
        if self._configured_owner(func, self_info):
            return HELD
        if not is_candidate(func):
            return NOTASK
        ret = _return_type(node)
        if ret is not None and not may_return_task(ret):
            return NOTASK
        if not self.config.infer_owners or depth > MAX_DEPTH:
            return self._declared(node)
        key = (func.fullname, self_info.fullname if self_info else "")
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = UNKNOWN  # a recursive delegation resolves to unknown
        summary = self.store.summary(func, modules)
        module = module_of(func, modules)
        if summary is NO_BODY:
            verdict = self._declared(node)
        else:
            frame = Frame(func, self_info)
            found = combine([self._origin(o, frame, modules, depth) for o in summary])
            if found.result == "none" and ret is not None and task_kind(ret) is not None:
                found = Verdict("unknown", None, found.modules)  # a declared task we can't see
            verdict = found
        verdict = with_modules(verdict, frozenset({module}) if module else frozenset())
        self._memo[key] = verdict
        return verdict

    def _configured_owner(self, func: FuncDef, self_info: TypeInfo | None) -> bool:
        owners = self.config.owners
        if not owners:
            return False
        if func.fullname in owners:
            return True
        return self_info is not None and any(
            f"{base.fullname}.{func.name}" in owners for base in self_info.mro
        )

    def _declared(self, node: SymbolNode) -> Verdict:
        """No body to read: the declaration decides (a declared task is fresh)."""
        if isinstance(node, Var):
            typ = get_proper_type(node.type)
            ret = typ.ret_type if isinstance(typ, CallableType) else None
        else:
            ret = _return_type(node)
        kind = task_kind(ret)
        return fresh(kind) if kind is not None else NOBODY

    # -- origins -----------------------------------------------------------------------

    def _origin(
        self, origin: JSON, frame: Frame, modules: dict[str, MypyFile], depth: int
    ) -> Verdict:
        tag = origin[0]
        if tag == "call":
            return self._call(origin[1], frame, modules, depth + 1).held_if_arg().declared_as(None)
        if tag == "arg":
            return Verdict("arg", arg=origin[1])
        if tag in ("kept", "done", "given"):
            return HELD
        if tag == "none":
            return NOTASK
        if tag == "weak":
            containers = [self._typeref(ref, frame, modules, depth) for ref in origin[1]]
            if all(is_weak(container) for container in containers):
                return combine([self._origin(o, frame, modules, depth) for o in origin[2]])
            return HELD
        return UNKNOWN

    def _call(
        self, ref: JSON, frame: Frame | None, modules: dict[str, MypyFile], depth: int
    ) -> Verdict:
        if ref[0] == "fn":
            fullname = ref[1]
            if fullname in EXISTING_FUNCTIONS:
                return HELD
            kind = PRODUCER_FUNCTIONS.get(fullname)
            if kind is not None:
                return fresh(kind)
            if fullname in self.config.owners:
                return HELD
            node = lookup_node(fullname, modules)
            if isinstance(node, TypeInfo):
                info_kind = task_kind(Instance(node, []))
                return fresh(info_kind) if info_kind else NOTASK
            if node is None:
                return UNKNOWN
            func = function_of(node)
            info = func.info if func is not None else None
            self_info = info if info is not None and info is not FUNC_NO_INFO else None
            return self.callee(node, self_info, modules, depth)
        if ref[0] == "super":
            return self._super(ref[1], frame, modules, depth)
        receiver = self._typeref(ref[1], frame, modules, depth) if frame else None
        return self._method(receiver, ref[2], ref[3], modules, depth)

    def _super(
        self, name: str, frame: Frame | None, modules: dict[str, MypyFile], depth: int
    ) -> Verdict:
        """``super().name(...)``: the next definition after the calling method's class."""
        info = frame.func.info if frame is not None else None
        if frame is None or info is None or info is FUNC_NO_INFO:
            return UNKNOWN
        mro = (frame.self_info or info).mro
        after = mro[mro.index(info) + 1 :] if info in mro else []
        for base in after:
            sym = base.names.get(name)
            if sym is not None and sym.node is not None:
                return self.callee(sym.node, frame.self_info or info, modules, depth)
        return UNKNOWN

    def _method(
        self,
        receiver: ProperType | None,
        name: str,
        last: str,
        modules: dict[str, MypyFile],
        depth: int,
    ) -> Verdict:
        receiver = _instance(receiver)
        if receiver is None or type(receiver) is ANY_TYPE:
            if last.endswith("loop") and name in ANY_LOOP_METHODS:
                return fresh(PRODUCER_LOOP_METHODS[name])
            return UNKNOWN
        if type(receiver) is UNION_TYPE:  # ``_hub: Hub | None``: None has no methods
            items = [proper(item) for item in receiver.items]
            items = [item for item in items if type(item) is not NONE_TYPE]
            return combine([self._method(item, name, last, modules, depth) for item in items])
        if type(receiver) is not INSTANCE:
            return UNKNOWN
        info = receiver.type
        if depth:
            verdict, by_class = self._class_method(info, name, modules, depth)
        else:  # a hook's question: the same few (class, method) pairs, asked again and again
            key = (info, name)
            found = self._methods.get(key)
            if found is None:
                found = self._methods[key] = self._class_method(info, name, modules, depth)
            verdict, by_class = found
        if not by_class and hands_back_existing(receiver, name):
            return HELD
        return verdict

    def _class_method(
        self, info: TypeInfo, name: str, modules: dict[str, MypyFile], depth: int
    ) -> tuple[Verdict, bool]:
        """What calling method ``name`` on an instance of ``info`` returns, unless the
        instance's type arguments decide (:func:`hands_back_existing`); and whether the class
        alone decided it (a TaskGroup's or an event loop's own methods), ahead of them."""
        if info.has_base(TASK_GROUP_CLASS) and name == "create_task":
            return HELD, True
        if info.has_base(EVENT_LOOP_CLASS) and name in PRODUCER_LOOP_METHODS:
            return fresh(PRODUCER_LOOP_METHODS[name]), True
        sym = info.get(name)
        if sym is None or sym.node is None:
            return UNKNOWN, False
        return self.callee(sym.node, info, modules, depth), False

    # -- types of receivers ---------------------------------------------------------------

    def _typeref(
        self, ref: JSON, frame: Frame | None, modules: dict[str, MypyFile], depth: int
    ) -> ProperType | None:
        tag = ref[0]
        if depth > MAX_DEPTH or frame is None:
            return None
        if tag == "self":
            return fill_typevars(frame.self_info) if frame.self_info else None
        if tag == "param":
            typ = frame.func.type
            index: int = ref[1]
            if isinstance(typ, CallableType) and index < len(typ.arg_types):
                return get_proper_type(typ.arg_types[index])
            return None
        if tag == "name":
            node = lookup_node(ref[1], modules)
            if isinstance(node, TypeInfo):
                return fill_typevars(node)
            return get_proper_type(declared_type(node))
        if tag == "member":
            base = _instance(self._typeref(ref[1], frame, modules, depth + 1))
            if not isinstance(base, Instance):
                return None
            sym = base.type.get(ref[2])
            return get_proper_type(declared_type(sym.node if sym else None))
        if tag == "ret":
            return self._returned_type(ref[1], frame, modules, depth + 1)
        return None

    def _returned_type(
        self, ref: JSON, frame: Frame, modules: dict[str, MypyFile], depth: int
    ) -> ProperType | None:
        """The declared type a call returns (``get_running_loop()`` -> ``AbstractEventLoop``)."""
        if ref[0] == "fn":
            node = lookup_node(ref[1], modules)
            if isinstance(node, TypeInfo):
                return fill_typevars(node)
            return get_proper_type(_return_type(node))
        receiver = _instance(self._typeref(ref[1], frame, modules, depth))
        if not isinstance(receiver, Instance):
            return None
        sym = receiver.type.get(ref[2])
        return get_proper_type(_return_type(sym.node if sym else None))


def hands_back_existing(receiver: Instance, method: str) -> bool:
    """A collection hands back a task that already exists: ``pending.pop(key)``.

    Either the receiver's type arguments hold tasks (any method of a ``list[Task[None]]``),
    or the method takes an element out of a container whatever its type arguments say
    (a ``dict`` subclass whose ``pop`` is typed by the key's type argument).
    """
    if method in RETRIEVAL_METHODS and any(
        receiver.type.has_base(container) for container in CONTAINER_CLASSES
    ):
        return True
    return any(task_kind(arg) for arg in receiver.args)
