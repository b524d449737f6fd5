"""Count the instructions mypy executes with and without the plugin (valgrind, stdlib only).

Usage::

    python benchmarks/instructions.py --python /tmp/venv-X/bin/python --label X \
        [--only aiohttp] [--options default] [--variants plain,null,plugin] [--repeat 1]
    python benchmarks/instructions.py --table [--label X]      # the table of saved results
    python benchmarks/instructions.py --diff null,plugin --label X [--only aiohttp] \
        [--options default]                                     # where the difference goes

Wall time cannot show 1 %: the same mypy run swings by 10-20 % on a shared machine.  The
number of instructions a run executes can (repeatable to about 0.1-0.5 %):
``valgrind --tool=cachegrind --cache-sim=no`` counts them (``I refs``), about 15-20x slower
than a normal run, so the codebases are a part of Home Assistant, a mid-size library and a
small one.

Every run is ``<python> -m mypy --no-incremental --cache-dir <fresh dir>`` on a pinned
release from PyPI (``pypi_cache.py``; skipped without network), run directly under valgrind
(no wrapper script, so the measured process is the one that checks), with
``PYTHONHASHSEED=0``, under ``nice``, one at a time (a lock).  Option sets: ``default``
(mypy's defaults; the dependencies are not installed, so ``ignore_missing_imports`` and
``follow_imports = silent``) and ``untyped`` (the same plus ``check_untyped_defs``).

Variants (``plugin_ablation.py`` explains the layers): ``plain`` (no plugin), ``null``
(``null_plugin.py``: a plugin without hooks), ``plugin`` (``plugins = mypy_dangling``), and
the layers in between: ``init``, ``startup``, ``lookups``, ``noop``, ``calls``.

``<python>`` is the interpreter whose mypy and mypy_dangling are measured: install the
commit to measure non-editable into a venv of its own (docs/benchmarks.md).  The results
are appended to ``<cache>/instructions/results.jsonl``; the cachegrind files stay next to
it (``cg_annotate`` them).  The table gives instructions in G (10^9), the ratios to plain
and to the null plugin, and whether mypy said the same thing (without our codes) in every
variant.

``--diff A,B`` reads the newest cachegrind files of two variants and splits the difference
by function, in three groups: CPython's bytecode loop (``_PyEval_EvalFrameDefault``: running
interpreted code, the plugin's), compiled mypy (mypyc's ``CPyDef_*``/``CPyPy_*``: mypy's
own work on the plugin's behalf, and the mypy functions the plugin calls) and the rest of
the CPython runtime (attribute lookup, dicts, allocation, calls).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import MYPY_TARGET, take_lock, without_ours
from pypi_cache import FetchError, cache_dir, fetch

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Codebase:
    name: str
    package: str
    version: str
    paths: tuple[str, ...]


CODEBASES = (
    # helpers + core pull in about 590 of Home Assistant's modules (follow_imports = silent
    # checks them too); five large async integrations on top.  ~15 s without valgrind.
    Codebase(
        "homeassistant-part",
        "homeassistant",
        "2026.2.3",
        (
            "homeassistant/helpers",
            "homeassistant/core.py",
            "homeassistant/components/recorder",
            "homeassistant/components/mqtt",
            "homeassistant/components/esphome",
            "homeassistant/components/zwave_js",
            "homeassistant/components/sonos",
        ),
    ),
    Codebase("aiohttp", "aiohttp", "3.14.5", ("aiohttp",)),
    # a small package: the plugin's fixed cost (import, typeshed's classes) shows most here
    Codebase("proxy-protocol", "proxy-protocol", "0.11.3", ("proxyprotocol",)),
)

OPTION_SETS = {
    "default": "",
    "untyped": "check_untyped_defs = True\n",
}

BASE_CONFIG = f"""\
[mypy]
python_version = {MYPY_TARGET}
follow_imports = silent
ignore_missing_imports = True
no_site_packages = True
"""

VARIANTS = {
    "plain": None,
    "null": f"{HERE / 'null_plugin.py'}",
    "init": f"{HERE / 'plugin_ablation.py'}:init",
    "startup": f"{HERE / 'plugin_ablation.py'}:startup",
    "lookups": f"{HERE / 'plugin_ablation.py'}:lookups",
    "noop": f"{HERE / 'plugin_ablation.py'}:noop",
    "calls": f"{HERE / 'plugin_ablation.py'}:calls",
    "plugin": "mypy_dangling",
}
MAIN_VARIANTS = ("plain", "null", "plugin")


def results_dir() -> Path:
    return cache_dir() / "instructions"


def config_text(options: str, variant: str) -> str:
    plugin = VARIANTS[variant]
    return BASE_CONFIG + OPTION_SETS[options] + (f"plugins = {plugin}\n" if plugin else "")


def measured_install(python: str, cwd: Path) -> str:
    """Which mypy and mypy_dangling ``python -m mypy`` imports from ``cwd``."""
    code = (
        "import mypy.version, mypy_dangling, sys; "
        "print(sys.version.split()[0], mypy.version.__version__, mypy_dangling.__file__)"
    )
    proc = subprocess.run(
        [python, "-c", code], cwd=cwd, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        sys.exit(f"{python} cannot import mypy and mypy_dangling:\n{proc.stderr[-2000:]}")
    return proc.stdout.strip()


def precompile(python: str) -> None:
    """Write the .pyc of the plugins loaded from here, once, before any run is counted.

    mypy imports them from source; with ``PYTHONDONTWRITEBYTECODE`` set (as on the
    development machine) every run would parse and compile them again (~1-5 M instructions).
    """
    files = [str(HERE / "null_plugin.py"), str(HERE / "plugin_ablation.py")]
    subprocess.run([python, "-m", "py_compile", *files], check=True)


def count(
    python: str,
    base: Codebase,
    src: Path,
    options: str,
    variant: str,
    label: str,
    seed: int = 0,
) -> dict[str, object]:
    """One mypy run under cachegrind: its instruction total and what mypy printed."""
    out_dir = results_dir() / label
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{base.name}.{options}.{variant}.s{seed}.{time.strftime('%Y%m%dT%H%M%S')}"
    cg_out = out_dir / f"cachegrind.out.{stem}"
    scratch = Path(tempfile.mkdtemp(prefix="instructions-"))
    try:
        config = scratch / "mypy.ini"
        config.write_text(config_text(options, variant))
        cmd = [
            *("nice", "-n", "10", "valgrind", "--tool=cachegrind", "--cache-sim=no"),
            f"--cachegrind-out-file={cg_out}",
            *(python, "-m", "mypy", "--config-file", str(config), "--no-incremental"),
            *("--cache-dir", str(scratch / "cache"), *base.paths),
        ]
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        for name in ("MYPY_NUM_WORKERS", "MYPY_CACHE_DIR", "MYPYPATH", "PYTHONPATH"):
            env.pop(name, None)
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=src, env=env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if proc.returncode not in (0, 1) or "Traceback" in proc.stdout + proc.stderr:
        output = proc.stdout + proc.stderr
        sys.exit(f"{variant} failed (exit {proc.returncode}):\n{output[-3000:]}")
    instructions = summary(cg_out)
    reported = re.search(r"I\s+refs:\s+([\d,]+)", proc.stderr)
    if reported is None or int(reported.group(1).replace(",", "")) != instructions:
        sys.exit(f"valgrind's I refs and {cg_out} disagree:\n{proc.stderr[-2000:]}")
    return {
        "label": label,
        "codebase": base.name,
        "version": base.version,
        "options": options,
        "variant": variant,
        "seed": seed,
        "instructions": instructions,
        "seconds": round(seconds, 1),
        "exit": proc.returncode,
        "last_line": proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "",
        "others": without_ours(proc.stdout),
        "cachegrind": str(cg_out),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


def summary(cg_out: Path) -> int:
    """The instruction total of a cachegrind out file (``--cache-sim=no``: one event, Ir)."""
    events: list[str] = []
    for line in cg_out.read_text().splitlines():
        if line.startswith("cmd:") and " -m mypy " not in line:
            sys.exit(f"{cg_out} did not measure mypy itself: {line}")
        if line.startswith("events:"):
            events = line.split()[1:]
        if line.startswith("summary:"):
            values = line.split()[1:]
            return int(values[events.index("Ir")] if "Ir" in events else values[0])
    sys.exit(f"no summary line in {cg_out}")


def load(label: str | None) -> list[dict[str, object]]:
    path = results_dir() / "results.jsonl"
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [row for row in rows if label is None or row["label"] == label]


def giga(values: list[int]) -> str:
    """Median in G, with the spread (max - min) when the variant ran more than once."""
    median = statistics.median(values)
    text = f"{median / 1e9:.3f}"
    if len(values) > 1:
        text += f" (n={len(values)}, spread {100 * (max(values) - min(values)) / median:.2f} %)"
    return text


def print_table(rows: list[dict[str, object]]) -> None:
    groups: dict[tuple[str, str, str], dict[str, list[int]]] = {}
    others: dict[tuple[str, str, str], set[str]] = {}
    for row in rows:
        key = (str(row["label"]), str(row["codebase"]), str(row["options"]))
        instructions = row["instructions"]
        assert isinstance(instructions, int)
        groups.setdefault(key, {}).setdefault(str(row["variant"]), []).append(instructions)
        others.setdefault(key, set()).add(json.dumps(row["others"]))
    variants = [v for v in VARIANTS if any(v in g for g in groups.values())]
    header = ["label", "codebase", "options", *(f"{v} G" for v in variants)]
    header += ["null/plain", "plugin/plain", "plugin/null", "same output"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for key, found in sorted(groups.items()):
        medians = {v: statistics.median(found[v]) for v in found}
        cells = [*key, *(giga(found[v]) if v in found else "" for v in variants)]
        for top, bottom in (("null", "plain"), ("plugin", "plain"), ("plugin", "null")):
            ok = top in medians and bottom in medians
            cells.append(f"{medians[top] / medians[bottom]:.4f}" if ok else "")
        cells.append("yes" if len(others[key]) == 1 else "NO")
        print("| " + " | ".join(cells) + " |")
    layered = [key for key, found in groups.items() if len(found) > len(MAIN_VARIANTS)]
    for key in sorted(layered):
        print_layers(key, groups[key])


def print_layers(key: tuple[str, ...], found: dict[str, list[int]]) -> None:
    """The cost of each layer, in G and in % of the null plugin's run."""
    order = [v for v in VARIANTS if v in found]
    medians = {v: statistics.median(found[v]) for v in order}
    floor = medians.get("null")
    print(f"\nlayers, {' / '.join(key)}:")
    for lower, upper in itertools.pairwise(order):
        delta = medians[upper] - medians[lower]
        share = f" = {100 * delta / floor:+.2f} % of null" if floor else ""
        print(f"  {lower:>7} -> {upper:<7} {delta / 1e9:+.3f} G{share}")


