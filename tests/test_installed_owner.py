"""Keepers and producers in an installed, typed third-party package (``py.typed``).

mypy reads such a package with ``follow_imports = silent`` and drops the function bodies of
code whose errors it ignores: the plugin reads them again from the package's source, so a
keeper (``self._tasks.add(task)``), a delegation to one (``return self.hub.spawn(coro)``)
and a producer (``return asyncio.create_task(coro)``) are told apart there too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from mypy import api

HUBPKG = """\
import asyncio
from typing import Any, Coroutine

class Hub:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

class Facade:
    hub: Hub
    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        return self.hub.spawn(coro)

class Plain:
    def start(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        return asyncio.create_task(coro)
"""

USER = """\
from hubpkg import Facade, Hub, Plain
async def a() -> None: ...
async def run(hub: Hub, facade: Facade, plain: Plain) -> None:
    hub.spawn(a())
    facade.spawn(a())
    plain.start(a())
"""


@pytest.fixture
def interpreter(tmp_path: Path) -> Path:
    """A virtual environment whose site-packages holds the typed package ``hubpkg``."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    package = Path(purelib) / "hubpkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(HUBPKG)
    (package / "py.typed").write_text("")
    return python


def findings(tmp_path: Path, python: Path, config: str) -> list[str]:
    (tmp_path / "user.py").write_text(USER)
    (tmp_path / "mypy.ini").write_text(config)
    out, err, _ = api.run(
        [
            "--config-file",
            str(tmp_path / "mypy.ini"),
            "--python-executable",
            str(python),
            "--no-incremental",
            "--no-error-summary",
            str(tmp_path / "user.py"),
        ]
    )
    assert "Traceback" not in out + err
    prefix = f"{tmp_path / 'user.py'}:"
    return [line.removeprefix(prefix) for line in out.splitlines() if "error:" in line]


CONFIG = "[mypy]\nplugins = mypy_dangling\nfollow_imports = silent\n"


def test_keepers_and_producers_read_from_site_packages(tmp_path: Path, interpreter: Path) -> None:
    assert findings(tmp_path, interpreter, CONFIG) == [
        '6: error: Task returned by "start" of "Plain" is dropped  [dangling-task]',
    ]


def test_configured_owner_from_site_packages(tmp_path: Path, interpreter: Path) -> None:
    config = CONFIG + "[mypy_dangling]\nowners = hubpkg.Plain.start\n"
    assert findings(tmp_path, interpreter, config) == []


def test_infer_owners_false_reads_no_library_body(tmp_path: Path, interpreter: Path) -> None:
    config = CONFIG + "[mypy_dangling]\ninfer_owners = false\n"
    assert findings(tmp_path, interpreter, config) == [
        '4: error: Task returned by "spawn" of "Hub" is dropped  [dangling-task]',
        '5: error: Task returned by "spawn" of "Facade" is dropped  [dangling-task]',
        '6: error: Task returned by "start" of "Plain" is dropped  [dangling-task]',
    ]
