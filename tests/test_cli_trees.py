"""``mypy-dangling`` at the root of any repository: bad files, clashing names, plugins.

Each test writes a small tree (in ``tmp_path``, with the warm cache of test_cli.py) that
mypy alone stops at, and checks that the other files' findings are still reported, that
the bad file is reported as skipped in every format, and the exit status.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mypy.version import __version__ as mypy_version
from test_cli import CLEAN, DANGLING, TASKS, project, run, warm_cache, write

from mypy_dangling.command import builds, cli
from mypy_dangling.command.builds import EXTRA_BUILD_DIR
from mypy_dangling.command.sources import DEFAULT_EXCLUDES, split_builds

__all__ = ["project", "warm_cache"]  # fixtures, shared with test_cli.py

MYPY_2 = int(mypy_version.split(".")[0]) >= 2
SYNTAX_ERROR = "x = 1\ndef f(:\n    pass\n"
PYTHON_2 = 'print "hello"\n'


def findings(out: str) -> list[tuple[str, int, str]]:
    return [(f["file"], f["line"], f["code"]) for f in json.loads(out) if f["code"] != "skipped"]


def skipped(out: str) -> list[dict[str, Any]]:
    return [f for f in json.loads(out) if f["code"] == "skipped"]


def json_run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    return run(capsys, "--format", "json", *args)


# --- one bad file costs one file ------------------------------------------------------


def test_syntax_error(capsys: pytest.CaptureFixture[str]) -> None:
    write("main.py", TASKS)
    write("broken.py", SYNTAX_ERROR)
    status, out, err = run(capsys)
    assert status == 1
    assert f"main.py:6:5: error: Task returned by {DANGLING}" in out
    assert out.endswith("Found 2 findings in 1 file (checked 1 source file, 1 file skipped)\n")
    assert err.startswith("broken.py:2:")
    assert "warning: File not checked:" in err
    assert "[syntax]" in err


def test_python_2_file(capsys: pytest.CaptureFixture[str]) -> None:
    write("main.py", TASKS)
    write("scripts/legacy.py", PYTHON_2)
    status, out, _ = json_run(capsys)
    assert status == 1
    assert findings(out) == [("main.py", 6, "dangling-task"), ("main.py", 7, "unused-task")]
    (entry,) = skipped(out)
    assert (entry["file"], entry["line"], entry["severity"]) == ("scripts/legacy.py", 1, "warning")
    assert entry["message"].startswith("File not checked: ")


def test_file_that_is_not_utf8(capsys: pytest.CaptureFixture[str]) -> None:
    write("main.py", TASKS)
    Path("latin1.py").write_bytes(b'name = "Caf\xe9"\n')
    status, out, _ = json_run(capsys)
    assert status == 1
    assert len(findings(out)) == 2
    (entry,) = skipped(out)
    assert (entry["file"], entry["line"]) == ("latin1.py", 0)
    assert "Cannot decode file" in entry["message"]


def test_many_bad_files_and_an_imported_one(capsys: pytest.CaptureFixture[str]) -> None:
    """All bad files are found in one pass; a file importing a bad one is still checked."""
    write("app.py", "import helpers\n" + TASKS)
    write("helpers.py", SYNTAX_ERROR)
    for name in ("a", "b", "c"):
        write(f"old/{name}.py", PYTHON_2)
    Path("old/d.py").write_bytes(b"\xff\xfe\n")
    status, out, _ = json_run(capsys)
    assert status == 1
    assert findings(out) == [("app.py", 7, "dangling-task"), ("app.py", 8, "unused-task")]
    assert [entry["file"] for entry in skipped(out)] == [
        "helpers.py",
        "old/a.py",
        "old/b.py",
        "old/c.py",
        "old/d.py",
    ]


def test_other_blocking_errors_cost_their_file(capsys: pytest.CaptureFixture[str]) -> None:
    """Errors mypy stops at after parsing (semantic analysis), one build each."""
    write("main.py", TASKS)
    for name in ("a", "b", "c", "d"):
        write(f"bad_{name}.py", "x = 1\nbreak\n")
    write("gen.py", "yield 1\n")
    status, out, _ = json_run(capsys)
    assert status == 1
    assert len(findings(out)) == 2
    assert [(entry["file"], entry["line"]) for entry in skipped(out)] == [
        ("bad_a.py", 2),
        ("bad_b.py", 2),
        ("bad_c.py", 2),
        ("bad_d.py", 2),
        ("gen.py", 1),
    ]
    assert '"break" outside loop' in skipped(out)[0]["message"]


def test_clean_run_with_skipped_files_exits_0_unless_strict_skips(
    capsys: pytest.CaptureFixture[str],
) -> None:
    write("main.py", CLEAN)
    write("broken.py", SYNTAX_ERROR)
    status, out, _ = run(capsys)
    assert (status, out) == (0, "Success: no findings in 1 source file, 1 file skipped\n")
    assert run(capsys, "--strict-skips")[0] == 1


def test_only_skipped_files_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    write("broken.py", SYNTAX_ERROR)
    write("legacy.py", PYTHON_2)
    status, out, err = json_run(capsys)
    assert status == 2
    assert [entry["file"] for entry in skipped(out)] == ["broken.py", "legacy.py"]
    assert "nothing could be checked" in err
    status, out, _ = run(capsys)
    assert (status, out) == (2, "Nothing checked, 2 files skipped\n")


def test_empty_tree_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    write("README.md", "# nothing to check\n")
    status, out, err = run(capsys)
    assert (status, out) == (2, "")
    assert "no Python files found in ." in err


def test_relative_imports_in_a_directory_without_init(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``tests/`` without ``__init__.py`` whose files import each other relatively."""
    write("tests/helpers.py", "async def work() -> None: ...\n")
    write(
        "tests/test_a.py",
        "import asyncio\nfrom .helpers import work\n\n"
        "async def main() -> None:\n    asyncio.create_task(work())\n",
    )
    status, out, _ = json_run(capsys)
    assert status == 1
    assert findings(out) == [("tests/test_a.py", 5, "dangling-task")]
    assert skipped(out) == []