def by_function(cg_out: Path) -> dict[tuple[str, str], int]:
    """Instructions per (source file, function) of a cachegrind out file."""
    totals: dict[tuple[str, str], int] = {}
    file = function = "?"
    with open(cg_out) as lines:
        for line in lines:
            if line.startswith("fl="):
                file = line[3:].strip().rsplit("/", 1)[-1]
            elif line.startswith("fn="):
                function = line[3:].strip()
            elif line[:1].isdigit():
                parts = line.split()
                if len(parts) > 1:
                    key = (file, function)
                    totals[key] = totals.get(key, 0) + int(parts[1])
    return totals


def group(file: str, function: str) -> str:
    if function == "_PyEval_EvalFrameDefault":
        return "bytecode loop"
    if function.startswith(("CPy", "CPyDef_", "CPyPy_")) or file == "???":
        return "compiled mypy"
    return "CPython runtime"


#: The functions through which the memory layout moves mypy's own work (hashing types in its
#: caches: a type's hash mixes object addresses into a Python int, whose conversion and
#: reference counting cost more or less with the value).  ``--lottery`` takes their share
#: out of plugin - null.
HASH_FAMILY = frozenset(
    {
        "PyLong_AsSsize_t",
        "PyLong_FromSsize_t",
        "_PyLong_New",
        "CPyTagged_IncRef",
        "CPyTagged_DecRef",
        "CPyDunder___hash__types___Instance",
        "CPyDef_types___Instance_____hash__",
    }
)


