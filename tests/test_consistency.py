"""Findings must not depend on how mypy runs: cold, warm (cache), dmypy, --num-workers.

The project puts keepers (a collection, a delegation) and producers decided by their bodies
in a module the warm run loads from the cache, findings in several modules, and a module
that changes between the runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mypy.version import __version__ as mypy_version

MYPY_1 = int(mypy_version.split(".")[0]) < 2

PROJECT = {
    "mypy.ini": "[mypy]\nplugins = mypy_dangling\ncheck_untyped_defs = True\n",
    "pkg/__init__.py": "",
    "pkg/owner.py": """\
import asyncio
from typing import Awaitable
async def a() -> None: ...
_running = set()
class Hub:
    _tasks: set[asyncio.Task[None]]
    def spawn(self) -> asyncio.Task[None]:
        t = asyncio.create_task(a())
        self._tasks.add(t)
        return t
class Facade:
    _hub: Hub
    def spawn(self) -> asyncio.Task[None]:
        return self._hub.spawn()
def plain() -> asyncio.Task[None]: ...
def later() -> Awaitable[None]:
    return asyncio.ensure_future(a())
def kept():
    t = asyncio.ensure_future(a())
    _running.add(t)
    return t
""",
    "pkg/use.py": """\
import asyncio
from pkg.owner import Facade, Hub, kept, later, plain
async def a() -> None: ...
async def run(h: Hub, f: Facade) -> None:
    h.spawn()
    f.spawn()
    plain()
    asyncio.create_task(a())
    t = asyncio.create_task(a())
    later()
    kept()
    u = asyncio.create_task(a())
    u.add_done_callback(print)
""",
    "pkg/other.py": """\
import asyncio
async def a() -> None: ...
def untyped(loop):
    loop.create_task(a())
    asyncio.ensure_future(a())
""",
}


def findings(output: str) -> list[str]:
    return sorted(
        line
        for line in output.splitlines()
        if "[dangling-task]" in line or "[unused-task]" in line or "dangling-internal" in line
    )


def run(args: list[str], cwd: Path) -> str:
    proc = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return proc.stdout


def dmypy_run(project: Path) -> tuple[list[str], str]:
    """``dmypy run`` arguments for the project, and the daemon's status file (to kill it)."""
    status = str(project / ".dmypy.json")
    return [
        "-m",
        "mypy.dmypy",
        "--status-file",
        status,
        "run",
        "--",
        "--allow-empty-bodies",
        "pkg",
    ], status


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name, text in PROJECT.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_cold_warm_dmypy_and_workers_agree(project: Path) -> None:
    mypy = ["-m", "mypy", "--allow-empty-bodies", "pkg"]
    cold = findings(run([*mypy, "--no-incremental"], project))
    # plain(), create_task, t, later(), u, loop.create_task, ensure_future
    assert len(cold) == 7, cold
    first = findings(run(mypy, project))
    (project / "pkg/use.py").write_text(PROJECT["pkg/use.py"] + "\n")  # touch: recheck one
    warm = findings(run(mypy, project))
    assert first == warm == cold

    dmypy, status = dmypy_run(project)
    try:
        assert findings(run(dmypy, project)) == cold
        (project / "pkg/use.py").write_text(PROJECT["pkg/use.py"] + "\n\n")
        # A rerun after an edit is fine-grained: the owners come from the daemon's memory.
        again = findings(run(dmypy, project))
        assert again == cold
    finally:
        run(["-m", "mypy.dmypy", "--status-file", status, "kill"], project)

    help_text = run(["-m", "mypy", "--help"], project)
    if "--num-workers" not in help_text:
        pytest.skip("this mypy has no --num-workers")
    workers = findings(run([*mypy, "--no-incremental", "--num-workers", "2"], project))
    assert workers == cold


def test_dmypy_sees_a_declaration_that_starts_returning_a_task(project: Path) -> None:
    """The plugin decides which callees to hook once per name and caches it; the daemon
    keeps the plugin between runs, so a changed declaration must invalidate that."""
    (project / "pkg/decl.py").write_text("def later() -> None: ...\n")
    (project / "pkg/caller.py").write_text(
        "from pkg.decl import later\ndef go() -> None:\n    later()\n"
    )
    dmypy, status = dmypy_run(project)
    expected = 'pkg/caller.py:3: error: Task returned by "later" is dropped  [dangling-task]'
    try:
        assert expected not in findings(run(dmypy, project))
        (project / "pkg/decl.py").write_text(
            "import asyncio\ndef later() -> asyncio.Task[None]: ...\n"
        )
        assert expected in findings(run(dmypy, project))
    finally:
        run(["-m", "mypy.dmypy", "--status-file", status, "kill"], project)
    cold = findings(
        run(["-m", "mypy", "--no-incremental", "--allow-empty-bodies", "pkg"], project)
    )
    assert expected in cold


HELPER = """\
import asyncio
async def a() -> None: ...
_tasks: set[asyncio.Task[None]] = set()
def spawn() -> asyncio.Task[None]:
    t = asyncio.create_task(a())
    _tasks.add(t)
    return t
"""


