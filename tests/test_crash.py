"""A bug in the plugin is reported as a mypy error at the call, never as a crash."""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api
from mypy.version import __version__ as mypy_version

from mypy_dangling import calls
from mypy_dangling.version import COMPILED

#: The faults are injected by replacing a function; compiled modules call each other
#: directly, so the replacement would not be called.  The guards are the same code compiled.
injectable = pytest.mark.skipif(
    COMPILED, reason="faults are injected into the interpreted package only"
)

SOURCE = """\
import asyncio
async def a() -> None: ...
async def f() -> None:
    asyncio.create_task(a())
"""


@injectable
def test_exception_in_a_check_becomes_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object) -> bool:
        raise RuntimeError("boom")

    monkeypatch.setattr(calls, "is_dangling", boom)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mypy.ini").write_text("[mypy]\nplugins = mypy_dangling\n")
    (tmp_path / "a.py").write_text(SOURCE)
    out, err, status = api.run(["--no-incremental", "a.py"])
    assert "Traceback" not in out + err
    assert (
        "a.py:4: error: mypy-dangling internal error: RuntimeError: boom (please report it)"
        "  [dangling-internal]" in out
    )
    assert status == 1


@injectable
def test_exception_while_storing_summaries_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from mypy_dangling.flow import Flow

    def boom(*args: object) -> set[str]:
        raise ValueError("bad module")

    monkeypatch.setattr(Flow, "finish", boom)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mypy.ini").write_text("[mypy]\nplugins = mypy_dangling\n")
    (tmp_path / "a.py").write_text("x: int = 'a'\n")
    out, err, status = api.run(["--no-incremental", "a.py"])
    printed = capsys.readouterr().err  # the plugin's own stderr, not mypy's report
    assert "Traceback" not in out + err + printed
    if int(mypy_version.split(".")[0]) >= 2:
        assert "a.py: error: mypy-dangling internal error: ValueError: bad module" in printed
    else:  # mypy 1.x writes no cache for a module with errors: typeshed's modules report it
        assert ": error: mypy-dangling internal error: ValueError: bad module" in printed
    assert "a.py:1: error: Incompatible types in assignment" in out  # mypy goes on
    assert status == 1
