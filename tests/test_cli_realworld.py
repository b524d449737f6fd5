"""``mypy-dangling .`` at the root of whole source trees: every file ruff parses is checked.

Slow (``pytest -m slow``): the sdists of pinned releases (tests, examples, docs and scripts
included) are downloaded at run time with ``pip download --no-binary :all:`` into
``$MYPY_DANGLING_CACHE/sdists`` (default ``~/.cache/mypy-dangling``) and unpacked there;
without network each test skips with a message.  No third-party source is committed.

Each tree is checked without its mypy config (``--config-file ""``, so that the project's
``exclude`` does not hide files) and with it (what its developers would get).  The files
``ruff check`` lists, minus those it cannot parse, must all be checked: listed by
``--show-files`` and not reported as skipped.  Numbers: docs/realworld.md.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Tree:
    name: str
    version: str


TREES = (
    Tree("aiohttp", "3.14.5"),
    Tree("aiortc", "1.16.0"),
    Tree("python-can", "4.6.1"),
    Tree("redis", "8.1.0"),
    Tree("zeroconf", "0.154.0"),
    Tree("aiocoap", "0.4.14"),
    Tree("sanic", "24.12.0"),
    Tree("uvloop", "0.21.0"),
    Tree("asyncssh", "2.21.0"),
    Tree("autobahn", "24.4.2"),
)


def cache_root() -> Path:
    env = os.environ.get("MYPY_DANGLING_CACHE")
    return (Path(env) if env else Path.home() / ".cache" / "mypy-dangling") / "sdists"


def unpacked(tree: Tree) -> Path:
    """The unpacked sdist (its single top-level directory), downloaded once."""
    root = cache_root()
    dest = root / "src" / f"{tree.name}-{tree.version}"
    if (dest / ".complete").exists():
        return next(p for p in dest.iterdir() if p.is_dir())
    downloads = root / "downloads" / f"{tree.name}-{tree.version}"
    downloads.mkdir(parents=True, exist_ok=True)
    archives = sorted(downloads.glob("*.tar.gz")) + sorted(downloads.glob("*.zip"))
    if not archives:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                "--disable-pip-version-check",
                "-q",
                "-d",
                str(downloads),
                f"{tree.name}=={tree.version}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        archives = sorted(downloads.glob("*.tar.gz")) + sorted(downloads.glob("*.zip"))
        if proc.returncode != 0 or not archives:
            tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-2:])
            pytest.skip(f"no network (or no such sdist) for {tree.name}=={tree.version}: {tail}")
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    if archives[0].name.endswith(".zip"):
        with zipfile.ZipFile(archives[0]) as zf:
            zf.extractall(dest)
    else:
        with tarfile.open(archives[0]) as tf:
            tf.extractall(dest, filter="data")
    (dest / ".complete").write_text(archives[0].name + "\n")
    return next(p for p in dest.iterdir() if p.is_dir())


def command(src: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    env["MYPY_CACHE_DIR"] = str(home / "cache")
    return subprocess.run(
        [sys.executable, "-m", "mypy_dangling", *args],
        cwd=src,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def ruff_files(src: Path) -> tuple[set[str], set[str]]:
    """The Python files ``ruff check .`` looks at (its defaults), and those it cannot parse."""
    ruff = shutil.which("ruff") or shutil.which("ruff", path=os.path.dirname(sys.executable))
    if ruff is None:
        pytest.skip("ruff is not installed")
    listed = subprocess.run(
        [ruff, "check", "--isolated", "--show-files", "."],
        cwd=src,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.splitlines()
    files = {
        os.path.relpath(line.strip(), src)
        for line in listed
        if line.strip().endswith((".py", ".pyi"))
    }
    report = subprocess.run(
        [ruff, "check", "--isolated", "--output-format", "json", "--exit-zero", "."],
        cwd=src,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    unparsable = {
        os.path.relpath(entry["filename"], src)
        for entry in json.loads(report or "[]")
        if entry.get("code") is None and entry["message"].startswith("SyntaxError")
    }
    return files, unparsable


@pytest.mark.parametrize("tree", TREES, ids=lambda t: t.name)
def test_every_file_ruff_parses_is_checked(tree: Tree, tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(unpacked(tree), src)
    files, unparsable = ruff_files(src)
    listed = command(src, tmp_path, "--config-file", "", "--show-files")
    assert listed.returncode == 0, listed.stderr
    cold = command(src, tmp_path, "--config-file", "", "--format", "json", ".")
    assert cold.returncode in (0, 1), cold.stderr[-3000:]
    assert "Traceback" not in cold.stderr
    entries = json.loads(cold.stdout)
    skipped = {entry["file"] for entry in entries if entry["code"] == "skipped"}
    checked = set(listed.stdout.splitlines()) - skipped
    missing = sorted(files - unparsable - checked)
    assert not missing, f"ruff parses these, mypy-dangling did not check them: {missing}"
    assert not any(entry["code"] == "dangling-internal" for entry in entries)
    warm = command(src, tmp_path, "--config-file", "", "--format", "json", ".")
    assert (warm.returncode, warm.stdout) == (cold.returncode, cold.stdout)


@pytest.mark.parametrize("tree", TREES, ids=lambda t: t.name)
def test_with_the_projects_own_config(tree: Tree, tmp_path: Path) -> None:
    """The tree's mypy config (plugins, exclude, strictness) never stops the run."""
    src = tmp_path / "src"
    shutil.copytree(unpacked(tree), src)
    result = command(src, tmp_path, "--format", "json")
    assert result.returncode in (0, 1), result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    json.loads(result.stdout)
