"""Which files the command checks, and how they are split into mypy builds.

Directories are walked as ruff walks them (so that ``mypy-dangling .`` at the root of a
repository checks what ``ruff check .`` checks): every ``.py``/``.pyi`` file, hidden
directories included, minus ruff's default excludes, what ``.gitignore`` files ignore,
``--exclude`` and the ``exclude`` of the user's mypy config.  Module names are mypy's own
(``SourceFinder.crawl_up``).

mypy refuses a program in which two files have the same module name (``scripts/utils.py``
and ``tools/utils.py``, two ``conftest.py`` without ``__init__.py``, ``foo.py`` beside
``foo.pyi``).  Rather than drop one, the sources are split into builds: the files are
grouped by the directory mypy puts on the search path for them (their *root*), and each
root goes into the first build where none of its module names is taken.  A file that
clashes with another file of its own root gets a build of its own.  A tree that mypy
accepts as it is gives one build with exactly mypy's sources.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from mypy.find_sources import InvalidSourceList, SourceFinder, keyfunc
from mypy.fscache import FileSystemCache
from mypy.modulefinder import BuildSource, find_gitignores, matches_exclude, matches_gitignore
from mypy.options import Options

PYTHON_SUFFIXES: Final = (".py", ".pyi")

#: ruff's default ``exclude`` (ruff 0.17), plus ``build``, which older ruff versions
#: also skipped and which usually holds a copy of the package (``build/lib``).
DEFAULT_EXCLUDES: Final = frozenset(
    {
        ".bzr",
        ".direnv",
        ".eggs",
        ".git",
        ".git-rewrite",
        ".hg",
        ".ipynb_checkpoints",
        ".mypy_cache",
        ".nox",
        ".pants.d",
        ".pyenv",
        ".pytest_cache",
        ".pytype",
        ".ruff_cache",
        ".svn",
        ".tox",
        ".venv",
        ".vscode",
        "__pycache__",
        "__pypackages__",
        "_build",
        "buck-out",
        "build",
        "dist",
        "node_modules",
        "site-packages",
        "venv",
    }
)


@dataclass(frozen=True)
class Unusable:
    """A file that cannot even be given to mypy (no valid module name)."""

    path: str
    reason: str


@dataclass
class SourceSet:
    """The files to check, in mypy's order, and those that could not be named."""

    sources: list[BuildSource] = field(default_factory=list)
    unusable: list[Unusable] = field(default_factory=list)


def walk(
    directory: str, excludes: Sequence[str], fscache: FileSystemCache, *, gitignore: bool = True
) -> list[str]:
    """The Python files under ``directory``, in the order mypy lists a directory.

    Like ruff, files and directories that a ``.gitignore`` (or ``.git/info/exclude``)
    ignores are left out (mypy's own matcher, the one of its ``exclude_gitignore``).
    """
    found: list[str] = []
    try:
        names = sorted(fscache.listdir(directory), key=keyfunc)
    except OSError:
        return found
    for name in names:
        if name in DEFAULT_EXCLUDES:
            continue
        path = os.path.join(directory, name)
        if matches_exclude(path, list(excludes), fscache, False):
            continue
        if gitignore and matches_gitignore(os.path.abspath(path), fscache, False):
            continue
        if fscache.isdir(path):
            found.extend(walk(path, excludes, fscache, gitignore=gitignore))
        elif name.endswith(PYTHON_SUFFIXES):
            found.append(path)
    return found


def check_excludes(excludes: Iterable[str]) -> list[str]:
    """The patterns, or ValueError naming the first one that is not a valid regex."""
    patterns = list(excludes)
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            message = f"--exclude {pattern!r} is not a valid regular expression: {exc}"
            raise ValueError(message) from None
    return patterns


def find_sources(
    targets: Sequence[str],
    options: Options,
    fscache: FileSystemCache,
    *,
    respect_gitignore: bool = True,
) -> SourceSet:
    """BuildSources for files and directories, named as mypy names them."""
    find_gitignores.cache_clear()  # read afresh in each run (mypy caches them per process)
    finder = SourceFinder(fscache, options)
    result = SourceSet()
    seen: set[str] = set()
    for target in targets:
        target = os.path.normpath(target)
        if fscache.isdir(target):
            files = walk(target, options.exclude, fscache, gitignore=respect_gitignore)
        else:
            files = [target]
        for path in files:
            key = os.path.abspath(path)
            if key in seen:
                continue
            seen.add(key)
            try:
                module, base_dir = finder.crawl_up(path)
            except InvalidSourceList as exc:
                result.unusable.append(Unusable(path, f"{exc} (no module name for it)"))
                continue
            result.sources.append(BuildSource(path, module, None, base_dir))
    return result


def split_builds(sources: Sequence[BuildSource]) -> list[list[BuildSource]]:
    """Sources grouped so that no build has two files with the same module name.

    Roots (base directories) are placed whole, in order of first appearance, into the
    first build where none of their module names is taken, so imports between the files
    of one root still resolve to each other.  Each build keeps mypy's order.
    """
    if len({source.module for source in sources}) == len(sources):
        return [list(sources)] if sources else []
    order = {id(source): index for index, source in enumerate(sources)}
    roots: dict[str | None, list[BuildSource]] = {}
    for source in sources:
        roots.setdefault(source.base_dir, []).append(source)
    groups: list[list[BuildSource]] = []
    clashes: list[list[BuildSource]] = []
    for members in roots.values():
        group: list[BuildSource] = []
        names: set[str | None] = set()
        for source in members:
            if source.module in names:
                clashes.append([source])  # clashes within its own root: on its own
            else:
                names.add(source.module)
                group.append(source)
        groups.append(group)
    builds: list[list[BuildSource]] = []
    taken: list[set[str | None]] = []
    for group in groups + clashes:
        modules = {source.module for source in group}
        for build, names in zip(builds, taken, strict=True):
            if not modules & names:
                build.extend(group)
                names.update(modules)
                break
        else:
            builds.append(list(group))
            taken.append(set(modules))
    return [sorted(build, key=lambda source: order[id(source)]) for build in builds]
