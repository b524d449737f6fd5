"""The source lines that name the loop methods: a function without one is not walked."""

from __future__ import annotations

from pathlib import Path

from mypy_dangling.checks.untyped import loop_method_lines


def test_lines_that_name_the_methods(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"x = 1\nloop.create_task(\n    a())\ny = loop.run_in_executor(None, f)\n")
    assert loop_method_lines(str(path)) == {2, 4}


def test_windows_line_breaks_count_as_one(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"x = 1\r\n\r\nloop.create_task(a())\r\n")
    assert loop_method_lines(str(path)) == {3}


def test_other_line_breaks_or_no_file_mean_unknown(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"x = 1\rloop.create_task(a())\r")
    assert loop_method_lines(str(path)) is None
    assert loop_method_lines(str(tmp_path / "missing.py")) is None
