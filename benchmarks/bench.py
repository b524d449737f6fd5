"""Time mypy with and without the plugin on real code, and print ratios (stdlib only).

Usage::

    python benchmarks/bench.py [--python /tmp/venv-X/bin/python] [--repeat 3]
                               [--only homeassistant] [--no-cli]

Downloads pinned releases from PyPI into the cache (``$MYPY_DANGLING_CACHE``, default
``~/.cache/mypy-dangling``), copies each into a scratch tree there (the warm runs edit one
file), and runs, alternating the order in every repetition (``--check-untyped-defs`` on all,
so the plugin's hooks fire in every function body: its worst case):

* plain ``mypy``;
* ``mypy`` with ``null_plugin.py``, a plugin without hooks: the floor any plugin costs;
* ``mypy`` with the plugin;
* ``mypy-dangling`` (the CLI, if installed).

Each variant runs *cold* (a fresh cache directory) and then *warm* (a second run on that
full cache after appending a comment to one module, so that one module is rechecked).
Every run is its own subprocess; wall time is measured around it, CPU time and peak RSS are
read from ``os.wait4``.  The tables give medians with min-max, and the ratios of the
medians to plain mypy and to the null plugin.  It also checks that the plugin leaves
everything else mypy says unchanged.

``--python`` is the interpreter whose mypy and mypy_dangling are measured (default: this
one); install the commit to measure non-editable into a venv of its own
(docs/benchmarks.md).  Wall time swings by several % on a shared machine: for differences
of about 1 %, count instructions (``instructions.py``).

Speed is measured here, never by timed tests.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pypi_cache import TARGET_PYTHON, FetchError, cache_dir, fetch

OUR_CODES = ("dangling-task", "unused-task", "dangling-internal")
NULL_PLUGIN = Path(__file__).resolve().parent / "null_plugin.py"
MYPY_TARGET = ".".join(TARGET_PYTHON.split(".")[:2])
#: issue #13: the plugin within 1 % of the null plugin, counted in instructions (instructions.py)
TARGETS = {"plugin/null": 1.01, "plugin-rss": 1.03, "cli": 1.10, "cli-rss": 1.10}


@dataclass(frozen=True)
class Codebase:
    name: str
    version: str
    paths: tuple[str, ...]
    #: the module edited before each warm run
    touch: str


CODEBASES = (
    Codebase(
        "homeassistant",
        "2026.2.3",
        ("homeassistant",),
        "homeassistant/components/keba/__init__.py",
    ),
    Codebase("aiohttp", "3.14.5", ("aiohttp",), "aiohttp/client.py"),
)

BASE_CONFIG = f"""\
[mypy]
python_version = {MYPY_TARGET}
follow_imports = silent
ignore_missing_imports = True
no_site_packages = True
check_untyped_defs = True
"""


@dataclass
class Variant:
    """One way of running mypy: a command, and the config file it reads."""

    label: str
    cmd: list[str]
    times: dict[str, list[float]] = field(default_factory=lambda: {"cold": [], "warm": []})
    rss: dict[str, list[int]] = field(default_factory=lambda: {"cold": [], "warm": []})
    cpu: dict[str, list[float]] = field(default_factory=lambda: {"cold": [], "warm": []})
    outputs: list[str] = field(default_factory=list)


def run_once(cmd: list[str], cwd: Path, cache: Path) -> tuple[float, float, int, str, int]:
    """Wall and CPU seconds, peak RSS (KiB), output and exit code of one mypy subprocess."""
    env = {**os.environ, "MYPY_CACHE_DIR": str(cache)}
    env.pop("MYPY_NUM_WORKERS", None)
    log = cache.with_name(cache.name + ".out")
    with open(log, "w") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss, log.read_text(), proc.returncode


def without_ours(output: str) -> list[str]:
    """mypy's output minus this project's findings (and the notes attached to them)."""
    ours: set[str] = set()
    kept = []
    for line in output.splitlines():
        prefix = line.split(": ", 1)[0]
        if any(f"[{code}]" in line for code in OUR_CODES):
            ours.add(prefix)
        elif ": note: " in line and prefix in ours:
            continue
        elif not re.match(r"^(Found \d+ errors?|Success:)", line):
            kept.append(line)
    return sorted(kept)


def bench_codebase(
    base: Codebase, repeat: int, with_cli: bool, python: str
) -> tuple[list[Variant], list[tuple[str, ...]]]:
    src = fetch(base.name, base.version)
    work = cache_dir() / "bench" / f"{base.name}-{base.version}"
    if not (work / ".complete").exists():
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(src, work)
        (work / ".complete").touch()
    (work / "plain.ini").write_text(BASE_CONFIG)
    (work / "null.ini").write_text(BASE_CONFIG + f"plugins = {NULL_PLUGIN}\n")
    (work / "plugin.ini").write_text(BASE_CONFIG + "plugins = mypy_dangling\n")
    # The CLI reads the user's config the way mypy does: from the current directory.
    (work / "mypy.ini").write_text(BASE_CONFIG)
    mypy = [python, "-m", "mypy"]
    baseline = Variant("mypy", [*mypy, "--config-file", "plain.ini", *base.paths])
    null = Variant("mypy + null", [*mypy, "--config-file", "null.ini", *base.paths])
    plugin = Variant("mypy + plugin", [*mypy, "--config-file", "plugin.ini", *base.paths])
    candidates = [null, plugin]
    cli = shutil.which("mypy-dangling", path=str(Path(python).parent))
    if with_cli and cli:
        candidates.append(Variant("mypy-dangling", [cli, *base.paths]))
    elif with_cli:
        print("  (mypy-dangling is not installed: CLI skipped)")
    variants = [baseline, *candidates]

    scratch = Path(tempfile.mkdtemp(prefix="caches-", dir=cache_dir() / "bench"))
    touched = work / base.touch
    original = touched.read_text()
    try:
        for rep in range(repeat):
            for variant in variants if rep % 2 == 0 else variants[::-1]:
                run_variant(variant, work, scratch, touched, original, rep)
    finally:
        touched.write_text(original)
        shutil.rmtree(scratch, ignore_errors=True)

    rows = []
    comparisons = [(null, baseline), (plugin, baseline), (plugin, null)]
    comparisons += [(candidate, baseline) for candidate in candidates[2:]]
    for candidate, reference in comparisons:
        for mode in ("cold", "warm"):
            rows.append(ratio_row(base, mode, reference, candidate))
    if without_ours(baseline.outputs[0]) != without_ours(plugin.outputs[0]):
        print(f"  WARNING: the plugin changes what mypy says on {base.name}")
    else:
        print(f"  the plugin leaves the rest of mypy's output unchanged on {base.name}")
    return variants, rows


def run_variant(
    variant: Variant, work: Path, scratch: Path, touched: Path, original: str, rep: int
) -> None:
    cache = scratch / re.sub(r"\W+", "-", variant.label)
    shutil.rmtree(cache, ignore_errors=True)
    cache.parent.mkdir(parents=True, exist_ok=True)
    touched.write_text(original)
    for mode in ("cold", "warm"):
        if mode == "warm":
            touched.write_text(original + f"\n# benchmark edit {rep}\n")
        wall, cpu, rss, output, code = run_once(variant.cmd, work, cache)
        if code not in (0, 1) or "Traceback" in output:
            sys.exit(f"{variant.label} failed (exit {code}):\n{output[-3000:]}")
        variant.times[mode].append(wall)
        variant.rss[mode].append(rss)
        variant.cpu[mode].append(cpu)
        if mode == "cold":
            variant.outputs.append(output)
        print(
            f"  {variant.label:14} {mode} {wall:6.2f}s wall {cpu:6.2f}s CPU {rss / 1024:5.0f} MiB",
            flush=True,
        )


def ratio_row(base: Codebase, mode: str, baseline: Variant, candidate: Variant) -> tuple[str, ...]:
    wall_b = statistics.median(baseline.times[mode])
    wall_c = statistics.median(candidate.times[mode])
    cpu_b = statistics.median(baseline.cpu[mode])
    cpu_c = statistics.median(candidate.cpu[mode])
    rss_b = statistics.median(baseline.rss[mode])
    rss_c = statistics.median(candidate.rss[mode])
    return (
        base.name,
        f"{candidate.label} / {baseline.label}",
        mode,
        f"{wall_c / wall_b:.3f}",
        f"{cpu_c / cpu_b:.3f}",
        f"{rss_c / rss_b:.3f}",
    )


def spread(values: list[float], scale: float = 1.0, digits: int = 2) -> str:
    """The median, and min-max when there is more than one value."""
    text = f"{statistics.median(values) / scale:.{digits}f}"
    if len(values) > 1:
        text += f" ({min(values) / scale:.{digits}f}-{max(values) / scale:.{digits}f})"
    return text


def print_variants(name: str, variants: list[Variant]) -> None:
    header = ("codebase", "variant", "mode", "wall s", "CPU s", "peak MiB")
    print("\n| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for variant in variants:
        for mode in ("cold", "warm"):
            rss = [float(kib) for kib in variant.rss[mode]]
            cells = [name, variant.label, mode, spread(variant.times[mode])]
            cells += [spread(variant.cpu[mode]), spread(rss, 1024, 0)]
            print("| " + " | ".join(cells) + " |")


def print_table(rows: list[tuple[str, ...]]) -> None:
    header = ("codebase", "comparison", "mode", "wall x", "CPU x", "RSS x")
    print("\n| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


def describe_machine(python: str) -> None:
    code = (
        "import mypy.version, mypy_dangling, platform; print('python', "
        "platform.python_version() + ', mypy', mypy.version.__version__ + ',', "
        "mypy_dangling.__file__)"
    )
    where = cache_dir()
    measured = subprocess.run([python, "-c", code], cwd=where, capture_output=True, text=True)
    print(measured.stdout.strip() or f"{python}: {measured.stderr.strip()[-500:]}")
    print(f"{platform.platform()}, {os.cpu_count()} CPUs")
    print(f"cache: {where}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (default 3)")
    parser.add_argument("--only", choices=[c.name for c in CODEBASES], action="append")
    parser.add_argument("--no-cli", action="store_true", help="skip the mypy-dangling CLI")
    parser.add_argument("--python", default=sys.executable, help="the interpreter to measure")
    args = parser.parse_args()
    lock = take_lock()
    describe_machine(args.python)
    print(
        f"targets: plugin <= {TARGETS['plugin/null']}x the null plugin (in instructions: "
        f"instructions.py), <= {TARGETS['plugin-rss']}x RSS; CLI <= {TARGETS['cli']}x"
    )
    rows: list[tuple[str, ...]] = []
    measured: list[tuple[str, list[Variant]]] = []
    for base in CODEBASES:
        if args.only and base.name not in args.only:
            continue
        print(f"\n{base.name}=={base.version} ({args.repeat} repetitions)", flush=True)
        try:
            variants, found = bench_codebase(base, args.repeat, not args.no_cli, args.python)
        except FetchError as exc:
            print(f"  skipped: {exc}")
            continue
        measured.append((base.name, variants))
        rows += found
    for name, variants in measured:
        print_variants(name, variants)
    print_table(rows)
    lock.close()


def take_lock() -> TextIO:
    """One benchmark at a time: two would share the edited tree and each other's CPUs."""
    path = cache_dir() / "bench" / "lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = open(path, "a+")  # noqa: SIM115 (held until the end of the run)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        sys.exit(f"another bench.py is running (pid {lock.read().strip() or '?'}); try later")
    lock.truncate(0)
    lock.write(f"{os.getpid()}\n")
    lock.flush()
    return lock


if __name__ == "__main__":
    main()