def print_lottery(rows: list[dict[str, object]]) -> None:
    """Per seed: plugin - null, the hash family's share of it, and the rest."""
    runs: dict[tuple[str, str, str, int], dict[str, Path]] = {}
    for row in rows:
        key = (str(row["label"]), str(row["codebase"]), str(row["options"]), int(row["seed"]))  # type: ignore[call-overload]
        runs.setdefault(key, {})[str(row["variant"])] = Path(str(row["cachegrind"]))
    print("| label | codebase | options | seed | plugin - null | hash family | the rest |")
    print("|---|---|---|---|---|---|---|")
    for key, files in sorted(runs.items()):
        if "null" not in files or "plugin" not in files:
            continue
        null, plugin = by_function(files["null"]), by_function(files["plugin"])
        total = sum(plugin.values()) - sum(null.values())
        family = sum(
            plugin.get(k, 0) - null.get(k, 0)
            for k in set(null) | set(plugin)
            if k[1] in HASH_FAMILY
        )
        label, codebase, options, seed = key
        print(
            f"| {label} | {codebase} | {options} | {seed} | {total / 1e6:,.1f} M"
            f" | {family / 1e6:+,.1f} M | {(total - family) / 1e6:,.1f} M |"
        )


def print_diff(rows: list[dict[str, object]], lower: str, upper: str, top: int) -> None:
    newest: dict[tuple[str, str, str], dict[str, Path]] = {}
    for row in rows:
        key = (str(row["label"]), str(row["codebase"]), str(row["options"]))
        newest.setdefault(key, {})[str(row["variant"])] = Path(str(row["cachegrind"]))
    for key, files in sorted(newest.items()):
        if lower not in files or upper not in files:
            continue
        low, high = by_function(files[lower]), by_function(files[upper])
        delta = {k: high.get(k, 0) - low.get(k, 0) for k in set(low) | set(high)}
        total = sum(delta.values())
        print(f"\n{' / '.join(key)}: {upper} - {lower} = {total / 1e6:+,.1f} M instructions")
        groups: dict[str, int] = {}
        for (file, function), value in delta.items():
            name = group(file, function)
            groups[name] = groups.get(name, 0) + value
        for name, value in sorted(groups.items(), key=lambda item: -item[1]):
            print(f"  {name:16} {value / 1e6:+10,.1f} M  {100 * value / total:5.1f} %")
        print(f"  top {top} functions:")
        for (file, function), value in sorted(delta.items(), key=lambda item: -item[1])[:top]:
            print(f"    {value / 1e6:+8,.1f} M  {function} ({file})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=sys.executable, help="the interpreter to measure")
    parser.add_argument("--label", default="run", help="a name for this state (the commit)")
    parser.add_argument("--only", choices=[c.name for c in CODEBASES], action="append")
    parser.add_argument("--options", choices=list(OPTION_SETS), action="append")
    parser.add_argument("--variants", default=",".join(MAIN_VARIANTS), help="comma-separated")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--seeds",
        default="0",
        help="PYTHONHASHSEED values, comma-separated: each variant runs once per seed and the "
        "table takes medians (what the plugin changes in memory layout moves mypy's own work "
        "by about 0.1 %%; several seeds average that out)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="valgrind runs at a time (instruction counts do not depend on the machine's load)",
    )
    parser.add_argument("--table", action="store_true", help="only print the saved results")
    parser.add_argument("--diff", metavar="A,B", help="split B - A by function (saved runs)")
    parser.add_argument("--top", type=int, default=15, help="functions to list with --diff")
    parser.add_argument(
        "--lottery",
        action="store_true",
        help="per seed, plugin - null with the share of the hash family (saved runs), which "
        "moves with the memory layout, taken out",
    )
    args = parser.parse_args()
    saved = load(None if args.label == "run" else args.label)
    saved = [row for row in saved if not args.only or row["codebase"] in args.only]
    saved = [row for row in saved if not args.options or row["options"] in args.options]
    if args.table:
        print_table(saved)
        return
    if args.lottery:
        print_lottery(saved)
        return
    if args.diff:
        lower, _, upper = args.diff.partition(",")
        print_diff(saved, lower, upper, args.top)
        return
    variants = args.variants.split(",")
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variants: {', '.join(sorted(unknown))}")
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed")
    lock = take_lock()
    precompile(args.python)
    path = results_dir() / "results.jsonl"
    seeds = [int(seed) for seed in args.seeds.split(",")]
    runs: list[tuple[Codebase, Path, str, str, int]] = []
    for base in CODEBASES:
        if args.only and base.name not in args.only:
            continue
        try:
            src = fetch(base.package, base.version)
        except FetchError as exc:
            print(f"{base.name}: skipped: {exc}")
            continue
        print(f"{base.name}=={base.version}: {measured_install(args.python, src)}", flush=True)
        for rep in range(args.repeat):
            for options in args.options or list(OPTION_SETS):
                for seed in seeds:
                    for variant in variants if rep % 2 == 0 else variants[::-1]:
                        runs.append((base, src, options, variant, seed))

    def one(run: tuple[Codebase, Path, str, str, int]) -> dict[str, object]:
        base, src, options, variant, seed = run
        return count(args.python, base, src, options, variant, args.label, seed)

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for row in pool.map(one, runs):
            with open(path, "a") as out:
                out.write(json.dumps(row) + "\n")
            print(
                f"  {row['codebase']:18} {row['options']:8} {row['variant']:8} s{row['seed']}"
                f" {row['instructions']:>16,} Ir  {row['seconds']:6.1f} s  {row['last_line']}",
                flush=True,
            )
    print()
    print_table(load(args.label))
    lock.close()


if __name__ == "__main__":
    main()
