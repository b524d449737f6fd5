"""Findings of the ``mypy-dangling`` command and the formats it prints them in.

mypy is run with ``--output json``, which gives one JSON object per message with the
notes that follow an error folded into its ``hint``; :func:`parse_message` turns those
into :class:`Finding` objects.  Files the command could not check (a syntax error, a
file that is not UTF-8) are :class:`Skipped`: every format shows them, apart from the
findings (text: on stderr; JSON: entries with ``"severity": "warning"``; SARIF: tool
execution notifications; GitHub: warning annotations).  All formats use 1-based
columns (mypy's JSON is 0-based, its ``--show-column-numbers`` text is 1-based): that is
what editors, SARIF and GitHub annotations expect.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

from mypy.errorcodes import error_codes

from mypy_dangling.errorcodes import FINDING_CODES, FIX_NOTE, PLUGIN_ERROR
from mypy_dangling.version import __version__

FORMATS: Final = ("text", "json", "sarif", "github")

SARIF_SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME: Final = "mypy-dangling"
FINGERPRINT_KEY: Final = "mypyDangling/v1"


@dataclass(frozen=True)
class Finding:
    """One message as mypy reported it, with 1-based line and column."""

    file: str
    line: int
    column: int
    code: str | None
    message: str
    severity: str = "error"
    note: str | None = None
    end_line: int | None = None
    end_column: int | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.column, self.code or "", self.message)

    def location(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def text_lines(self) -> list[str]:
        """mypy's own text format (with column numbers), the note on lines of its own."""
        code = f"  [{self.code}]" if self.code else ""
        lines = [f"{self.location()}: {self.severity}: {self.message}{code}"]
        if self.note:
            lines += [f"{self.location()}: note: {line}" for line in self.note.splitlines()]
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "note": self.note,
        }


#: The ``code`` of a skipped file in the JSON format and the id of its SARIF notification.
SKIPPED_CODE: Final = "skipped"


def display_path(path: str) -> str:
    """A path as mypy prints it: normalised, relative to the working directory if under it."""
    path = os.path.normpath(path)
    if os.path.isabs(path):
        cwd = os.getcwd() + os.sep
        if path.startswith(cwd):
            return path[len(cwd) :]
    return path


@dataclass(frozen=True)
class Skipped:
    """A file that was not checked, where mypy stopped in it (line 0: the whole file)."""

    file: str
    line: int
    column: int
    reason: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "file", display_path(self.file))

    @property
    def sort_key(self) -> tuple[str, int, int]:
        return (self.file, self.line, self.column)

    @property
    def message(self) -> str:
        return f"File not checked: {self.reason}"

    def location(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"

    def text_line(self) -> str:
        return f"{self.location()}: warning: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": None,
            "end_column": None,
            "code": SKIPPED_CODE,
            "severity": "warning",
            "message": self.message,
            "note": None,
        }


def parse_message(raw: str) -> Finding | None:
    """A :class:`Finding` from one line of mypy's JSON output; None if it is not JSON.

    Messages that do not come from mypy's error formatter (a plugin's config error,
    ``mypy: error: ...`` from the build itself) are plain text.
    """
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("file"), str):
        return None
    column = data.get("column")
    end_line = data.get("end_line")
    end_column = data.get("end_column")
    return Finding(
        file=data["file"],
        line=int(data.get("line") or 0),
        column=max(int(column), 0) + 1 if isinstance(column, int) else 1,
        code=data.get("code"),
        message=str(data.get("message", "")),
        severity=str(data.get("severity", "error")),
        note=data.get("hint"),
        end_line=end_line if isinstance(end_line, int) and end_line > 0 else None,
        # mypy's end column is 0-based and exclusive, i.e. the 1-based last column.
        end_column=end_column if isinstance(end_column, int) and end_column > 0 else None,
    )


def is_finding(finding: Finding) -> bool:
    """Whether this message is one of ours (its notes ride along in ``note``)."""
    return finding.severity == "error" and finding.code in FINDING_CODES


def render_text(findings: Sequence[Finding]) -> str:
    return "".join(line + "\n" for finding in findings for line in finding.text_lines())


def render_skipped_text(skipped: Sequence[Skipped]) -> str:
    """The skipped files, for stderr (stdout keeps mypy's format of the findings)."""
    return "".join(entry.text_line() + "\n" for entry in skipped)


