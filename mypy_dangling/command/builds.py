"""Running mypy: one build for an ordinary tree, more only where mypy needs them.

Each build is ``mypy.build.build`` in this process with the plugin passed as an extra
plugin (after the configured ones).  When mypy stops at a blocking error, the file behind
it is either skipped (it does not parse or decode: it is *shadowed* by an empty file, so
that files importing it are still checked) or, for a clash of module names that mypy only
finds while following imports, moved to a build of its own; then the build runs again.
Builds after the first have their own cache directories (seeded from the first one's, so
typeshed is not analysed again): a module name means a different file in each build, and
one shared cache would be invalidated by every build.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from typing import Final

from mypy.build import BuildResult, build, create_metastore, get_cache_names
from mypy.errors import CompileError
from mypy.fscache import FileSystemCache
from mypy.modulefinder import BuildSource
from mypy.nodes import MypyFile
from mypy.options import Options
from mypy.plugin import Plugin
from mypy.version import __version__ as mypy_version

from mypy_dangling.command.blockers import identify, parse_problems, source_for
from mypy_dangling.command.output import Skipped

#: Subdirectory of our cache for the builds after the first.
EXTRA_BUILD_DIR: Final = "build-{}"
#: The files that did not parse in the last run, with their mtime and size: a warm run
#: skips them again without running into them (and parsing everything) first.
UNPARSABLE_RECORD: Final = "unparsable.json"

PluginFactory = Callable[[Options], Plugin]


@dataclass
class Outcome:
    """What the builds reported, what they checked, and what they could not."""

    messages: list[str] = field(default_factory=list)
    checked: int = 0
    builds: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    #: The messages of a blocking error that names no file (a config error): fatal.
    fatal: list[str] | None = None
    files: dict[str, MypyFile] = field(default_factory=dict)
    #: The first build's plugin (it reports configured owners that name nothing).
    plugin: Plugin | None = None


def build_cache_dir(options: Options, index: int, sources: list[BuildSource]) -> str:
    """The cache of the ``index``-th build, seeded from the first build's cache.

    The seed holds the first build's files under the module names this build gives to
    other files; mypy would take a cached module with the same content at another path
    for fresh (and replay its errors with the old path), so those entries are removed.
    """
    cache_dir = options.cache_dir
    if index == 0 or cache_dir == os.devnull or not options.incremental:
        return cache_dir
    extra = os.path.join(cache_dir, EXTRA_BUILD_DIR.format(index))
    if not os.path.isdir(extra) and os.path.isdir(cache_dir):
        ignore = shutil.ignore_patterns(EXTRA_BUILD_DIR.format("*"))
        try:
            shutil.copytree(cache_dir, extra, ignore=ignore)
            _forget(options.apply_changes({"cache_dir": extra}), sources)
        except Exception:  # a cache is only an optimisation: start this one empty
            shutil.rmtree(extra, ignore_errors=True)
    return extra


def _forget(options: Options, sources: list[BuildSource]) -> None:
    """Remove the cache entries of these modules (mypy's own metadata store API)."""
    try:
        store = create_metastore(options, parallel_worker=False)
    except TypeError:  # mypy 1.x
        store = create_metastore(options)  # type: ignore[call-arg, unused-ignore]
    try:
        for source in sources:
            if source.path is not None and source.module is not None:
                meta, data, _ = get_cache_names(source.module, source.path, options)
                for name in (meta, data):
                    with suppress(FileNotFoundError):
                        store.remove(name)
        store.commit()
    finally:
        close = getattr(store, "close", None)
        if close is not None:
            close()


@contextmanager
def empty_shadow() -> Iterator[str]:
    """An empty file that stands in for skipped files (``--shadow-file``)."""
    with tempfile.TemporaryDirectory(prefix="mypy-dangling-") as directory:
        path = os.path.join(directory, "skipped.py")
        with open(path, "w", encoding="utf-8"):
            pass
        yield path


class Collector:
    """mypy's messages as it flushes them; the last batch holds a blocking error."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.last: list[str] = []

    def flush(self, path: str | None, new: list[str], serious: bool) -> None:
        self.messages.extend(new)
        self.last = new


class Builds:
    """The builds of one command run, and the files skipped along the way."""

    def __init__(
        self,
        options: Options,
        fscache: FileSystemCache,
        make_plugin: PluginFactory,
        shadow: str,
    ) -> None:
        self.options = options
        self.fscache = fscache
        self.make_plugin = make_plugin
        self.shadow = shadow
        self.outcome = Outcome()
        self._shadowed: list[str] = []
        self._parsed_all = False
        self._packaged_roots: set[str] = set()
        #: Files skipped because they do not parse or decode: remembered for the next run.
        self._unparsable: list[Skipped] = []

    def run(self, builds: list[list[BuildSource]]) -> Outcome:
        queue = [list(sources) for sources in builds if sources]
        paths = {_key(s.path) for sources in queue for s in sources if s.path}
        for entry in load_unparsable(self.options):
            if _key(entry.file) in paths:  # unchanged since the last run
                self._skip(entry, queue, unparsable=True)
        index = 0
        while index < len(queue):
            if not self._run_one(index, queue):
                break
            index += 1
        if self.outcome.fatal is None:
            save_unparsable(self.options, self._unparsable)
        self.outcome.skipped.sort(key=lambda entry: entry.sort_key)
        return self.outcome

    def _options_for(self, index: int, sources: list[BuildSource]) -> Options:
        changes: dict[str, object] = {
            "cache_dir": build_cache_dir(self.options, index, sources),
            "shadow_file": [
                *(self.options.shadow_file or []),
                *([path, self.shadow] for path in self._shadowed),
            ],
        }
        return self.options.apply_changes(changes)

    def _skip(
        self, entry: Skipped, queue: list[list[BuildSource]], *, unparsable: bool = False
    ) -> None:
        """Leave a file out: reported, removed from every build, shadowed if imported."""
        self.outcome.skipped.append(entry)
        if unparsable:
            self._unparsable.append(entry)
        self._shadowed.append(os.path.abspath(entry.file))
        target = os.path.normcase(os.path.abspath(entry.file))
        for sources in queue:
            sources[:] = [
                s
                for s in sources
                if not s.path or os.path.normcase(os.path.abspath(s.path)) != target
            ]

    def _run_one(self, index: int, queue: list[list[BuildSource]]) -> bool:
        """Run build ``index`` until it completes; False if the run must stop (fatal)."""
        attempts = 0
        # Each retry removes or moves a file, or renames a root once: it cannot loop.
        limit = 2 * len(queue[index]) + 2
        while queue[index]:
            sources = queue[index]
            attempts += 1
            if attempts > limit:
                self.outcome.fatal = ["mypy kept stopping at blocking errors"]
                return False
            collected = Collector()
            options = self._options_for(index, sources)
            plugin = self.make_plugin(options)
            try:
                result = build(
                    sources,
                    options,
                    flush_errors=collected.flush,
                    fscache=self.fscache,
                    stdout=sys.stderr,
                    extra_plugins=[plugin],
                )
            except CompileError as exc:
                # build() flushes the blocking messages last, and empties exc.messages.
                last = collected.last
                exc.messages = [*last, *(m for m in exc.messages if m not in last)]
                if not self._recover(exc, index, queue):
                    messages = collected.messages
                    self.outcome.fatal = [
                        *messages,
                        *(m for m in exc.messages if m not in messages),
                    ]
                    return False
                continue
            self._done(sources, collected.messages, result, plugin)
            return True
        return True

    def _done(
        self, sources: list[BuildSource], messages: list[str], result: BuildResult, plugin: Plugin
    ) -> None:
        self.outcome.messages.extend(messages)
        self.outcome.checked += len(sources)
        self.outcome.builds += 1
        if self.outcome.plugin is None:
            self.outcome.plugin = plugin
        config = getattr(plugin, "config", None)
        if getattr(config, "owners", None):
            # Kept for the check of configured owners at the end (only then: the trees
            # of every build would stay in memory).
            self.outcome.files.update(result.files)

    def _recover(self, exc: CompileError, index: int, queue: list[list[BuildSource]]) -> bool:
        """Take the blocking file out of the way; False if there is none to take."""
        sources = queue[index]
        blocker = identify(exc, sources)
        if blocker.kind == "parse" and not self._parsed_all:
            # One parse of every remaining source now, rather than one build per bad file.
            self._parsed_all = True
            remaining = [source for sources in queue[index:] for source in sources]
            for entry in parse_problems(remaining, self.options):
                self._skip(entry, queue, unparsable=True)
            if blocker.skipped is not None and any(
                _same(entry.file, blocker.skipped.file) for entry in self.outcome.skipped
            ):
                return True
        source = source_for(blocker, sources)
        if blocker.kind == "relative-import" and source and self._make_package(source, queue):
            return True
        if blocker.kind == "clash" and source is not None and len(sources) > 1:
            sources.remove(source)
            queue.append([source])
            return True
        if blocker.skipped is not None:
            if any(_same(s.file, blocker.skipped.file) for s in self.outcome.skipped):
                return False  # skipped already, and mypy still stops there
            self._skip(blocker.skipped, queue, unparsable=blocker.kind == "parse")
            return True
        return False

    def _make_package(self, source: BuildSource, queue: list[list[BuildSource]]) -> bool:
        """Treat the directory of a root as a package (relative imports in scripts).

        ``tests/test_a.py`` with ``from .helpers import x`` and no ``tests/__init__.py``:
        mypy names it ``test_a`` and stops ("No parent module").  Its author runs it as
        ``tests.test_a`` (pytest's rootdir, ``python -m``): name every file of that root so,
        with the parent directory as the root.
        """
        root = source.base_dir
        if not root or root in self._packaged_roots:
            return False
        package = os.path.basename(os.path.normpath(root))
        if not package.isidentifier():
            return False
        self._packaged_roots.add(root)
        parent = os.path.dirname(os.path.normpath(root))
        for sources in queue:
            sources[:] = [
                BuildSource(s.path, f"{package}.{s.module}", s.text, parent)
                if s.base_dir == root
                else s
                for s in sources
            ]
        return True


def _key(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))


def _same(path: str, other: str) -> bool:
    return _key(path) == _key(other)


def _record_path(options: Options) -> str | None:
    if options.cache_dir == os.devnull or not options.incremental:
        return None
    return os.path.join(options.cache_dir, UNPARSABLE_RECORD)


def _record_key(options: Options) -> str:
    """What a parse verdict depends on besides the file."""
    parser = getattr(options, "native_parser", False)
    return f"{mypy_version}|{options.python_version}|native={parser}"


def _stat(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size]


def load_unparsable(options: Options) -> list[Skipped]:
    """Files the last run found unparsable and that have not changed since (no parse)."""
    path = _record_path(options)
    if path is None:
        return []
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if data["key"] != _record_key(options):
            return []
        return [
            Skipped(item["file"], item["line"], item["column"], item["reason"])
            for item in data["files"]
            if _stat(item["file"]) == item["stat"]
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def save_unparsable(options: Options, entries: list[Skipped]) -> None:
    path = _record_path(options)
    if path is None:
        return
    files = [
        {**asdict(entry), "stat": _stat(entry.file)} for entry in entries if _stat(entry.file)
    ]
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"key": _record_key(options), "files": files}, f)
    except OSError:  # a cache is only an optimisation
        pass
