"""The ``mypy-dangling`` command: the plugin's findings on code that is not mypy-clean.

It runs mypy in this process (``mypy.main.process_options`` reads the user's config and
arguments exactly as ``mypy`` does, ``mypy.build.build`` checks), with the plugin added
after the configured plugins and ``check_untyped_defs`` forced on (plugin hooks do not
fire in unannotated bodies otherwise), and prints only this plugin's findings: a project
with a thousand unrelated type errors still gets a clean, actionable report.

It runs on any tree ruff runs on: files are found as ruff finds them
(:mod:`~mypy_dangling.command.sources`), a file mypy cannot parse costs that file
(:mod:`~mypy_dangling.command.builds`), and a configured plugin that is not installed is
left out with a warning (:mod:`~mypy_dangling.command.plugins`).

Exit codes: 0 no findings, 1 findings (or skipped files, with ``--strict-skips``), 2 a
usage or config error, or nothing could be checked; reported on stderr, no traceback.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Final, TextIO

from mypy.fscache import FileSystemCache
from mypy.main import process_options
from mypy.modulefinder import BuildSource
from mypy.options import Options
from mypy.plugin import Plugin
from mypy.util import hard_exit
from mypy.version import __version__ as mypy_version

from mypy_dangling import plugin as plugin_entry_point
from mypy_dangling.command.baseline import (
    BaselineError,
    SourceLines,
    finding_keys,
    new_findings,
    read_baseline,
    write_baseline,
)
from mypy_dangling.command.builds import Builds, Outcome, PluginFactory, empty_shadow
from mypy_dangling.command.output import (
    FORMATS,
    Finding,
    Skipped,
    display_path,
    is_finding,
    parse_message,
    render_github,
    render_json,
    render_sarif,
    render_skipped_text,
    render_statistics,
    render_text,
)
from mypy_dangling.command.plugins import importable_plugins
from mypy_dangling.command.sources import check_excludes, find_sources, split_builds
from mypy_dangling.config import load_config
from mypy_dangling.main import DanglingPlugin
from mypy_dangling.version import COMPILED, __version__

PROG: Final = "mypy-dangling"
PLUGIN: Final = "mypy_dangling"
#: Our cache lives inside mypy's: different options (plugin, check_untyped_defs) in a
#: shared directory would make ``mypy`` and ``mypy-dangling`` invalidate each other.
CACHE_SUBDIR: Final = "mypy-dangling"
RECURSION_LIMIT: Final = 2**14  # what mypy's own main() sets for deeply nested code
EXIT_CLEAN: Final = 0
EXIT_FINDINGS: Final = 1
EXIT_ERROR: Final = 2
#: mypy arguments that choose the sources themselves (modules, packages, program text).
MYPY_TARGET_FLAGS: Final = ("-p", "--package", "-m", "--module", "-c", "--command")

DESCRIPTION = """\
Report asyncio Tasks and Futures that nothing keeps a reference to.

Runs mypy with the mypy_dangling plugin on PATHS (default: mypy's configured "files",
else "."), reading mypy's config as mypy does, and prints only this plugin's findings.
Directories are searched as ruff searches them; files mypy cannot parse are skipped
and reported. Arguments after "--" are passed to mypy, e.g. "-- --python-version 3.12".
"""

EPILOG = """\
exit status: 0 no findings, 1 findings (or skipped files with --strict-skips),
2 usage/config error or nothing could be checked.
"""


class UsageError(Exception):
    """A problem with the command line or the config: printed, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATHS", help="files or directories")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="output format (default: text, mypy's own)",
    )
    parser.add_argument(
        "--statistics", action="store_true", help="print the number of findings per code on stderr"
    )
    parser.add_argument("--config-file", metavar="FILE", help="mypy config file to use")
    baseline = parser.add_mutually_exclusive_group()
    baseline.add_argument(
        "--baseline", metavar="FILE", help="report only findings that are not in FILE"
    )
    baseline.add_argument(
        "--write-baseline", metavar="FILE", help="record every current finding in FILE"
    )
    parser.add_argument(
        "--exclude",
        metavar="REGEX",
        action="append",
        default=[],
        help="skip files and directories whose path matches REGEX while searching "
        "directories (repeatable; on top of ruff's default excludes and mypy's exclude)",
    )
    parser.add_argument(
        "--no-respect-gitignore",
        dest="respect_gitignore",
        action="store_false",
        help="also search what .gitignore files ignore (as ruff's option)",
    )
    parser.add_argument(
        "--strict-skips",
        action="store_true",
        help="exit 1 when a file had to be skipped, even without findings",
    )
    parser.add_argument(
        "--ignore-noqa",
        action="store_true",
        help='report lines marked "# noqa: RUF006" or "# noqa" too (an audit)',
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="neither read nor write mypy's incremental cache"
    )
    parser.add_argument(
        "--show-files",
        action="store_true",
        help="print the files that would be given to mypy, and exit (like ruff's)",
    )
    compiled = "yes" if COMPILED else "no"
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__} (compiled: {compiled})"
    )
    return parser


