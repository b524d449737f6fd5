"""The data-driven suite: every ``test-data/check-*.test`` case, run through mypy.

The cases use mypy's own format (``mypy.test.data``), so they read like mypy's test suite:
the program with ``# E: ...  [code]`` / ``# N: ...`` comments, ``# flags:`` for options,
``[file m.py]`` for more modules, ``[file m.py.2]`` + ``[out2]`` for a warm second run on
mypy's incremental cache.  We chose this format over pytest-mypy-plugins because it is
the one mypy maintainers and plugin authors already read, it needs no extra dependency,
and it supports incremental steps.

Each case runs mypy in-process (``mypy.api.run``) on the real typeshed, with the plugin
enabled by ``tmp/mypy.ini`` (written when the case does not bring its own config).  The
fix note that follows every finding is left out of the comparison unless the case
expects it, so that each case states only the behaviour it is about.
"""

from __future__ import annotations

import itertools
import os
import re
import shlex
import sys
import tempfile
from pathlib import Path

import pytest
from mypy import api
from mypy.test.data import DataDrivenTestCase, DataSuite
from mypy.test.helpers import assert_string_arrays_equal, perform_file_operations
from mypy.version import __version__ as mypy_version

from mypy_dangling.errorcodes import FIX_NOTE

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "test-data"
DEFAULT_CONFIG = "[mypy]\nplugins = mypy_dangling\n"
#: One cache for the whole session: the stdlib is analysed once, not once per case.  mypy
#: validates every entry by the source's hash, so a case never sees another case's modules.
SHARED_CACHE = tempfile.mkdtemp(prefix="mypy-dangling-test-cache-")
#: mypy trusts a cached module whose source has the same size and mtime (in whole
#: seconds): every run stamps the sources with a time no earlier run used, so mypy
#: compares their hashes instead, and two cases' same-sized modules never mix.
_STAMPS = itertools.count(1_000_000_000)
CONFIG_NAMES = ("mypy.ini", "setup.cfg", "pyproject.toml", ".mypy.ini")


def run_mypy(testcase: DataDrivenTestCase, step: int) -> list[str]:
    text = "\n".join(testcase.input)
    flags_match = re.search(r"^# flags: (.*)$", text, flags=re.MULTILINE)
    flags = shlex.split(flags_match.group(1)) if flags_match else []
    # Stub-like bodies (``def f() -> Task[None]: ...``) keep cases short, as in mypy's suite.
    flags.append("--allow-empty-bodies")
    if not any(flag.startswith("--python-version") for flag in flags):
        flags += ["--python-version", "3.12"]
    if "--config-file" not in flags:
        config = next(
            (f"tmp/{name}" for name in CONFIG_NAMES if os.path.exists(f"tmp/{name}")), None
        )
        if config is None:
            config = "tmp/mypy.ini"
            Path(config).write_text(DEFAULT_CONFIG)
        flags += ["--config-file", config]
    sources = [
        "main",
        *sorted(str(path) for path in Path("tmp").rglob("*.py") if not path.name.startswith(".")),
    ]
    stamp = next(_STAMPS)
    for source in ["main", *(str(p) for p in Path("tmp").rglob("*") if p.is_file())]:
        os.utime(source, (stamp, stamp))
    if not any(flag.startswith("--cache-dir") for flag in flags):
        flags += ["--cache-dir", SHARED_CACHE]
    if not any(flag.startswith("--no-site-packages") for flag in flags):
        flags.append("--no-site-packages")
    out, err, _status = api.run(
        [*flags, "--no-error-summary", "--show-traceback", "--no-color-output", *sources]
    )
    return [line for line in (out + err).splitlines() if line.strip()]


def expected_note_filter(expected: list[str], actual: list[str]) -> list[str]:
    """Drop the fix note from the actual output unless the case asks for it."""
    if any(FIX_NOTE in line for line in expected):
        return actual
    return [line for line in actual if not line.endswith(f"note: {FIX_NOTE}")]


def skip_if_unparsable(testcase: DataDrivenTestCase) -> None:
    """mypy 1.x parses with the running Python's ``ast``: new syntax needs a new Python.

    A case that uses such syntax says so with ``# parser-python: 3.12``.
    """
    match = re.search(r"^# parser-python: (\d+)\.(\d+)$", "\n".join(testcase.input), re.M)
    if match and int(mypy_version.split(".")[0]) < 2:
        needed = (int(match.group(1)), int(match.group(2)))
        if sys.version_info < needed:
            pytest.skip(f"mypy {mypy_version} cannot parse this syntax on Python < {needed}")


#: mypy 1.x hashes a module's interface before it asks plugins for their data, so a warm
#: run there does not recheck callers when only a helper's body changes (docs/compat.md).
BODY_CHANGE_CASES = ("check-flow-incremental.test", "testKeeperBodyChangeInvalidatesCaller")


def skip_if_unsupported(testcase: DataDrivenTestCase) -> None:
    """Skip what the running mypy cannot do: ``--num-workers`` and warm body-change steps
    need mypy 2."""
    if int(mypy_version.split(".")[0]) >= 2:
        return
    text = "\n".join(testcase.input)
    if "--num-workers" in text:
        pytest.skip(f"mypy {mypy_version} has no --num-workers")
    if testcase.output2 and any(
        name in testcase.file or name == testcase.name for name in BODY_CHANGE_CASES
    ):
        pytest.skip(f"mypy {mypy_version} does not recheck callers of a changed body")


class DanglingCheckSuite(DataSuite):
    files = sorted(path.name for path in DATA.glob("check-*.test"))
    data_prefix = str(DATA)

    def run_case(self, testcase: DataDrivenTestCase) -> None:
        skip_if_unparsable(testcase)
        skip_if_unsupported(testcase)
        Path("main").write_text("\n".join(testcase.input) + "\n")
        steps = [[], *testcase.find_steps()] if testcase.output2 else [[]]
        for step, operations in enumerate(steps, start=1):
            perform_file_operations(operations)
            expected = testcase.output if step == 1 else testcase.output2.get(step, [])
            actual = expected_note_filter(expected, run_mypy(testcase, step))
            assert_string_arrays_equal(
                expected,
                actual,
                f"Unexpected output from {testcase.file}:{testcase.line} (step {step})",
            )