@pytest.mark.skipif(
    MYPY_1, reason="mypy 1.x does not recheck callers of a changed body (docs/compat.md)"
)
@pytest.mark.parametrize("through", ["direct", "two delegations"])
def test_a_helper_body_edit_reaches_its_callers(project: Path, through: str) -> None:
    """Only the helper's body changes (it stops, then starts again, keeping its task): the
    caller's finding follows in a warm run and in dmypy, as in a cold run, also when the
    caller reaches the helper through another module's function."""
    (project / "pkg/helper.py").write_text(HELPER)
    (project / "pkg/mid.py").write_text(
        "import asyncio\nfrom pkg.helper import spawn\n"
        "def start() -> asyncio.Task[None]:\n    return spawn()\n"
    )
    callee = "spawn" if through == "direct" else "start"
    module = "helper" if through == "direct" else "mid"
    (project / "pkg/caller.py").write_text(
        f"from pkg.{module} import {callee}\ndef go() -> None:\n    {callee}()\n"
    )
    expected = f'pkg/caller.py:3: error: Task returned by "{callee}" is dropped  [dangling-task]'
    forgetful = HELPER.replace("    _tasks.add(t)\n", "")
    mypy = ["-m", "mypy", "pkg"]
    assert expected not in findings(run(mypy, project))
    (project / "pkg/helper.py").write_text(forgetful)
    assert expected in findings(run(mypy, project))
    (project / "pkg/helper.py").write_text(HELPER)
    assert expected not in findings(run(mypy, project))

    dmypy, status = dmypy_run(project)
    try:
        assert expected not in findings(run(dmypy, project))
        (project / "pkg/helper.py").write_text(forgetful)
        assert expected in findings(run(dmypy, project))
        (project / "pkg/helper.py").write_text(HELPER)
        assert expected not in findings(run(dmypy, project))
    finally:
        run(["-m", "mypy.dmypy", "--status-file", status, "kill"], project)


def test_dmypy_keeps_an_ignored_module_ignored_after_reading_its_source(project: Path) -> None:
    """Reading a stripped helper's source must not turn its module's ``ignore_errors`` off:
    mypy hands out its per-module options objects shared, and the daemon reprocesses the
    edited module with them (regression: mypy's own ``var-annotated`` error in the ignored
    module appeared after the edit)."""
    (project / "mypy.ini").write_text(
        "[mypy]\nplugins = mypy_dangling\n[mypy-pkg.ilib]\nignore_errors = True\n"
    )
    helper = "import asyncio\n_tasks = set()\ndef spawn(c) -> asyncio.Task[None]:\n"
    (project / "pkg/ilib.py").write_text(helper + "    return asyncio.create_task(c)\n")
    (project / "pkg/iuser.py").write_text(
        "from pkg.ilib import spawn\nasync def a() -> None: ...\n"
        "def run() -> None:\n    spawn(a())\n"
    )
    dmypy, status = dmypy_run(project)
    try:
        first = run(dmypy, project)
        assert 'pkg/iuser.py:4: error: Task returned by "spawn"' in first
        (project / "pkg/ilib.py").write_text(
            helper + "    t = asyncio.create_task(c)\n    _tasks.add(t)\n    return t\n"
        )
        second = run(dmypy, project)
    finally:
        run(["-m", "mypy.dmypy", "--status-file", status, "kill"], project)
    assert "pkg/ilib.py" not in first + second
    assert "pkg/iuser.py:4" not in second


def test_dmypy_sees_a_container_two_modules_away_become_weak(project: Path) -> None:
    """The verdict on ``start()`` reads the declaration of a container in a module the
    caller does not import; only that declaration changes (no body, no summary): the daemon
    rechecks the caller as a warm run does (regression: the finding never came)."""
    (project / "pkg/wcall.py").write_text(
        "from pkg.wmid import start\ndef run() -> None:\n    start()\n"
    )
    (project / "pkg/wmid.py").write_text(
        "import asyncio\nfrom pkg.wbottom import spawn\n"
        "def start() -> asyncio.Task[None]:\n    return spawn()\n"
    )
    bottom = (
        "import asyncio\nimport weakref\nasync def work() -> None: ...\n{decl}\n"
        "def spawn() -> asyncio.Task[None]:\n    t = asyncio.create_task(work())\n"
        "    _tasks.add(t)\n    return t\n"
    )
    strong = "_tasks: set[asyncio.Task[None]] = set()"
    weak = "_tasks: weakref.WeakSet[asyncio.Task[None]] = weakref.WeakSet()"
    (project / "pkg/wbottom.py").write_text(bottom.format(decl=strong))
    expected = 'pkg/wcall.py:3: error: Task returned by "start" is dropped  [dangling-task]'
    dmypy, status = dmypy_run(project)
    try:
        assert expected not in findings(run(dmypy, project))
        (project / "pkg/wbottom.py").write_text(bottom.format(decl=weak))
        assert expected in findings(run(dmypy, project))
    finally:
        run(["-m", "mypy.dmypy", "--status-file", status, "kill"], project)