def split_argv(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Our arguments, and mypy's (everything after the first ``--``)."""
    argv = list(argv)
    if "--" in argv:
        index = argv.index("--")
        return argv[:index], argv[index + 1 :]
    return argv, []


def _without_usage(text: str) -> str:
    """argparse prints mypy's very long usage before an error: keep the error only."""
    kept, in_usage = [], False
    for line in text.splitlines():
        if line.startswith("usage:"):
            in_usage = True
            continue
        if in_usage and (line.startswith(" ") or not line):
            continue
        in_usage = False
        kept.append(line)
    return "".join(line + "\n" for line in kept)


def load_mypy_options(
    mypy_args: list[str], fscache: FileSystemCache, *, require_targets: bool = True
) -> tuple[list[BuildSource], Options]:
    """Sources and options as ``mypy`` would see them; mypy's exit becomes UsageError."""
    out, err = io.StringIO(), io.StringIO()
    try:
        sources, options = process_options(
            mypy_args,
            stdout=out,
            stderr=err,
            require_targets=require_targets,
            fscache=fscache,
            program="mypy",
        )
    except SystemExit as exc:
        if not exc.code:  # ``-- --version``, ``-- --help``
            sys.stdout.write(out.getvalue())
            raise
        message = _without_usage(out.getvalue() + err.getvalue()).strip()
        message = message.replace("mypy: error: ", "mypy: ", 1)
        raise UsageError(message or f"mypy stopped with status {exc.code}") from None
    # Config warnings (an unknown option, a missing [mypy] section) are worth seeing.
    sys.stderr.write(out.getvalue() + err.getvalue())
    return sources, options


def mypy_chooses_sources(mypy_args: Sequence[str], options: Options) -> bool:
    """Whether mypy's own arguments or config name modules/packages/program text."""
    if options.packages or options.modules:
        return True
    return any(
        arg == flag or arg.startswith(flag + "=") or (len(flag) == 2 and arg.startswith(flag))
        for arg in mypy_args
        for flag in MYPY_TARGET_FLAGS
    )


def without_our_plugin(plugins: Sequence[str]) -> list[str]:
    """The configured plugins minus ours: the command adds it itself, last and once."""
    return [entry for entry in plugins if entry.split(":")[0].strip() != PLUGIN]


def configure(options: Options, *, use_cache: bool) -> None:
    """Turn the user's mypy options into the ones this command needs."""
    plugins, missing = importable_plugins(without_our_plugin(options.plugins), options.config_file)
    for plugin in missing:
        sys.stderr.write(plugin.warning(PROG, options.config_file))
    options.plugins = plugins
    options.check_untyped_defs = True
    for section in options.per_module_options.values():
        if "check_untyped_defs" in section:
            section["check_untyped_defs"] = True
    options.output = "json"  # structured messages with the notes attached
    options.hide_error_codes = False
    options.report_dirs = {}  # the user's report settings are for their mypy runs
    if hasattr(options, "num_workers"):  # mypy >= 2: workers would not get our plugin
        options.num_workers = 0
    if not use_cache:
        options.incremental = False
        options.cache_dir = os.devnull
    elif options.cache_dir != os.devnull:
        options.cache_dir = cache_dir_for(options.cache_dir, os.getcwd())


def cache_dir_for(cache_dir: str, cwd: str) -> str:
    """Our own cache directory inside mypy's.

    An absolute cache directory (``MYPY_CACHE_DIR``, ``cache_dir`` in the config) can be
    shared by runs from different directories, and mypy 2.x replays the errors of
    unchanged modules with the paths of the run that cached them (relative to *its*
    working directory): one subdirectory per working directory keeps paths right.
    """
    ours = os.path.join(cache_dir, CACHE_SUBDIR)
    if not os.path.isabs(cache_dir):
        return ours
    return os.path.join(ours, hashlib.sha256(os.fsencode(cwd)).hexdigest()[:12])


def plugin_factory(*, respect_noqa: bool) -> PluginFactory:
    """Our plugin for one build's options (``--ignore-noqa`` overrides the config)."""
    plugin_class = plugin_entry_point(mypy_version)

    def make(options: Options) -> Plugin:
        # Passed as an extra plugin, ours runs after the configured ones (it delegates to
        # mypy's defaults, not to them), and is loaded even when there is no config file
        # (mypy loads configured plugins only from a config file).
        if not respect_noqa and issubclass(plugin_class, DanglingPlugin):
            config = load_config(options).replace(respect_noqa=False)
            return plugin_class(options, config=config)
        return plugin_class(options)

    return make


def run_mypy(
    builds: list[list[BuildSource]],
    options: Options,
    fscache: FileSystemCache,
    make_plugin: PluginFactory,
) -> Outcome:
    """Every build, with blocking errors turned into skipped files where possible."""
    with empty_shadow() as shadow:
        outcome = Builds(options, fscache, make_plugin, shadow).run(builds)
    if outcome.fatal is None and outcome.plugin is not None:
        plugin = outcome.plugin
        if isinstance(plugin, DanglingPlugin):
            # Every module of the program is loaded now: a configured owner under none of
            # them is a typo (the plugin alone can only judge modules it processed).
            plugin.warn_unknown_owners(outcome.files, plugin.config.owners, complete=True)
    return outcome


def describe_message(raw: str) -> str:
    """A mypy message as mypy's text format shows it (the JSON is for machines)."""
    finding = parse_message(raw)
    return render_text([finding]) if finding else raw + "\n"


@contextmanager
def progress(stream: TextIO, what: str) -> Iterator[None]:
    """A ``checking N files... 3s`` line on a terminal, erased at the end; else nothing."""
    if not stream.isatty():
        yield
        return
    done = threading.Event()
    start = time.monotonic()

    def tick() -> None:
        try:
            while True:
                elapsed = int(time.monotonic() - start)
                stream.write(f"\r{PROG}: {what}... {elapsed}s\x1b[K")
                stream.flush()
                if done.wait(0.5):
                    break
            stream.write("\r\x1b[K")
            stream.flush()
        except (OSError, ValueError):  # the terminal went away: progress is optional
            pass

    ticker = threading.Thread(target=tick, name=f"{PROG} progress", daemon=True)
    ticker.start()
    try:
        yield
    finally:
        done.set()
        ticker.join()


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def summary(findings: Sequence[Finding], baselined: int, checked: int, skipped: int = 0) -> str:
    """The last line of the text format, as mypy ends its own report."""
    hidden = f", {baselined} in the baseline not shown" if baselined else ""
    not_checked = f", {_plural(skipped, 'file')} skipped" if skipped else ""
    if not checked:
        return f"Nothing checked{not_checked}\n"
    if not findings:
        return f"Success: no findings in {_plural(checked, 'source file')}{hidden}{not_checked}\n"
    files = len({finding.file for finding in findings})
    return (
        f"Found {_plural(len(findings), 'finding')} in {_plural(files, 'file')} "
        f"(checked {_plural(checked, 'source file')}{not_checked}){hidden}\n"
    )


def render(
    fmt: str, findings: list[Finding], source_lines: list[str], skipped: list[Skipped]
) -> str:
    if fmt == "json":
        return render_json(findings, skipped)
    if fmt == "sarif":
        return render_sarif(findings, source_lines, skipped)
    if fmt == "github":
        return render_github(findings, skipped)
    return render_text(findings)


def collect_sources(
    args: argparse.Namespace, mypy_args: list[str], fscache: FileSystemCache
) -> tuple[list[BuildSource], list[Skipped], Options]:
    """What to check (found as ruff finds files), what cannot be, and mypy's options."""
    if mypy_args and mypy_chooses_sources(mypy_args, Options()):
        sources, options = load_mypy_options(mypy_args + args.paths, fscache)
        return sources, [], options
    _, options = load_mypy_options(mypy_args, fscache, require_targets=False)
    if not args.paths and mypy_chooses_sources(mypy_args, options):  # config: packages
        sources, options = load_mypy_options(mypy_args, fscache)
        return sources, [], options
    try:
        options.exclude = [*options.exclude, *check_excludes(args.exclude)]
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    targets = list(args.paths) or list(options.files or []) or ["."]
    for target in targets:
        if not fscache.exists(target):
            raise UsageError(f"can't read {target!r}: no such file or directory")
    found = find_sources(targets, options, fscache, respect_gitignore=args.respect_gitignore)
    skipped = [Skipped(entry.path, 0, 0, entry.reason) for entry in found.unusable]
    if not found.sources and not skipped:
        raise UsageError(f"no Python files found in {', '.join(targets)}")
    return found.sources, skipped, options


def run(argv: Sequence[str]) -> int:
    """The command, minus the top-level error handling of :func:`main`."""
    ours, mypy_args = split_argv(argv)
    parser = build_parser()
    args = parser.parse_args(ours)
    if args.config_file is not None:
        mypy_args += ["--config-file", args.config_file]

    fscache = FileSystemCache()
    sources, skipped, options = collect_sources(args, mypy_args, fscache)
    if args.show_files:
        paths = sorted(display_path(source.path) for source in sources if source.path)
        sys.stdout.write("".join(path + "\n" for path in paths))
        return EXIT_CLEAN
    configure(options, use_cache=not args.no_cache)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
    make_plugin = plugin_factory(respect_noqa=not args.ignore_noqa)
    with progress(sys.stderr, f"checking {_plural(len(sources), 'file')}"):
        outcome = run_mypy(split_builds(sources), options, fscache, make_plugin)
    if outcome.fatal is not None:
        for raw in outcome.fatal:
            sys.stderr.write(describe_message(raw))
        sys.stderr.write(f"{PROG}: error: mypy stopped at a blocking error; nothing was checked\n")
        return EXIT_ERROR
    skipped = sorted([*skipped, *outcome.skipped], key=lambda entry: entry.sort_key)
    if skipped and args.format == "text":
        sys.stderr.write(render_skipped_text(skipped))

    parsed = [parse_message(raw) for raw in outcome.messages]
    findings = sorted(
        {f for f in parsed if f is not None and is_finding(f)}, key=lambda f: f.sort_key
    )
    lines = SourceLines()
    source_lines = [lines.line(finding.file, finding.line) for finding in findings]

    if not outcome.checked:
        sys.stdout.write(render(args.format, [], [], skipped))
        if args.format == "text":
            sys.stdout.write(summary([], 0, 0, len(skipped)))
        sys.stderr.write(f"{PROG}: error: nothing could be checked (every file was skipped)\n")
        return EXIT_ERROR

    if args.write_baseline:
        keys = finding_keys(findings, source_lines, args.write_baseline)
        count = write_baseline(args.write_baseline, keys)
        sys.stderr.write(f"{PROG}: wrote {_plural(count, 'finding')} to {args.write_baseline}\n")
        return EXIT_CLEAN

    baselined = 0
    if args.baseline:
        accepted = read_baseline(args.baseline)
        keys = finding_keys(findings, source_lines, args.baseline)
        is_new = new_findings(keys, accepted)
        baselined = is_new.count(False)
        findings = [finding for finding, new in zip(findings, is_new, strict=True) if new]
        source_lines = [line for line, new in zip(source_lines, is_new, strict=True) if new]

    sys.stdout.write(render(args.format, findings, source_lines, skipped))
    if args.format == "text":
        sys.stdout.write(summary(findings, baselined, outcome.checked, len(skipped)))
    if args.statistics:
        sys.stderr.write(render_statistics(findings, baselined))
    if findings or (skipped and args.strict_skips):
        return EXIT_FINDINGS
    return EXIT_CLEAN


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``mypy-dangling`` and ``python -m mypy_dangling``: never a traceback."""
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:  # argparse: --help, --version, usage errors
        if exc.code is None:
            return EXIT_CLEAN
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    except (UsageError, BaselineError) as exc:
        sys.stderr.write(f"{PROG}: error: {exc}\n")
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted\n")
    except Exception as exc:
        sys.stderr.write(
            f"{PROG}: internal error: {type(exc).__name__}: {exc}\n"
            "Please report it at the project's issue tracker with the command you ran.\n"
        )
    return EXIT_ERROR


def console_main() -> None:
    """The console script: :func:`main`, then exit without tearing the heap down.

    Freeing mypy's objects one by one at interpreter exit takes longer than checking a
    large codebase (20 s of 60 on Home Assistant); mypy itself leaves the same way.
    """
    hard_exit(main())
