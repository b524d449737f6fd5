"""The ``[mypy_dangling]`` section: values, and a clear error for every bad one."""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

from mypy_dangling.config import ConfigError, DanglingConfig, read_config


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_no_file_or_section_gives_defaults(tmp_path: Path) -> None:
    assert read_config(None) == DanglingConfig()
    assert read_config(write(tmp_path, "mypy.ini", "[mypy]\n")) == DanglingConfig()
    assert read_config(write(tmp_path, "pyproject.toml", "[tool.mypy]\n")) == DanglingConfig()


def test_ini_values(tmp_path: Path) -> None:
    config = read_config(
        write(
            tmp_path,
            "setup.cfg",
            "[mypy_dangling]\nowners = a.B.spawn,\n  c.fire\ninfer_owners = no\n"
            "report_futures = False\n",
        )
    )
    assert config == DanglingConfig(("a.B.spawn", "c.fire"), False, False)


def test_toml_values(tmp_path: Path) -> None:
    config = read_config(
        write(
            tmp_path,
            "pyproject.toml",
            '[tool.mypy_dangling]\nowners = ["a.B.spawn"]\ninfer_owners = false\n',
        )
    )
    assert config == DanglingConfig(("a.B.spawn",), False, True)


def test_respect_noqa_value(tmp_path: Path) -> None:
    assert read_config(write(tmp_path, "mypy.ini", "[mypy_dangling]\n")).respect_noqa
    config = read_config(write(tmp_path, "mypy.ini", "[mypy_dangling]\nrespect_noqa = off\n"))
    assert config == DanglingConfig(respect_noqa=False)
    toml = write(tmp_path, "pyproject.toml", "[tool.mypy_dangling]\nrespect_noqa = false\n")
    assert read_config(toml) == DanglingConfig(respect_noqa=False)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "mypy.ini",
            "[mypy_dangling]\nreport_futures = maybe\n",
            "[mypy_dangling]: report_futures: expected a boolean (true or false), got 'maybe'",
        ),
        (
            "mypy.ini",
            "[mypy_dangling]\ninfer_owner = true\n",
            "[mypy_dangling]: unrecognized option 'infer_owner' (expected one of: owners, "
            "infer_owners, report_futures, respect_noqa)",
        ),
        (
            "mypy.ini",
            "[mypy_dangling]\nrespect_noqa = sometimes\n",
            "[mypy_dangling]: respect_noqa: expected a boolean (true or false), got 'sometimes'",
        ),
        (
            "pyproject.toml",
            "[tool.mypy_dangling]\nrespect_noqa = 0\n",
            "[tool.mypy_dangling]: respect_noqa: expected a boolean (true or false), got 0",
        ),
        (
            "mypy.ini",
            "[mypy_dangling]\nowners = pkg.mod.Class.method, not a name\n",
            "[mypy_dangling]: owners: expected fully qualified names such as "
            '"pkg.mod.Class.method", got "not a name"',
        ),
        (
            "pyproject.toml",
            "[tool.mypy_dangling]\nowners = 3\n",
            "[tool.mypy_dangling]: owners: expected a list of fully qualified names, got 3",
        ),
        (
            "pyproject.toml",
            '[tool.mypy_dangling]\ninfer_owners = "yes"\n',
            "[tool.mypy_dangling]: infer_owners: expected a boolean (true or false), got 'yes'",
        ),
        (
            "pyproject.toml",
            "[tool]\nmypy_dangling = 1\n",
            "[tool.mypy_dangling]: expected a table",
        ),
    ],
)
def test_bad_values_are_named(tmp_path: Path, name: str, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        read_config(write(tmp_path, name, text))
    assert str(excinfo.value) == expected


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("mypy.ini", "[mypy]\nplugins = mypy_dangling\n[mypy_dangling]\nreport_futures = maybe\n"),
        (
            "pyproject.toml",
            '[tool.mypy]\nplugins = ["mypy_dangling"]\n[tool.mypy_dangling]\nowners = 3\n',
        ),
    ],
)
def test_bad_config_is_a_mypy_error_without_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, name, text)
    write(tmp_path, "a.py", "x = 1\n")
    out, err, status = api.run(["--config-file", name, "--no-incremental", "a.py"])
    assert status == 2
    assert "Traceback" not in out + err
    assert f"{name}: error: [" in err
    option = "report_futures" if name == "mypy.ini" else "owners"
    assert f"{option}: expected" in err


def test_report_config_data_has_config_and_version(tmp_path: Path) -> None:
    from mypy.options import Options
    from mypy.plugin import ReportConfigContext

    from mypy_dangling.main import DanglingPlugin
    from mypy_dangling.version import __version__

    def data(section: str) -> object:
        options = Options()
        options.config_file = write(tmp_path, "mypy.ini", section)
        plugin = DanglingPlugin(options)
        return plugin.report_config_data(ReportConfigContext("m", "m.py", False))

    owners = data("[mypy_dangling]\nowners = a.b\n")
    assert isinstance(owners, str) and owners.startswith(f"{__version__}:")
    assert owners == data("[mypy_dangling]\nowners = a.b\n")
    assert owners != data("[mypy_dangling]\nowners = a.c\n")
    assert owners != data("[mypy_dangling]\nowners = a.b\nreport_futures = false\n")
    assert owners != data("[mypy_dangling]\nowners = a.b\ninfer_owners = false\n")
    assert owners != data("[mypy_dangling]\nowners = a.b\nrespect_noqa = false\n")


def test_configured_owner_that_names_nothing_is_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path,
        "mypy.ini",
        "[mypy]\nplugins = mypy_dangling\n[mypy_dangling]\n"
        "owners = m.Registry.spwan, m.Registry.spawn\n",
    )
    write(tmp_path, "m.py", "class Registry:\n    def spawn(self) -> None: ...\n")
    out, err, status = api.run(["--cache-dir", str(tmp_path / "cache"), "m.py"])
    assert status == 0, out + err
    warnings = capsys.readouterr().err.splitlines()
    assert warnings == [
        'mypy.ini: warning: [mypy_dangling]: owners: "m.Registry.spwan" names nothing: '
        'it is not defined in module "m"'
    ]
