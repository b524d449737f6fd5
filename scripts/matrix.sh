#!/usr/bin/env bash
# Compatibility matrix: the test suite on every supported Python x the lowest and newest mypy.
#
#   scripts/matrix.sh                      # Pythons 3.10-3.13 x mypy 1.16.0, 2.4.1
#   scripts/matrix.sh 1.17.0 2.4.1         # other mypy versions
#   MATRIX_PYTHONS="3.12 3.13" scripts/matrix.sh
#
# For each combination it makes a venv under the cache ($MYPY_DANGLING_CACHE, default
# ~/.cache/mypy-dangling, in matrix/), installs that mypy, pytest and this checkout
# (editable, --no-deps so that a mypy below the declared floor can be tried too), runs
# `pytest -q` (the default selection: no slow tests), and prints a results table at the end.
# Logs: matrix/<combination>.log.  Exit status: 0 when every combination passed.
set -uo pipefail
cd "$(dirname "$0")/.."

CACHE="${MYPY_DANGLING_CACHE:-$HOME/.cache/mypy-dangling}/matrix"
PYTHONS="${MATRIX_PYTHONS:-3.10 3.11 3.12 3.13}"
if [ "$#" -gt 0 ]; then MYPYS="$*"; else MYPYS="1.16.0 2.4.1"; fi
mkdir -p "$CACHE"

find_python() {
    # pyenv's builds first (the newest patch release of that minor version), then PATH.
    local found
    found=$(ls -d "$HOME"/.pyenv/versions/"$1".*/bin/python 2>/dev/null | sort -V | tail -1)
    if [ -n "$found" ]; then echo "$found"; else command -v "python$1"; fi
}

results=()
status=0
for py in $PYTHONS; do
    python=$(find_python "$py")
    for mypy_version in $MYPYS; do
        name="py$py-mypy$mypy_version"
        venv="$CACHE/$name"
        log="$CACHE/$name.log"
        if [ -z "$python" ]; then
            results+=("$py|$mypy_version|-|SKIP|no python$py found")
            continue
        fi
        echo "== $name ($python)"
        {
            rm -rf "$venv" &&
                "$python" -m venv "$venv" &&
                "$venv/bin/python" -m pip install -q --disable-pip-version-check \
                    "mypy==$mypy_version" "pytest>=7" "mypy-extensions>=1.0" &&
                "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e .
        } >"$log" 2>&1
        if [ $? -ne 0 ]; then
            results+=("$py|$mypy_version|-|SETUP FAILED|see $log")
            status=1
            continue
        fi
        full=$("$venv/bin/python" -c 'import platform; print(platform.python_version())')
        start=$(date +%s)
        "$venv/bin/python" -m pytest -q -p no:cacheprovider >>"$log" 2>&1
        rc=$?
        secs=$(($(date +%s) - start))
        summary=$(grep -E '^[0-9]+ (passed|failed)|^(FAILED|ERROR)? ?=*.*(passed|failed|error)' "$log" |
            tail -1 | tr -d '=' | sed 's/^ *//; s/ *$//')
        if [ $rc -eq 0 ]; then verdict=PASS; else verdict="FAIL (exit $rc)"; status=1; fi
        results+=("$full|$mypy_version|${secs}s|$verdict|$summary")
    done
done

echo
echo "| Python | mypy | time | result | pytest |"
echo "|---|---|---|---|---|"
for row in "${results[@]}"; do
    IFS='|' read -r a b c d e <<<"$row"
    echo "| $a | $b | $c | $d | $e |"
done
exit $status
