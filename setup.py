"""The build: the plugin's modules compiled with mypyc where possible.

mypy runs the plugin inside every type check (a lookup per callee name, a hook per
hooked call, a summary per candidate function); compiled, that work costs about a third
fewer instructions (``docs/benchmarks.md``).  mypy itself ships compiled the same way, and
mypyc comes with mypy.  The command (``mypy_dangling/command/``, run once per invocation)
stays interpreted.

``MYPY_DANGLING_COMPILE``:

* unset: a regular install (``pip install .``, a wheel) compiles when it can, and falls
  back to the pure-Python package with a warning when it cannot (no C compiler, no Python
  headers); an editable install (``pip install -e .``) does not compile, so that edits of
  the sources take effect;
* ``1``: compile, also in an editable install (the compiled modules are placed next to
  the sources and shadow them), and fail the build if compiling fails;
* ``0``: never compile.

The compiled and the interpreted package behave the same; ``mypy-dangling --version``
says which one runs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

SETTING = os.environ.get("MYPY_DANGLING_COMPILE", "").strip()
HERE = Path(__file__).resolve().parent
#: The setup.py commands that build, and those of an editable install.
BUILD_COMMANDS = {"build", "build_ext", "bdist_wheel", "install", "develop", "editable_wheel"}
EDITABLE_COMMANDS = {"develop", "editable_wheel"}
#: Interpreted on purpose: the command, and the entry points that only import it.
INTERPRETED = {"mypy_dangling/__main__.py", "mypy_dangling/cli.py"}


def compiled_sources() -> list[str]:
    """The plugin's modules, relative to this directory (mypyc names modules by path)."""
    found = []
    for folder in ("mypy_dangling", "mypy_dangling/checks", "mypy_dangling/flow"):
        for path in sorted((HERE / folder).glob("*.py")):
            relative = path.relative_to(HERE).as_posix()
            if relative not in INTERPRETED:
                found.append(relative)
    return found


def extensions() -> list[Extension]:
    """The compiled modules, when this run of ``setup.py`` builds (pip runs it also to read
    the metadata, where compiling would waste tens of seconds)."""
    if SETTING == "0" or not BUILD_COMMANDS & set(sys.argv):
        return []
    if EDITABLE_COMMANDS & set(sys.argv) and SETTING != "1":
        return []
    try:
        from mypyc.build import mypycify

        return mypycify(compiled_sources(), opt_level="3")
    except Exception as exc:
        if SETTING == "1":
            raise
        _warn(exc)
        return []


class BuildAllOrNothing(build_ext):
    """``build_ext`` that leaves no compiled module behind when one fails to build (a
    module compiled without the library it imports would fail to import), and falls back
    to the interpreted package."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:
            if SETTING == "1":
                raise
            for ext in self.extensions:
                path = Path(self.get_ext_fullpath(ext.name))
                if path.exists():
                    path.unlink()
            _warn(exc)

    def get_outputs(self) -> list[str]:
        return [path for path in super().get_outputs() if Path(path).exists()]


def _warn(exc: BaseException) -> None:
    print(
        f"warning: mypy-dangling: not compiled ({type(exc).__name__}: {str(exc)[:300]}); "
        "installing the interpreted package, which finds the same tasks, more slowly",
        file=sys.stderr,
    )


setup(ext_modules=extensions(), cmdclass={"build_ext": BuildAllOrNothing})
