"""mypy's blocking errors, turned into "skip this file" (or "check it in another build").

mypy stops the whole build at the first file it cannot parse or decode, and at the first
clash between module names.  The command reads which file stopped it (the message's file,
else ``CompileError.module_with_blocker``) and goes on without it.  After the first parse
or decode error, every remaining source is parsed once with mypy's own parser (same
options, so the same verdict), so that a tree with many such files costs one more build,
not one per file; a tree without any costs nothing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from mypy.errors import CompileError, Errors
from mypy.modulefinder import BuildSource
from mypy.options import Options
from mypy.parse import parse
from mypy.util import decode_python_encoding

from mypy_dangling.command.output import Finding, Skipped, parse_message

Kind = Literal["parse", "clash", "relative-import", "other"]

#: Blocking messages about two names for one file or one name for two files.
CLASH_PREFIXES: Final = ("Duplicate module named", "Source file found twice")
#: A relative import in a file whose directory is not a package.
RELATIVE_IMPORT_PREFIX: Final = "No parent module"
#: mypy 2.x: "path: error: Cannot decode file: ..."; 1.x: "mypy: can't decode file 'path': ..."
_READ_ERROR: Final = re.compile(
    r"^(?:(?P<path>.+?): error: (?P<reason>Cannot (?:decode|read) file: .*)"
    r"|mypy: (?P<old>can't (?:decode|read) file) '(?P<old_path>.+?)': (?P<old_reason>.*))$"
)


#: mypy's text format, which mypy 1.x uses for a blocking error even with ``--output json``.
_TEXT_MESSAGE: Final = re.compile(
    r"^(?P<file>[^\n]+?)(?::(?P<line>-?\d+))?(?::(?P<column>\d+))?: "
    r"(?P<severity>error|warning|note): (?P<message>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$"
)


def _parse(raw: str) -> Finding | None:
    """A message in mypy's JSON output, or in its text format."""
    finding = parse_message(raw)
    if finding is not None:
        return finding
    match = _TEXT_MESSAGE.match(raw.strip())
    if match is None:
        return None
    return Finding(
        file=match["file"],
        line=int(match["line"] or 0),
        column=int(match["column"] or 1),
        code=match["code"],
        message=match["message"],
        severity=match["severity"],
    )


@dataclass(frozen=True)
class Blocker:
    """Where mypy stopped and why."""

    kind: Kind
    skipped: Skipped | None
    module: str | None


def _same_file(path: str, other: str) -> bool:
    return os.path.normcase(os.path.abspath(path)) == os.path.normcase(os.path.abspath(other))


def _kind(finding: Finding) -> Kind | None:
    """The kind of a message that is always a blocking error, None for any other."""
    if finding.message.startswith(CLASH_PREFIXES):
        return "clash"
    if finding.message.startswith(RELATIVE_IMPORT_PREFIX):
        return "relative-import"
    if finding.code == "syntax":
        return "parse"
    return None


def _blocker(kind: Kind, finding: Finding, module: str | None) -> Blocker:
    reason = finding.message + (f"  [{finding.code}]" if finding.code else "")
    line = max(finding.line, 0)
    return Blocker(
        kind, Skipped(finding.file, line, finding.column if line else 0, reason), module
    )


def identify(exc: CompileError, sources: Sequence[BuildSource] = ()) -> Blocker:
    """The file (and kind of problem) behind a blocking error, if mypy named one.

    The messages of a stopped build hold every error not yet printed, blocking or not
    (a missing import elsewhere): the blocking one is a message of a kind that always
    blocks, or else the last error in the module mypy names as the blocker.
    """
    module = exc.module_with_blocker
    errors: list[Finding] = []
    for raw in exc.messages:
        match = _READ_ERROR.match(raw.strip())
        if match:
            path = match["path"] or match["old_path"]
            reason = match["reason"] or f"{match['old']}: {match['old_reason']}"
            return Blocker("parse", Skipped(path, 0, 0, reason[0].upper() + reason[1:]), module)
        finding = _parse(raw)
        if finding and finding.severity == "error" and finding.file.endswith((".py", ".pyi")):
            errors.append(finding)
    path = next((s.path for s in sources if s.module == module and s.path), None)
    in_module = [f for f in errors if path is not None and _same_file(f.file, path)]
    for candidates in (in_module, errors):
        for finding in candidates:
            kind = _kind(finding)
            if kind is not None:
                return _blocker(kind, finding, module)
        if candidates and module is not None:
            return _blocker("other", candidates[-1], module)
    return Blocker("other", None, module)


def source_for(blocker: Blocker, sources: Sequence[BuildSource]) -> BuildSource | None:
    """The source of the build that the blocker is about (None: an imported module)."""
    if blocker.skipped is not None:
        for source in sources:
            if source.path and _same_file(source.path, blocker.skipped.file):
                return source
        return None
    for source in sources:
        if blocker.module is not None and source.module == blocker.module:
            return source
    return None


def parse_problem(source: BuildSource, options: Options) -> Skipped | None:
    """Why mypy's parser rejects this file (decoding included), or None if it parses."""
    path = source.path
    if path is None:
        return None
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        return Skipped(path, 0, 0, f"Cannot read file: {exc.strerror or exc}")
    try:
        text = decode_python_encoding(data)
    except (UnicodeDecodeError, LookupError, ValueError) as exc:
        return Skipped(path, 0, 0, f"Cannot decode file: {exc}")
    module_options = options.clone_for_module(source.module)
    errors = Errors(module_options)
    errors.set_file(path, source.module, options=module_options)
    try:
        if getattr(module_options, "native_parser", False):  # mypy 2: errors come eagerly
            parse(text, path, source.module, errors, module_options, eager=True)
        else:
            parse(text, path, source.module, errors, module_options)
    except CompileError:  # some parser errors are raised rather than recorded
        pass
    for info in errors.error_info_map.get(path, []):
        if info.blocker:
            code = f"  [{info.code.code}]" if info.code else ""
            line = max(info.line, 0)
            column = max(info.column, 0) + 1 if line else 0
            return Skipped(path, line, column, info.message + code)
    return None


def parse_problems(sources: Iterable[BuildSource], options: Options) -> list[Skipped]:
    """The sources mypy's parser rejects (one pass, after mypy stopped at the first)."""
    problems = []
    for source in sources:
        problem = parse_problem(source, options)
        if problem is not None:
            problems.append(problem)
    return problems
