"""``--baseline`` / ``--write-baseline``: accept today's findings, report only new ones.

An entry is keyed on the file (relative to the baseline file, so the baseline works from
any working directory), the error code, the message and the stripped text of the
source line, with a count: no line numbers, so an edit elsewhere in the file that moves
a finding does not bring it back, while a second identical finding on an identical line
is still new.  The file is JSON sorted by key, so that it diffs well under review.
"""

from __future__ import annotations

import json
import os
import tokenize
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from mypy_dangling.command.output import TOOL_NAME, Finding

BASELINE_VERSION: Final = 1

BaselineKey = tuple[str, str, str, str]
"""(file relative to the baseline, code, message, stripped source line)."""


class BaselineError(Exception):
    """An unreadable or malformed baseline file; the message names the file."""


@dataclass
class SourceLines:
    """The stripped text of source lines, each file read once (per command run)."""

    _files: dict[str, list[str]] = field(default_factory=dict)

    def line(self, path: str, line: int) -> str:
        if path not in self._files:
            try:
                # tokenize.open honours a PEP 263 coding cookie, as mypy does.
                with tokenize.open(path) as f:
                    self._files[path] = f.read().splitlines()
            except (OSError, SyntaxError, UnicodeDecodeError):
                self._files[path] = []
        lines = self._files[path]
        return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def _relative_to(path: str, base_dir: str) -> str:
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute, base_dir)
    except ValueError:  # another drive on Windows
        relative = absolute
    return relative.replace(os.sep, "/")


def finding_keys(
    findings: Sequence[Finding], source_lines: Sequence[str], baseline_path: str
) -> list[BaselineKey]:
    base_dir = os.path.dirname(os.path.abspath(baseline_path))
    return [
        (_relative_to(finding.file, base_dir), finding.code or "", finding.message, text)
        for finding, text in zip(findings, source_lines, strict=True)
    ]


def write_baseline(path: str, keys: Iterable[BaselineKey]) -> int:
    """Write the baseline; returns how many findings it records."""
    counts = Counter(keys)
    entries = [
        {"file": file, "code": code, "message": message, "source": source, "count": count}
        for (file, code, message, source), count in sorted(counts.items())
    ]
    data = {"tool": TOOL_NAME, "version": BASELINE_VERSION, "findings": entries}
    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            json.dump(data, f, indent=2, ensure_ascii=False)
            f.write("\n")
    except OSError as exc:
        raise BaselineError(f"cannot write baseline {path!r}: {exc.strerror or exc}") from exc
    return sum(counts.values())


def _entry_key(path: str, entry: Any) -> tuple[BaselineKey, int]:
    if not isinstance(entry, dict):
        raise BaselineError(f"{path}: each finding must be an object, got {entry!r}")
    try:
        key = (entry["file"], entry["code"], entry["message"], entry["source"])
        count = entry.get("count", 1)
    except KeyError as exc:
        raise BaselineError(f"{path}: a finding has no {exc.args[0]!r}") from exc
    if not all(isinstance(part, str) for part in key):
        raise BaselineError(f"{path}: file, code, message and source must be strings")
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise BaselineError(f"{path}: count must be a positive integer, got {count!r}")
    return key, count


def read_baseline(path: str) -> Counter[BaselineKey]:
    """The accepted findings and how many of each; a clear error if the file is bad."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path!r}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise BaselineError(f"baseline {path!r} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise BaselineError(
            f'baseline {path!r} is not a mypy-dangling baseline (no "findings" list); '
            "create one with --write-baseline"
        )
    if data.get("version") != BASELINE_VERSION:
        raise BaselineError(
            f"baseline {path!r} has version {data.get('version')!r}, "
            f"expected {BASELINE_VERSION}; recreate it with --write-baseline"
        )
    accepted: Counter[BaselineKey] = Counter()
    for entry in data["findings"]:
        key, count = _entry_key(path, entry)
        accepted[key] += count
    return accepted


def new_findings(keys: Sequence[BaselineKey], accepted: Counter[BaselineKey]) -> list[bool]:
    """For each finding (in report order), whether it is new, i.e. beyond its count."""
    remaining = accepted.copy()
    is_new = []
    for key in keys:
        if remaining[key] > 0:
            remaining[key] -= 1
            is_new.append(False)
        else:
            is_new.append(True)
    return is_new