def render_json(findings: Sequence[Finding], skipped: Sequence[Skipped] = ()) -> str:
    """The findings, then the skipped files (``"severity": "warning"``)."""
    entries = [finding.to_json() for finding in findings]
    entries += [entry.to_json() for entry in skipped]
    return json.dumps(entries, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: Sequence[Finding], skipped: Sequence[Skipped] = ()) -> str:
    """GitHub Actions workflow commands: an error annotation per finding, a warning per
    skipped file."""
    lines = []
    for finding in findings:
        props = [
            f"file={_escape_property(finding.file)}",
            f"line={finding.line}",
            f"col={finding.column}",
        ]
        if finding.end_line is not None and finding.end_column is not None:
            props += [f"endLine={finding.end_line}", f"endColumn={finding.end_column}"]
        props.append(f"title={_escape_property(f'{TOOL_NAME} [{finding.code}]')}")
        message = finding.message + (f"\n{finding.note}" if finding.note else "")
        level = "error" if finding.severity == "error" else "notice"
        lines.append(f"::{level} {','.join(props)}::{_escape_data(message)}\n")
    for entry in skipped:
        props = [f"file={_escape_property(entry.file)}"]
        if entry.line > 0:
            props += [f"line={entry.line}", f"col={entry.column}"]
        props.append(f"title={_escape_property(f'{TOOL_NAME}: file not checked')}")
        lines.append(f"::warning {','.join(props)}::{_escape_data(entry.reason)}\n")
    return "".join(lines)


def _rule_help(code: str) -> str:
    return PLUGIN_ERROR.description if code == PLUGIN_ERROR.code else FIX_NOTE


def sarif_rules() -> list[dict[str, Any]]:
    """One rule per finding code, described by the code's own ``ErrorCode``."""
    rules = []
    for code in sorted(FINDING_CODES):
        error_code = error_codes.get(code)
        description = error_code.description if error_code else code
        rules.append(
            {
                "id": code,
                "name": "".join(part.capitalize() for part in code.split("-")),
                "shortDescription": {"text": description},
                "fullDescription": {"text": f"{description} (mypy error code [{code}])"},
                "help": {"text": _rule_help(code)},
                "defaultConfiguration": {"level": "error"},
            }
        )
    return rules


def artifact_uri(path: str) -> str:
    """A relative URI for a path under the working directory, a file URI otherwise."""
    if os.path.isabs(path):
        absolute = os.path.abspath(path)
        try:
            relative = os.path.relpath(absolute)
        except ValueError:  # another drive on Windows
            relative = ""
        if not relative or relative.startswith(".."):
            return "file://" + quote(absolute.replace(os.sep, "/"))
        path = relative
    return quote(path.replace(os.sep, "/"))


def _fingerprint(uri: str, finding: Finding, source_line: str, occurrence: int) -> str:
    """Stable across edits that only move the finding (no line number in it)."""
    key = "\0".join([uri, finding.code or "", finding.message, source_line, str(occurrence)])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _sarif_notification(entry: Skipped) -> dict[str, Any]:
    """A skipped file: a tool execution notification (the run is incomplete there)."""
    location: dict[str, Any] = {
        "artifactLocation": {"uri": artifact_uri(entry.file), "uriBaseId": "%SRCROOT%"}
    }
    if entry.line > 0:
        location["region"] = {"startLine": entry.line, "startColumn": entry.column}
    return {
        "level": "warning",
        "message": {"text": entry.message},
        "descriptor": {"id": SKIPPED_CODE},
        "locations": [{"physicalLocation": location}],
    }


def render_sarif(
    findings: Sequence[Finding], source_lines: Sequence[str], skipped: Sequence[Skipped] = ()
) -> str:
    """SARIF 2.1.0 for code scanning; ``source_lines[i]`` is the stripped line of finding i.

    Skipped files are ``toolExecutionNotifications`` of the run's invocation: not results
    (they are not findings), but shown by viewers as problems of the analysis.
    """
    rules = sarif_rules()
    rule_index = {rule["id"]: index for index, rule in enumerate(rules)}
    seen: Counter[tuple[str, str, str, str]] = Counter()
    results = []
    for finding, source_line in zip(findings, source_lines, strict=True):
        uri = artifact_uri(finding.file)
        key = (uri, finding.code or "", finding.message, source_line)
        seen[key] += 1
        region: dict[str, int] = {"startLine": finding.line, "startColumn": finding.column}
        if finding.end_line is not None and finding.end_column is not None:
            region["endLine"] = finding.end_line
            region["endColumn"] = finding.end_column + 1  # SARIF's end column is exclusive
        message = finding.message + (f"\n{finding.note}" if finding.note else "")
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "level": "error" if finding.severity == "error" else "note",
            "message": {"text": message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                        "region": region,
                    }
                }
            ],
            "partialFingerprints": {
                FINGERPRINT_KEY: _fingerprint(uri, finding, source_line, seen[key])
            },
        }
        if finding.code in rule_index:
            result["ruleIndex"] = rule_index[finding.code]
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": [
                            _sarif_notification(entry) for entry in skipped
                        ],
                    }
                ],
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def render_statistics(findings: Iterable[Finding], baselined: int) -> str:
    """Counts per code, most frequent first (printed on stderr by ``--statistics``)."""
    counts = Counter(finding.code or "" for finding in findings)
    width = max([len(str(count)) for count in counts.values()] + [1])
    lines = [f"{count:>{width}}  {code}" for code, count in counts.most_common()]
    lines.append(f"{sum(counts.values()):>{width}}  total")
    if baselined:
        lines.append(f"{baselined:>{width}}  in the baseline (not shown)")
    return "".join(line + "\n" for line in lines)