def test_package_directory_with_an_invalid_name(capsys: pytest.CaptureFixture[str]) -> None:
    write("main.py", TASKS)
    write("my-plugin/__init__.py", "")
    write("my-plugin/hooks.py", CLEAN)
    status, out, _ = json_run(capsys)
    assert status == 1
    assert len(findings(out)) == 2
    assert {entry["file"] for entry in skipped(out)} == {
        "my-plugin/__init__.py",
        "my-plugin/hooks.py",
    }


# --- every file is checked, whatever the layout ---------------------------------------


def test_same_module_name_in_two_directories(capsys: pytest.CaptureFixture[str]) -> None:
    write("scripts/utils.py", TASKS)
    write("scripts/deploy.py", "import utils\n")
    write(
        "tools/utils.py",
        "import asyncio\n\nasync def work() -> None: ...\n\n"
        "def spawn() -> asyncio.Task[None]:\n    return asyncio.create_task(work())\n",
    )
    # Resolves to tools/utils.py, its own root's (scripts/utils.py has no "spawn").
    write("tools/run.py", "from utils import spawn\n\nasync def go() -> None:\n    spawn()\n")
    status, out, _ = json_run(capsys)
    assert status == 1
    assert findings(out) == [
        ("scripts/utils.py", 6, "dangling-task"),
        ("scripts/utils.py", 7, "unused-task"),
        ("tools/run.py", 4, "dangling-task"),
    ]
    assert skipped(out) == []
    assert run(capsys)[1].endswith("(checked 4 source files)\n")


def test_conftests_and_examples_without_init(capsys: pytest.CaptureFixture[str]) -> None:
    for directory in ("tests", "tests/unit", "tests/functional"):
        write(f"{directory}/conftest.py", TASKS)
    write("examples/a/main.py", TASKS)
    write("examples/b/main.py", CLEAN)
    status, out, err = json_run(capsys)
    assert status == 1
    assert sorted({file for file, _, _ in findings(out)}) == [
        "examples/a/main.py",
        "tests/conftest.py",
        "tests/functional/conftest.py",
        "tests/unit/conftest.py",
    ]
    assert len(findings(out)) == 8
    assert skipped(out) == []
    assert err == ""
    status, out, _ = run(capsys)
    assert out.endswith("(checked 5 source files)\n")


