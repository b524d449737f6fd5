"""Download pinned releases from PyPI into a cache directory and unpack them (stdlib only).

Third-party source is never committed: benchmarks and the real-world tests call
:func:`fetch` at run time.  The cache is ``$MYPY_DANGLING_CACHE`` or
``~/.cache/mypy-dangling``; a release is downloaded once (``pip download --no-deps``)
and unpacked once, so later runs work offline.

Wheels are preferred (``--only-binary :all:``): they hold the same ``.py`` files for every
platform, and unpacking one needs no build step.  ``--python-version`` asks for the wheel a
given Python would install, so a release that needs a newer Python than the one running
this script (Home Assistant) can still be fetched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

#: The Python version whose wheels are fetched, and that mypy checks the code for.
TARGET_PYTHON = "3.13.2"


class FetchError(RuntimeError):
    """The release could not be downloaded (no network, or no such release)."""


def cache_dir() -> Path:
    env = os.environ.get("MYPY_DANGLING_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "mypy-dangling"


def fetch(name: str, version: str, *, python_version: str = TARGET_PYTHON) -> Path:
    """The directory where ``name==version`` is unpacked (its top-level packages inside)."""
    root = cache_dir()
    dest = root / "src" / f"{name}-{version}"
    if (dest / ".complete").exists():
        return dest
    archive = _download(name, version, root / "downloads", python_version)
    tmp = dest.with_name(dest.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    _unpack(archive, tmp)
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)
    (dest / ".complete").write_text(archive.name + "\n")
    return dest


def _download(name: str, version: str, downloads: Path, python_version: str) -> Path:
    target = downloads / f"{name}-{version}"
    existing = _archives(target)
    if existing:
        return existing[0]
    target.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary",
        ":all:",
        "--python-version",
        python_version,
        "--disable-pip-version-check",
        "-q",
        "-d",
        str(target),
        f"{name}=={version}",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    found = _archives(target)
    if proc.returncode != 0 or not found:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-2:]
        raise FetchError(
            f"could not download {name}=={version} from PyPI (no network?): "
            + " | ".join(line[:200] for line in tail)
        )
    return found[0]


def _archives(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.name.endswith((".whl", ".tar.gz", ".zip")))


def _unpack(archive: Path, dest: Path) -> None:
    if archive.name.endswith((".whl", ".zip")):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(dest)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(dest, filter="data")


if __name__ == "__main__":
    for spec in sys.argv[1:]:
        pkg, _, ver = spec.partition("==")
        print(fetch(pkg, ver))
