"""Robustness on real code: mypy with the plugin over pinned releases of async packages.

Slow (``pytest -m slow``): each release is downloaded from PyPI at run time into the cache
(``$MYPY_DANGLING_CACHE``, default ``~/.cache/mypy-dangling``; see
``benchmarks/pypi_cache.py``) and skipped with a message where there is no network.  No
third-party source is committed.

For every package the run must not crash (no traceback, no ``dangling-internal``) and its
findings (``path:line: code``) must equal the hand-reviewed list in
``tests/realworld/expected/<package>.txt``, where each line carries ``# true`` or
``# false: why``.  ``MYPY_DANGLING_RECORD=1`` rewrites those lists from the current
findings, keeping the review comment of every line that is still reported (new lines get
``# unreviewed``): review them before committing.

The consistency test checks that one mid-size package gives identical findings cold, warm
(a second run on the same cache), under ``dmypy run`` and with ``--num-workers 2``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXPECTED_DIR = Path(__file__).resolve().parent / "realworld" / "expected"
sys.path.insert(0, str(ROOT / "benchmarks"))

from pypi_cache import TARGET_PYTHON, FetchError, fetch  # noqa: E402

pytestmark = pytest.mark.slow

OUR_CODES = ("dangling-task", "unused-task", "dangling-internal")
FINDING = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+): error: .*\[(?P<code>[a-z-]+)\]$", re.M)
CRASH_MARKERS = ("Traceback (most recent call last)", "INTERNAL ERROR", "dangling-internal")
#: mypy's python_version for the checked code ("3.13.2" is what pip needs to pick wheels).
MYPY_TARGET = ".".join(TARGET_PYTHON.split(".")[:2])


@dataclass(frozen=True)
class Release:
    name: str
    version: str
    #: what to check, relative to the unpacked wheel
    paths: tuple[str, ...]


RELEASES = (
    Release("aiohttp", "3.14.5", ("aiohttp",)),
    Release("proxy-protocol", "0.11.3", ("proxyprotocol",)),
    Release("zeroconf", "0.154.0", ("zeroconf",)),
    Release("aioesphomeapi", "46.23.0", ("aioesphomeapi",)),
    Release("aiohomekit", "4.0.1", ("aiohomekit",)),
    Release("aiortc", "1.16.0", ("aiortc",)),
    Release("python-can", "4.6.1", ("can",)),
    Release("aiomqtt", "2.5.1", ("aiomqtt",)),
    Release("redis", "8.1.0", ("redis",)),
    Release("websockets", "17.4", ("websockets",)),
    Release("aiokafka", "0.14.0", ("aiokafka",)),
    # Issue 11's unseen libraries: the XMPP library where a checker judging by declarations
    # alone had 144 false findings of 151, an AMQP client and a NATS client.
    Release("slixmpp", "1.17.0", ("slixmpp",)),
    Release("aiormq", "7.2.4", ("aiormq",)),
    Release("nats-py", "2.16.0", ("nats",)),
    # The whole tree: 8,805 modules, about 70 s on 2 cores (see docs/benchmarks.md).
    Release("homeassistant", "2026.2.3", ("homeassistant",)),
)

#: The mid-size package of the consistency test.
CONSISTENCY_RELEASE = next(r for r in RELEASES if r.name == "aiortc")
#: A module of it with findings, edited between runs (a warm run rechecks it alone).
EDITED_MODULE = "aiortc/rtcsctptransport.py"


def unpacked(release: Release) -> Path:
    try:
        return fetch(release.name, release.version)
    except FetchError as exc:
        pytest.skip(f"no network (or no such release): {exc}")


def mypy_args(
    config: Path, cache: Path, release: Release, follow_imports: str = "silent"
) -> list[str]:
    return [
        "--config-file",
        str(config),
        "--python-version",
        MYPY_TARGET,
        "--no-site-packages",
        "--ignore-missing-imports",
        f"--follow-imports={follow_imports}",
        "--check-untyped-defs",
        "--cache-dir",
        str(cache),
        "--hide-error-context",
        "--no-error-summary",
        "--show-traceback",
        *release.paths,
    ]


def write_config(directory: Path) -> Path:
    config = directory / "mypy.ini"
    config.write_text("[mypy]\nplugins = mypy_dangling\n")
    return config


def run(cmd: list[str], cwd: Path, *, daemon: bool = False) -> str:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    output = proc.stdout + proc.stderr
    if daemon:
        assert "dmypy:" not in output, output[-3000:]  # "dmypy: ... not supported" exits 0
    assert proc.returncode in (0, 1), f"exit {proc.returncode}:\n{output[-3000:]}"
    for marker in CRASH_MARKERS:
        assert marker not in output, f"{marker!r} in mypy's output:\n{_context(output, marker)}"
    return output


def _context(output: str, marker: str) -> str:
    i = output.index(marker)
    return output[max(0, i - 1500) : i + 1500]


def findings(output: str) -> list[str]:
    found = {
        f"{m['path']}:{m['line']}: {m['code']}"
        for m in FINDING.finditer(output)
        if m["code"] in OUR_CODES
    }
    return sorted(found, key=_sort_key)


def _sort_key(finding: str) -> tuple[str, int, str]:
    path, line, code = finding.split(":")
    return path, int(line), code


def read_expected(release: Release) -> dict[str, str]:
    """finding -> its review comment."""
    path = EXPECTED_DIR / f"{release.name}.txt"
    expected: dict[str, str] = {}
    if not path.exists():
        return expected
    for raw in path.read_text().splitlines():
        finding, _, comment = raw.partition("#")
        if finding.strip():
            expected[finding.strip()] = comment.strip()
    return expected


def record(release: Release, found: list[str], old: dict[str, str]) -> None:
    EXPECTED_DIR.mkdir(parents=True, exist_ok=True)
    lines = [f"{f}  # {old.get(f) or 'unreviewed'}" for f in found]
    header = f"# {release.name}=={release.version}: {len(found)} findings\n"
    (EXPECTED_DIR / f"{release.name}.txt").write_text(header + "".join(x + "\n" for x in lines))


@pytest.mark.parametrize("release", RELEASES, ids=lambda r: r.name)
def test_realworld(release: Release, tmp_path: Path) -> None:
    src = unpacked(release)
    cmd = [
        sys.executable,
        "-m",
        "mypy",
        *mypy_args(write_config(tmp_path), tmp_path / "c", release),
    ]
    found = findings(run(cmd, src))
    expected = read_expected(release)
    if os.environ.get("MYPY_DANGLING_RECORD"):
        record(release, found, expected)
    missing = sorted(set(expected) - set(found), key=_sort_key)
    extra = [f for f in found if f not in expected]
    assert not missing and not extra, (
        f"{release.name}=={release.version}: findings changed\n"
        f"  no longer reported: {missing}\n  new: {extra}\n"
        "Review them, then rerun with MYPY_DANGLING_RECORD=1 and annotate the new lines."
    )


def test_proxy_protocol_reader_reported(tmp_path: Path) -> None:
    """The bug that motivated the project (SPEC.md) must stay found."""
    release = next(r for r in RELEASES if r.name == "proxy-protocol")
    src = unpacked(release)
    cmd = [
        sys.executable,
        "-m",
        "mypy",
        *mypy_args(write_config(tmp_path), tmp_path / "c", release),
    ]
    assert "proxyprotocol/reader.py:92: dangling-task" in findings(run(cmd, src))


def test_consistent_across_modes(tmp_path: Path) -> None:
    """Cold, warm, warm after an edit, ``dmypy run`` and ``--num-workers 2`` agree.

    ``dmypy`` does not support ``follow_imports = silent``, so every mode here uses
    ``normal`` (the whole package is on the command line either way).
    """
    release = CONSISTENCY_RELEASE
    src = tmp_path / "src"
    shutil.copytree(unpacked(release), src)
    edited = src / EDITED_MODULE
    config = write_config(tmp_path)
    mypy = [sys.executable, "-m", "mypy"]

    def args(cache: str) -> list[str]:
        return mypy_args(config, tmp_path / cache, release, follow_imports="normal")

    def edit() -> None:
        with edited.open("a") as f:
            f.write("\n# edited by the consistency test\n")

    cold = findings(run([*mypy, *args("shared")], src))
    warm = findings(run([*mypy, *args("shared")], src))
    workers = findings(run([*mypy, "--num-workers", "2", *args("workers")], src))
    dmypy = [sys.executable, "-m", "mypy.dmypy", "--status-file", str(tmp_path / "dmypy.json")]
    try:
        daemon = findings(run([*dmypy, "run", "--", *args("daemon")], src, daemon=True))
        edit()
        daemon_edited = findings(run([*dmypy, "run", "--", *args("daemon")], src, daemon=True))
    finally:
        subprocess.run([*dmypy, "stop"], cwd=src, capture_output=True, check=False)
    warm_edited = findings(run([*mypy, *args("shared")], src))
    workers_edited = findings(run([*mypy, "--num-workers", "2", *args("workers")], src))

    assert any(f.startswith(EDITED_MODULE) for f in cold), "the edited module must have findings"
    assert warm == cold
    assert workers == cold
    assert daemon == cold
    assert daemon_edited == cold
    assert warm_edited == cold
    assert workers_edited == cold
