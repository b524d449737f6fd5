"""Where the plugin's own time goes: per hook kind, per module of the plugin, per function.

Usage::

    python benchmarks/profile_plugin.py --python /tmp/venv-X/bin/python \
        [--only homeassistant-part] [--options untyped] [--top 25]

cachegrind's per-function counts (``cg_annotate``) show mostly the interpreter: the plugin
is interpreted Python inside compiled mypy.  So this looks at the plugin from Python, in two
separate runs of ``<python> -m mypy --no-incremental`` in-process (same codebases and
options as ``instructions.py``):

1. **counts**: the plugin loaded through ``plugin_ablation.py:counted``, which counts and
   times (``perf_counter_ns``) every hook lookup mypy makes and every call of a hook the
   plugin returned, per hook kind, plus its import and construction.  No profiler: the
   times are close to real (each timed call adds about 0.1-0.2 us of its own).
2. **cprofile**: the plain plugin under ``cProfile``; only functions defined in the
   plugin's package are kept.  Compiled mypy is invisible to cProfile, so a hook's
   cumulative time is our Python code plus the mypy functions it calls.  cProfile slows
   small functions down more than large ones: read the shares, not the seconds.

The instruction counts of ``instructions.py --variants null,startup,lookups,noop,plugin``
split the same cost into layers without a profiler's distortion.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from instructions import BASE_CONFIG, CODEBASES, OPTION_SETS, Codebase
from pypi_cache import FetchError, fetch

HERE = Path(__file__).resolve().parent


def run_child(
    python: str, base: Codebase, src: Path, options: str, mode: str
) -> dict[str, object]:
    scratch = Path(tempfile.mkdtemp(prefix="profile-"))
    try:
        plugin = f"{HERE / 'plugin_ablation.py'}:counted" if mode == "counts" else "mypy_dangling"
        config = scratch / "mypy.ini"
        config.write_text(BASE_CONFIG + OPTION_SETS[options] + f"plugins = {plugin}\n")
        result = scratch / "result.json"
        cmd = [python, str(Path(__file__).resolve()), "--child", mode, "--result", str(result)]
        cmd += ["--", "--config-file", str(config), "--no-incremental"]
        cmd += ["--cache-dir", str(scratch / "cache"), *base.paths]
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        for name in ("MYPY_NUM_WORKERS", "MYPY_CACHE_DIR", "MYPYPATH", "PYTHONPATH"):
            env.pop(name, None)
        proc = subprocess.run(cmd, cwd=src, env=env, capture_output=True, text=True, check=False)
        if proc.returncode != 0 or not result.exists():
            sys.exit(f"profiling run failed ({mode}):\n{(proc.stdout + proc.stderr)[-3000:]}")
        data: dict[str, object] = json.loads(result.read_text())
        return data
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def child(mode: str, result: Path, mypy_args: list[str]) -> None:
    """Run mypy in this process and write what was measured to ``result``."""
    from mypy import api

    profiler = cProfile.Profile() if mode == "cprofile" else None
    start, cpu = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    stdout, stderr, status = api.run(mypy_args)
    if profiler is not None:
        profiler.disable()
    data: dict[str, object] = {
        "wall": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "status": status,
        "last_line": stdout.strip().splitlines()[-1] if stdout.strip() else stderr[-500:],
    }
    if status not in (0, 1):
        sys.exit(f"mypy failed ({status}):\n{stdout[-2000:]}\n{stderr[-2000:]}")
    if profiler is not None:
        data.update(plugin_functions(profiler))
    else:
        import plugin_ablation

        data["calls"] = dict(plugin_ablation.CALLS)
        data["hooks_returned"] = dict(plugin_ablation.HOOKS_RETURNED)
    result.write_text(json.dumps(data))


def plugin_functions(profiler: cProfile.Profile) -> dict[str, object]:
    """The profile of the functions defined in the plugin's package, and their total."""
    import mypy_dangling

    package = str(Path(mypy_dangling.__file__).resolve().parent) + os.sep
    stats = pstats.Stats(profiler)
    functions = []
    entered = 0.0  # time spent below calls that come from outside the plugin
    for (filename, line, name), value in stats.stats.items():  # type: ignore[attr-defined]
        _, calls, own, cumulative, callers = value
        if not filename.startswith(package):
            continue
        where = f"{filename.removeprefix(package)}:{line}({name})"
        functions.append({"function": where, "calls": calls, "own": own, "cum": cumulative})
        for (caller_file, _, _), caller_value in callers.items():
            if not caller_file.startswith(package):
                entered += caller_value[3]
    total = sum(stat[3] for stat in stats.stats.values())  # type: ignore[attr-defined]
    return {"functions": functions, "plugin_total": entered, "profiled_total": total}


