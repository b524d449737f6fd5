"""The plugin never changes what mypy itself says.

It hooks every call, which takes calls away from mypy's own special cases unless the hook
delegates to them: these programs exercise the calls mypy's ``DefaultPlugin`` types
specially, plus tasks, and mypy's output with the plugin, minus our codes and notes, must
equal its output without the plugin (errors and ``reveal_type`` alike).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

from mypy_dangling.errorcodes import FIX_NOTE

SPECIAL_CASES = """\
import asyncio
import ctypes
import dataclasses
import enum
import functools
from contextlib import contextmanager, asynccontextmanager
from typing import Iterator, AsyncIterator, TypedDict

class Color(enum.Enum):
    RED = 1
    BLUE = enum.member(2)

class Movie(TypedDict, total=False):
    name: str
    year: int

@dataclasses.dataclass
class Point:
    x: int
    y: int

def add(a: int, b: str) -> float: ...

@functools.singledispatch
def show(x: object) -> str: ...
@show.register
def _(x: int) -> str: ...

@contextmanager
def opened() -> Iterator[int]:
    yield 1

@asynccontextmanager
async def aopened() -> AsyncIterator[str]:
    yield ""

async def a() -> None: ...

async def main(m: Movie, d: dict[str, int]) -> None:
    reveal_type(Color.RED.value)
    reveal_type(Color.BLUE.value)
    reveal_type(Color.RED.name)
    reveal_type(m.get("name"))
    reveal_type(m.pop("year"))
    reveal_type(m.setdefault("year", 1))
    m.update({"year": "x"})
    reveal_type(d.get("k"))
    reveal_type(d.get("k", 0))
    p = functools.partial(add, 1)
    reveal_type(p)
    reveal_type(p("x"))
    p(1)
    reveal_type(dataclasses.replace(Point(1, 2), x=3))
    dataclasses.replace(Point(1, 2), z=3)
    arr = (ctypes.c_int * 3)(1, 2, 3)
    reveal_type(arr[0])
    reveal_type(arr.value if False else None)
    reveal_type(2 ** 3)
    reveal_type(2 ** -1)
    reveal_type((1, "a") * 2)
    reveal_type(len((1, 2)))
    reveal_type(show(1))
    with opened() as f:
        reveal_type(f)
    async with aopened() as g:
        reveal_type(g)
    asyncio.create_task(a())
    t = asyncio.create_task(a())
    reveal_type(asyncio.gather(a(), a()))
    reveal_type(asyncio.get_running_loop().run_in_executor(None, add, 1, "x"))
"""


def mypy_output(tmp_path: Path, plugin: bool) -> list[str]:
    config = tmp_path / ("with.ini" if plugin else "without.ini")
    config.write_text("[mypy]\n" + ("plugins = mypy_dangling\n" if plugin else ""))
    out, err, _ = api.run(
        [
            "--config-file",
            str(config),
            "--no-incremental",
            "--allow-empty-bodies",
            "--python-version",
            "3.12",
            "--no-error-summary",
            str(tmp_path / "special.py"),
        ]
    )
    assert "Traceback" not in out + err
    return [
        line
        for line in out.splitlines()
        if "[dangling-task]" not in line
        and "[unused-task]" not in line
        and not line.endswith(FIX_NOTE)
    ]


@pytest.mark.parametrize("source", [SPECIAL_CASES], ids=["default-plugin-special-cases"])
def test_output_without_our_codes_is_mypys(tmp_path: Path, source: str) -> None:
    (tmp_path / "special.py").write_text(source)
    without = mypy_output(tmp_path, plugin=False)
    assert any("Revealed type" in line for line in without)
    assert mypy_output(tmp_path, plugin=True) == without
