"""Configured owners: names in the ``owners`` option, checked against the program.

Whether a callee keeps the tasks it returns is decided by :mod:`mypy_dangling.flow`
(configured owners win there); this module only tells the user about configured names
that name nothing.
"""

from __future__ import annotations

from mypy.lookup import lookup_fully_qualified
from mypy.nodes import MypyFile


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
