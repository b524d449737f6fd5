"""The error codes this plugin reports.

Each code is a regular mypy :class:`~mypy.errorcodes.ErrorCode`, so it works with
``# type: ignore[dangling-task]``, ``disable_error_code`` and per-module sections.
Creating the objects registers them with mypy; mypy validates the codes named in its
config only after plugins are loaded, so importing this module from the plugin is enough.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from mypy.errorcodes import ErrorCode

from mypy_dangling.noqa import is_triaged

if TYPE_CHECKING:
    from mypy.checker import TypeChecker
    from mypy.nodes import Context

DANGLING_TASK: Final = ErrorCode(
    "dangling-task",
    "A Task or Future is created and its value is dropped",
    "General",
)
UNUSED_TASK: Final = ErrorCode(
    "unused-task",
    "A Task or Future is bound to a local name that is never read afterwards",
    "General",
)
PLUGIN_ERROR: Final = ErrorCode(
    "dangling-internal",
    "The mypy-dangling plugin failed on this expression (a bug: please report it)",
    "General",
)

#: The codes of real findings (what the ``mypy-dangling`` command prints).
FINDING_CODES: Final = frozenset({DANGLING_TASK.code, UNUSED_TASK.code, PLUGIN_ERROR.code})

#: How to fix a dangling task: printed as a note under every finding.
FIX_NOTE: Final = (
    "Keep a reference until it is done (add it to a set and call "
    '"add_done_callback(<set>.discard)"), store it in an attribute, '
    "create it in a TaskGroup, or await it"
)


def internal_error(exc: Exception) -> str:
    """The message of a ``dangling-internal`` error: a bug in a check, caught."""
    return f"mypy-dangling internal error: {type(exc).__name__}: {exc} (please report it)"


def report(api: TypeChecker, message: str, context: Context, code: ErrorCode) -> None:
    """Report a finding and its fix note: the one place every check reports through.

    mypy tells overload items apart (and retries calls in other type contexts) by watching
    for new errors in a speculative pass: a finding must not count as one, or mypy would
    skip the overload that matches and report a bogus ``arg-type`` instead.  So a finding
    is recorded past the watchers, and not at all in a speculative pass (one whose errors
    mypy hides) that mypy's own errors have already failed: that candidate is thrown
    away.  mypy drops the duplicates of passes it repeats.
    """
    if is_triaged(api, context, code.code):  # ruff's triage comments: mypy_dangling/noqa.py
        return
    errors = api.msg.errors
    watchers = errors._watchers
    if watchers and watchers[-1]._filter is not False and watchers[-1].has_new_errors():
        return  # a speculative pass (one that hides its errors) mypy's errors have failed
    errors._watchers = []
    try:
        api.fail(message, context, code=code)
        api.note(FIX_NOTE, context, code=code)
    finally:
        errors._watchers = watchers