def report(
    base: Codebase, options: str, counts: dict[str, object], prof: dict[str, object], top: int
) -> None:
    print(f"\n## {base.name} {base.version}, options: {options}\n")
    print(f"run without a profiler (counts): {counts['cpu']:.2f} s CPU; {counts['last_line']}")
    calls = counts["calls"]
    returned = counts["hooks_returned"]
    assert isinstance(calls, dict) and isinstance(returned, dict)
    print("\n| what | calls | hooks returned | s | us/call |")
    print("|---|---|---|---|---|")
    ours = 0.0
    for kind, (number, nanoseconds) in sorted(calls.items(), key=lambda item: -item[1][1]):
        ours += nanoseconds / 1e9
        hooks = (
            returned.get(kind.removeprefix("lookup: "), "") if kind.startswith("lookup") else ""
        )
        print(
            f"| {kind} | {number:,} | {hooks if hooks == '' else f'{hooks:,}'} "
            f"| {nanoseconds / 1e9:.3f} | {nanoseconds / 1e3 / max(number, 1):.2f} |"
        )
    print(f"| total in the plugin | | | {ours:.3f} | |")

    functions = prof["functions"]
    assert isinstance(functions, list)
    plugin_total = prof["plugin_total"]
    assert isinstance(plugin_total, float)
    print(
        f"\ncProfile: {prof['cpu']:.2f} s CPU profiled, {plugin_total:.2f} s inside the plugin "
        "(cumulative time of the calls mypy makes into it)"
    )
    by_module: dict[str, list[float]] = {}
    for entry in functions:
        module = entry["function"].split(":")[0]
        totals = by_module.setdefault(module, [0, 0.0])
        totals[0] += entry["calls"]
        totals[1] += entry["own"]
    print("\n| module | calls | own s | share of the plugin |")
    print("|---|---|---|---|")
    for module, (number, own) in sorted(by_module.items(), key=lambda item: -item[1][1]):
        share = 100 * own / plugin_total if plugin_total else 0.0
        print(f"| {module} | {int(number):,} | {own:.3f} | {share:.1f} % |")
    print(f"\n| function (top {top} by cumulative) | calls | own s | cumulative s |")
    print("|---|---|---|---|")
    for entry in sorted(functions, key=lambda e: -e["cum"])[:top]:
        name, number, own, cumulative = (
            entry["function"],
            entry["calls"],
            entry["own"],
            entry["cum"],
        )
        print(f"| {name} | {number:,} | {own:.3f} | {cumulative:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=sys.executable, help="the interpreter to measure")
    parser.add_argument("--only", choices=[c.name for c in CODEBASES], action="append")
    parser.add_argument("--options", choices=list(OPTION_SETS), action="append")
    parser.add_argument("--top", type=int, default=25, help="functions to list")
    parser.add_argument("--child", choices=["counts", "cprofile"], help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("mypy_args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.result, args.mypy_args)
        return
    for base in CODEBASES:
        if args.only and base.name not in args.only:
            continue
        try:
            src = fetch(base.package, base.version)
        except FetchError as exc:
            print(f"{base.name}: skipped: {exc}")
            continue
        for options in args.options or ["untyped"]:
            counts = run_child(args.python, base, src, options, "counts")
            prof = run_child(args.python, base, src, options, "cprofile")
            report(base, options, counts, prof, args.top)


if __name__ == "__main__":
    main()
