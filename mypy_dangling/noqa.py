"""ruff's triage carries over: a line marked ``# noqa: RUF006`` is not reported.

Code that went through ruff marks its deliberate fire-and-forget calls with
``# noqa: RUF006`` (ruff's rule for this bug).  The rules, with ruff's syntax:

- ``# noqa: RUF006`` (also in a list, ``# noqa: E501, RUF006`` or ``# noqa:E501 RUF006``;
  codes are compared case-insensitively) silences ``dangling-task`` on that line;
- a bare ``# noqa`` silences ``dangling-task`` and ``unused-task`` on that line;
- ``# noqa:`` followed by no valid code silences nothing (ruff ignores it too);
- the comment counts on the line mypy reports the finding on (for a call, its first line,
  where ruff reports RUF006 and expects the comment).

``respect_noqa = false`` in ``[mypy_dangling]`` (``--ignore-noqa`` for the command) turns
this off, for an audit of what was waved through.  Findings are rare, so each file's
comments are read only when a finding is reported in it (and read again if it changed).
"""

from __future__ import annotations

import io
import os
import re
import tokenize
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from mypy.checker import TypeChecker
    from mypy.nodes import Context

#: ruff's rule for a dangling ``asyncio.create_task``.
RUFF_CODE: Final = "RUF006"
#: Error code -> the ruff code that triages it (None: only a bare ``# noqa``).
_CODES: Final = {"dangling-task": RUFF_CODE, "unused-task": None}

# Patterns, compiled by ``re`` (and cached) the first time a finding needs them: most runs
# report none, and two compilations at import cost 1 M instructions.
_NOQA: Final = r"#\s*noqa(?![\w-])"
_CODE_LIST: Final = r"\s*:\s*([A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*)"

#: ``respect_noqa`` by config file, set by the plugin when it loads its config.  (The
#: checks report through :func:`mypy_dangling.errorcodes.report`, which sees mypy's
#: per-module options, not the plugin; the config file is what they share.)
_RESPECT: Final[dict[str | None, bool]] = {}


class _Source:
    """A file's lines, and its comments once a line mentioning ``noqa`` needs them."""

    __slots__ = ("comments", "data", "lines", "stamp")

    def __init__(self, stamp: tuple[int, int], data: bytes) -> None:
        self.stamp = stamp
        self.data = data
        self.lines = data.split(b"\n")
        self.comments: dict[int, str] | None = None


#: path -> the file as last read (re-read when its mtime or size changes)
_SOURCES: Final[dict[str, _Source]] = {}


def set_respect_noqa(config_file: str | None, respect: bool) -> None:
    _RESPECT[config_file] = respect


def silences(comment: str, code: str) -> bool:
    """Whether a comment holds a ``# noqa`` that silences this error code."""
    if code not in _CODES:
        return False
    match = re.search(_NOQA, comment, re.IGNORECASE)
    if match is None:
        return False
    rest = comment[match.end() :]
    if not rest.lstrip().startswith(":"):
        return True  # bare: every code of ours
    codes = re.match(_CODE_LIST, rest)
    if codes is None:
        return False  # "# noqa:" without a valid code
    ruff_code = _CODES[code]
    listed = {item.upper() for item in re.split(r"[\s,]+", codes.group(1)) if item}
    return ruff_code is not None and ruff_code in listed


def _read_comments(data: bytes) -> dict[int, str]:
    """The comment of each line (tokens, so a ``#`` in a string is not one)."""
    comments: dict[int, str] = {}
    try:
        for token in tokenize.tokenize(io.BytesIO(data).readline):
            if token.type == tokenize.COMMENT:
                comments[token.start[0]] = token.string
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError):
        # A file mypy parsed but tokenize does not (newer syntax): plain text.
        text = data.decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            if "#" in line:
                comments[number] = line[line.index("#") :]
    return comments


def comment_on(path: str, line: int) -> str | None:
    """The comment on a line of a file, if the line mentions ``noqa`` at all (a file is
    tokenized only then: tokenizing a large module takes milliseconds)."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    stamp = (stat.st_mtime_ns, stat.st_size)
    source = _SOURCES.get(path)
    if source is None or source.stamp != stamp:
        try:
            with open(path, "rb") as f:
                source = _SOURCES[path] = _Source(stamp, f.read())
        except OSError:
            return None
    if not 0 < line <= len(source.lines) or b"noqa" not in source.lines[line - 1].lower():
        return None  # no ``# noqa`` can be on this line
    if source.comments is None:
        source.comments = _read_comments(source.data)
    return source.comments.get(line)


def is_triaged(api: TypeChecker, context: Context, code: str) -> bool:
    """Whether the finding's line carries a ``# noqa`` that silences ``code``."""
    if code not in _CODES or not _RESPECT.get(api.options.config_file, True):
        return False
    comment = comment_on(api.path, context.line)
    return comment is not None and silences(comment, code)
