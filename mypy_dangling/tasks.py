"""What counts as a task: deciding by the types mypy infers.

An expression is a task when its type is ``asyncio.Task``/``asyncio.Future``, a subclass,
or a union containing one.  Recent typeshed defines the classes in ``_asyncio`` (re-exported
by ``asyncio``), older ones in ``asyncio.tasks``/``asyncio.futures``: both names match.
"""

from __future__ import annotations

from typing import Final, Literal

from mypy.nodes import TypeAlias, TypeInfo
from mypy.types import Type

from mypy_dangling.classes import ANY_TYPE, INSTANCE, UNION_TYPE, proper

TaskKind = Literal["Task", "Future"]

TASK_CLASS: Final = "_asyncio.Task"
OLD_TASK_CLASS: Final = "asyncio.tasks.Task"
FUTURE_CLASS: Final = "_asyncio.Future"
OLD_FUTURE_CLASS: Final = "asyncio.futures.Future"
EVENT_LOOP_CLASS: Final = "asyncio.events.AbstractEventLoop"
TASK_GROUP_CLASS: Final = "asyncio.taskgroups.TaskGroup"

#: asyncio functions that always produce a task, even where mypy infers ``Any`` for the
#: result (``ensure_future(x)`` with ``x: Any`` resolves to ``Any`` through its overloads).
PRODUCER_FUNCTIONS: Final[dict[str, TaskKind]] = {
    "asyncio.tasks.create_task": "Task",
    "asyncio.tasks.ensure_future": "Task",
    "asyncio.tasks.gather": "Future",
    "asyncio.tasks.shield": "Future",
    "asyncio.tasks.Task": "Task",
    "_asyncio.Task": "Task",
    "asyncio.futures.Future": "Future",
    "_asyncio.Future": "Future",
}

#: asyncio functions that hand back a task that already exists (the running one).
EXISTING_FUNCTIONS: Final = frozenset({"asyncio.tasks.current_task", "_asyncio.current_task"})

#: asyncio producers that wrap their arguments: given only objects that already exist
#: (``shield(self._fut)``, ``gather(*self._tasks)``), what they return is held by those
#: objects' done callbacks, and nothing new is in flight.
WRAPPER_FUNCTIONS: Final = frozenset(
    {"asyncio.tasks.shield", "asyncio.tasks.ensure_future", "asyncio.tasks.gather"}
)

#: Event loop methods that produce a task, by name (on any subclass of AbstractEventLoop).
PRODUCER_LOOP_METHODS: Final[dict[str, TaskKind]] = {
    "create_task": "Task",
    "run_in_executor": "Future",
    "create_future": "Future",
}


#: Methods that take an existing element out of a container.
RETRIEVAL_METHODS: Final = frozenset(
    {"pop", "popitem", "popleft", "get", "get_nowait", "setdefault", "__getitem__"}
)
CONTAINER_CLASSES: Final = (
    "typing.Mapping",
    "typing.Sequence",
    "typing.AbstractSet",
    "collections.deque",
    "asyncio.queues.Queue",
)


#: :func:`info_task_kind` by class, for the run: asked for every declared return type and
#: every hooked call.  Cleared (:func:`forget_classes`) when a module is parsed again, since
#: ``dmypy`` updates classes in place.
_KINDS: Final[dict[TypeInfo, TaskKind | None]] = {}
#: Declared return types that may hide a task behind them.
WIDE_RETURNS: Final = frozenset({"builtins.object", "typing.Awaitable"})
#: Classes that are no task and hide none (:func:`plain_class`): read by membership, in C,
#: where every function of a module or every hooked call is looked at; cleared with the
#: kinds.
PLAIN_CLASSES: Final[set[TypeInfo]] = set()
#: Whether a type variable bound to this type may stand for a task, by the bound's
#: identity (a type variable's bound is shared by its uses; a bound that is a generic
#: alias costs an expansion to look at): (bound, answer), the bound kept alive.
BOUNDS: Final[dict[int, tuple[Type, bool]]] = {}
#: Whether a parameter typed by this (argument-less) type alias is a callback whose
#: result is dropped (``callees.has_callable_param``): an alias is expanded once.
ALIAS_CALLBACKS: Final[dict[TypeAlias, bool]] = {}
#: Whether a return type declared by this (argument-less) type alias is, or may hide, a
#: task (``store.may_return_task``): an alias is expanded once.
ALIAS_RETURNS: Final[dict[TypeAlias, bool]] = {}


def info_task_kind(info: TypeInfo) -> TaskKind | None:
    """Whether instances of the class are Tasks or Futures (by its MRO)."""
    if info in _KINDS:  # (two lookups in C cost less than a raised KeyError or a cast)
        return _KINDS[info]
    # TypeInfo.has_base is compiled: four of its MRO walks beat one in Python.
    has_base = info.has_base
    kind: TaskKind | None = None
    if has_base(TASK_CLASS) or has_base(OLD_TASK_CLASS):
        kind = "Task"
    elif has_base(FUTURE_CLASS) or has_base(OLD_FUTURE_CLASS):
        kind = "Future"
    _KINDS[info] = kind
    return kind


def plain_class(info: TypeInfo) -> bool:
    """A class whose instances are no task and hide none (not ``object``, ``Awaitable``):
    a function declared to return one (``-> str``, ``-> Entity``) is no producer."""
    if info in PLAIN_CLASSES:
        return True
    if info_task_kind(info) is not None or info.fullname in WIDE_RETURNS:
        return False
    PLAIN_CLASSES.add(info)
    return True


def forget_classes() -> None:
    """Classes may have changed (``dmypy`` parsed a module again)."""
    _KINDS.clear()
    PLAIN_CLASSES.clear()
    BOUNDS.clear()
    ALIAS_CALLBACKS.clear()
    ALIAS_RETURNS.clear()


def task_kind(typ: Type | None) -> TaskKind | None:
    """ "Task"/"Future" when a value of this type is (or may be) an asyncio task, else None."""
    found = proper(typ)
    if type(found) is INSTANCE:
        return info_task_kind(found.type)
    if type(found) is UNION_TYPE:
        kinds = {task_kind(item) for item in found.items}
        if "Task" in kinds:
            return "Task"
        if "Future" in kinds:
            return "Future"
    return None


def is_any(typ: Type | None) -> bool:
    return type(proper(typ)) is ANY_TYPE


def has_base(typ: Type | None, fullname: str) -> bool:
    """Whether the type is an instance of the class ``fullname`` (or of a subclass)."""
    found = proper(typ)
    return type(found) is INSTANCE and found.type.has_base(fullname)


def reported(kind: TaskKind | None, report_futures: bool) -> bool:
    return kind == "Task" or (kind == "Future" and report_futures)