def test_source_file_found_twice_under_different_names(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``tests/helpers.py`` is ``helpers`` as a file, ``tests.helpers`` as an import.

    The missing imports are errors mypy reports together with the blocking one: they
    must not be taken for it (regression: autobahn's tests were skipped for them).
    """
    write("tests/helpers.py", "import not_installed_anywhere\n" + TASKS)
    write(
        "tests/test_x.py",
        "import also_missing\nfrom tests.helpers import work\n" + CLEAN.replace("work", "w"),
    )
    write("tests/test_y.py", "import yet_another_missing\n" + CLEAN)
    status, out, _ = json_run(capsys)
    assert status == 1
    assert findings(out) == [
        ("tests/helpers.py", 7, "dangling-task"),
        ("tests/helpers.py", 8, "unused-task"),
    ]
    assert skipped(out) == []


def test_module_beside_its_stub_is_checked_too(capsys: pytest.CaptureFixture[str]) -> None:
    write("fast.pyi", "async def work() -> None: ...\n")
    write("fast.py", TASKS)
    status, out, _ = json_run(capsys)
    assert status == 1
    assert findings(out) == [("fast.py", 6, "dangling-task"), ("fast.py", 7, "unused-task")]


def test_a_tree_mypy_accepts_is_one_build() -> None:
    write("pkg/__init__.py", "")
    write("pkg/a.py", CLEAN)
    write("tests/test_a.py", CLEAN)
    fscache = cli.FileSystemCache()
    args = cli.build_parser().parse_args([])
    sources, _, _ = cli.collect_sources(args, [], fscache)
    assert [len(build) for build in split_builds(sources)] == [3]


def test_warm_run_with_two_builds_uses_the_cache(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write("scripts/utils.py", TASKS)
    write("tools/utils.py", TASKS)
    cold = json_run(capsys)
    cache = Path(cli.cache_dir_for(str(tmp_path / "cache"), str(Path.cwd())))
    assert (cache / EXTRA_BUILD_DIR.format(1)).is_dir()
    checked: list[int] = []
    real_build = cli.Builds._done

    def count(self: Any, sources: Any, messages: Any, result: Any, plugin: Any) -> None:
        checked.append(sum(1 for state in result.graph.values() if not state.is_fresh()))
        real_build(self, sources, messages, result, plugin)

    monkeypatch.setattr(cli.Builds, "_done", count)
    assert json_run(capsys) == cold
    # Nothing rechecked in either build (mypy 1.x always rechecks a module with errors).
    assert checked == ([0, 0] if MYPY_2 else [1, 1])


def test_warm_run_remembers_unparsable_files(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write("main.py", TASKS)
    write("broken.py", SYNTAX_ERROR)
    cold = json_run(capsys)

    def parse_everything(*args: object) -> object:
        raise AssertionError("a warm run parsed every file again")

    monkeypatch.setattr(builds, "parse_problems", parse_everything)
    assert json_run(capsys) == cold
    write("broken.py", TASKS)  # fixed: checked again
    status, out, _ = json_run(capsys)
    assert status == 1
    assert skipped(out) == []
    assert {file for file, _, _ in findings(out)} == {"broken.py", "main.py"}


# --- defaults like ruff's -------------------------------------------------------------


def test_no_paths_checks_the_working_directory_as_ruff_does(
    capsys: pytest.CaptureFixture[str],
) -> None:
    write("app/main.py", TASKS)
    write(".github/scripts/release.py", TASKS)  # hidden, but not excluded: ruff checks it
    for excluded in (".venv/lib", "venv", "build/lib", "dist", "node_modules/x", ".tox/py"):
        write(f"{excluded}/ignored.py", TASKS)
    write(".git/hooks/ignored.py", SYNTAX_ERROR)
    status, out, _ = json_run(capsys)
    assert status == 1
    assert sorted({file for file, _, _ in findings(out)}) == [
        ".github/scripts/release.py",
        "app/main.py",
    ]


def test_show_files_lists_what_would_be_checked(capsys: pytest.CaptureFixture[str]) -> None:
    write("app/main.py", CLEAN)
    write("broken.py", SYNTAX_ERROR)  # listed: only mypy finds out that it does not parse
    write(".venv/lib/x.py", CLEAN)
    assert run(capsys, "--show-files") == (0, "app/main.py\nbroken.py\n", "")


def test_default_excludes_are_ruffs() -> None:
    for name in (".git", ".venv", "venv", ".tox", ".nox", "build", "dist", "node_modules"):
        assert name in DEFAULT_EXCLUDES
    assert {"site-packages", "__pypackages__", ".mypy_cache", "_build", "buck-out"}.issubset(
        DEFAULT_EXCLUDES
    )


def test_exclude_option_and_mypy_exclude(capsys: pytest.CaptureFixture[str]) -> None:
    write("mypy.ini", "[mypy]\nexclude = ^generated/\n")
    write("app.py", TASKS)
    write("generated/api.py", TASKS)
    write("vendor/lib.py", TASKS)
    write("docs/conf.py", TASKS)
    status, out, _ = json_run(capsys, "--exclude", "^vendor/", "--exclude", "conf\\.py$")
    assert status == 1
    assert {file for file, _, _ in findings(out)} == {"app.py"}


def test_mypy_packages_still_choose_the_sources(capsys: pytest.CaptureFixture[str]) -> None:
    write("pkg/__init__.py", "")
    write("pkg/jobs.py", TASKS)
    write("other.py", TASKS)
    out = json_run(capsys, "--", "-p", "pkg")[1]
    assert {file for file, _, _ in findings(out)} == {"pkg/jobs.py"}
    write("mypy.ini", "[mypy]\npackages = pkg\n")
    assert {file for file, _, _ in findings(json_run(capsys)[1])} == {"pkg/jobs.py"}
    assert {file for file, _, _ in findings(json_run(capsys, "other.py")[1])} == {"other.py"}


def test_gitignored_files_are_not_searched(capsys: pytest.CaptureFixture[str]) -> None:
    write(".gitignore", "generated/\n*_pb2.py\n/local-env/\n")
    write("app.py", TASKS)
    write("generated/api.py", SYNTAX_ERROR)
    write("proto/service_pb2.py", TASKS)
    write("local-env/lib/tool.py", TASKS)
    assert run(capsys, "--show-files") == (0, "app.py\n", "")
    everything = run(capsys, "--show-files", "--no-respect-gitignore")[1].splitlines()
    assert everything == [
        "app.py",
        "generated/api.py",
        "local-env/lib/tool.py",
        "proto/service_pb2.py",
    ]
    assert {file for file, _, _ in findings(json_run(capsys)[1])} == {"app.py"}


def test_explicit_path_is_checked_even_if_excluded(capsys: pytest.CaptureFixture[str]) -> None:
    write("build/gen.py", TASKS)
    assert {file for file, _, _ in findings(json_run(capsys, "build/gen.py")[1])} == {
        "build/gen.py"
    }


# --- other plugins are optional -------------------------------------------------------


def test_missing_plugin_is_skipped_with_a_warning(capsys: pytest.CaptureFixture[str]) -> None:
    write(
        "pyproject.toml",
        '[tool.mypy]\nplugins = ["pydantic_not_here.mypy", "mypy_dangling"]\n',
    )
    write("main.py", TASKS)
    status, out, err = json_run(capsys)
    assert status == 1
    assert len(findings(out)) == 2
    (warning,) = err.splitlines()
    assert warning.startswith('mypy-dangling: warning: plugin "pydantic_not_here.mypy"')
    assert "pyproject.toml" in warning
    assert "install it beside mypy-dangling" in warning
    assert "additional_dependencies" in warning


def test_missing_plugin_file_is_skipped(capsys: pytest.CaptureFixture[str]) -> None:
    write("mypy.ini", "[mypy]\nplugins = tools/mypy_plugin.py\n")
    write("main.py", TASKS)
    status, _, err = run(capsys)
    assert status == 1
    assert 'plugin "tools/mypy_plugin.py"' in err


def test_plugin_that_imports_is_used(capsys: pytest.CaptureFixture[str]) -> None:
    write("mypy.ini", "[mypy]\nplugins = tools/local_plugin.py\n")
    write(
        "tools/local_plugin.py",
        """\
        from pathlib import Path
        from mypy.plugin import Plugin

        def plugin(version):
            Path("plugin-was-loaded").touch()
            return Plugin
        """,
    )
    write("main.py", TASKS)
    status, out, err = json_run(capsys, "main.py")
    assert (status, err) == (1, "")
    assert len(findings(out)) == 2
    assert Path("plugin-was-loaded").exists()


# --- ruff's triage --------------------------------------------------------------------

NOQA = """\
import asyncio

async def work() -> None: ...

async def main() -> None:
    asyncio.create_task(work())  # noqa: RUF006
    asyncio.create_task(work())  # noqa: E501,RUF006
    asyncio.create_task(work())  # noqa
    asyncio.create_task(work())  # noqa: E501
    job = asyncio.create_task(work())  # noqa: RUF006
    other = asyncio.create_task(work())  # noqa
"""


def test_noqa_lines_are_triaged(capsys: pytest.CaptureFixture[str]) -> None:
    write("main.py", NOQA)
    write("broken.py", SYNTAX_ERROR)
    status, out, _ = json_run(capsys)
    assert status == 1
    assert findings(out) == [("main.py", 9, "dangling-task"), ("main.py", 10, "unused-task")]


def test_ignore_noqa_reports_every_line(capsys: pytest.CaptureFixture[str]) -> None:
    write("main.py", NOQA)
    assert len(findings(json_run(capsys)[1])) == 2
    audit = findings(json_run(capsys, "--ignore-noqa")[1])
    assert [line for _, line, _ in audit] == [6, 7, 8, 9, 10, 11]
    assert len(findings(json_run(capsys)[1])) == 2  # the cache keeps the two apart


def test_respect_noqa_false_in_the_config(capsys: pytest.CaptureFixture[str]) -> None:
    write("mypy.ini", "[mypy]\n[mypy_dangling]\nrespect_noqa = false\n")
    write("main.py", NOQA)
    assert len(findings(json_run(capsys)[1])) == 6


# --- every format shows a skipped file ------------------------------------------------


def test_sarif_has_skipped_files_as_notifications(capsys: pytest.CaptureFixture[str]) -> None:
    write("main.py", TASKS)
    write("broken.py", SYNTAX_ERROR)
    status, out, _ = run(capsys, "--format", "sarif")
    assert status == 1
    sarif_run = json.loads(out)["runs"][0]
    assert len(sarif_run["results"]) == 2
    (invocation,) = sarif_run["invocations"]
    assert invocation["executionSuccessful"] is True
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["level"] == "warning"
    assert notification["message"]["text"].startswith("File not checked: ")
    location = notification["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "broken.py"
    assert location["region"]["startLine"] == 2


def test_github_has_skipped_files_as_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    write("main.py", TASKS)
    Path("latin1.py").write_bytes(b'name = "Caf\xe9"\n')
    status, out, _ = run(capsys, "--format", "github")
    assert status == 1
    lines = out.splitlines()
    assert [line.split(" ")[0] for line in lines] == ["::error", "::error", "::warning"]
    assert lines[2].startswith(
        "::warning file=latin1.py,title=mypy-dangling%3A file not checked::Cannot decode file"
    )


def test_baseline_ignores_skipped_files(capsys: pytest.CaptureFixture[str]) -> None:
    write("main.py", TASKS)
    write("broken.py", SYNTAX_ERROR)
    assert run(capsys, "--write-baseline", "baseline.json")[0] == 0
    entries = json.loads(Path("baseline.json").read_text())["findings"]
    assert {entry["file"] for entry in entries} == {"main.py"}
    status, out, _ = run(capsys, "--baseline", "baseline.json")
    assert status == 0
    assert (
        out
        == "Success: no findings in 1 source file, 2 in the baseline not shown, 1 file skipped\n"
    )
