"""The ``[mypy_dangling]`` config section: reading, validation and error messages.

The section lives in the file mypy itself reads (``options.config_file``, which also
honours ``--config-file``): ``[mypy_dangling]`` in ``mypy.ini``/``setup.cfg``/``.mypy.ini``,
``[tool.mypy_dangling]`` in ``pyproject.toml``.  (``[mypy-dangling]`` would be a per-module
section to mypy, hence the underscore.)

A bad value is reported the way mypy reports a bad option: the file, the section, the
option and what was expected, as a blocking error without a traceback.
"""

from __future__ import annotations

import configparser
import sys
from typing import Any, Final

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - mypy depends on tomli there
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

from mypy.errors import Errors
from mypy.options import Options

INI_SECTION: Final = "mypy_dangling"
TOML_SECTION: Final = "tool.mypy_dangling"


class ConfigError(Exception):
    """A bad ``[mypy_dangling]`` section; the message names the file and option."""


#: The settings, in the order ``repr`` shows them.
FIELDS: Final = ("infer_owners", "owners", "report_futures", "respect_noqa")


class DanglingConfig:
    """The plugin's settings; defaults apply when the file has no section.

    A plain class, not a NamedTuple: creating a NamedTuple class costs 0.7 M instructions
    at import, which every mypy run would pay (see ``docs/benchmarks.md``).
    """

    __slots__ = FIELDS

    def __init__(
        self,
        owners: tuple[str, ...] = (),
        infer_owners: bool = True,
        report_futures: bool = True,
        respect_noqa: bool = True,
    ) -> None:
        self.owners: Final = owners
        self.infer_owners: Final = infer_owners
        self.report_futures: Final = report_futures
        #: Lines that carry ruff's ``noqa`` comment for RUF006 (or a bare one) are
        #: triaged: see ``noqa.py``.
        self.respect_noqa: Final = respect_noqa

    def _fields(self) -> dict[str, Any]:
        """The settings by name, in :data:`FIELDS` order."""
        return {name: getattr(self, name) for name in FIELDS}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DanglingConfig) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(tuple(self._fields().values()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{key}={value!r}" for key, value in self._fields().items())
        return f"DanglingConfig({fields})"

    def replace(self, **changes: Any) -> DanglingConfig:
        """The same settings but ``changes`` (the command's overrides)."""
        return DanglingConfig(**{**self._fields(), **changes})

    def to_data(self) -> dict[str, Any]:
        """What goes into mypy's cache key (``report_config_data``)."""
        return {**self._fields(), "owners": list(self.owners)}


def _bool_from_ini(value: str) -> bool | None:
    return configparser.ConfigParser.BOOLEAN_STATES.get(value.strip().lower())


def _parse_names(where: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        items = [item.strip() for item in value.replace("\n", ",").split(",")]
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        items = [item.strip() for item in value]
    else:
        raise ConfigError(
            f"{where}owners: expected a list of fully qualified names, got {value!r}"
        )
    names = tuple(item for item in items if item)
    for name in names:
        parts = name.split(".")
        if not all(part.isidentifier() for part in parts):
            raise ConfigError(
                f"{where}owners: expected fully qualified names such as "
                f'"pkg.mod.Class.method", got "{name}"'
            )
    return names


def _from_mapping(where: str, values: dict[str, Any], *, ini: bool) -> DanglingConfig:
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        if key == "owners":
            kwargs[key] = _parse_names(where, value)
        elif key in ("infer_owners", "report_futures", "respect_noqa"):
            flag = _bool_from_ini(value) if ini and isinstance(value, str) else value
            if not isinstance(flag, bool):
                raise ConfigError(
                    f"{where}{key}: expected a boolean (true or false), got {value!r}"
                )
            kwargs[key] = flag
        else:
            raise ConfigError(
                f"{where}unrecognized option {key!r} "
                "(expected one of: owners, infer_owners, report_futures, respect_noqa)"
            )
    return DanglingConfig(**kwargs)


def read_config(config_file: str | None) -> DanglingConfig:
    """Read the plugin's section from mypy's config file (defaults if there is none)."""
    if not config_file:
        return DanglingConfig()
    try:
        if config_file.endswith(".toml"):
            with open(config_file, "rb") as f:
                data = tomllib.load(f)
            section = data.get("tool", {}).get("mypy_dangling")
            if section is None:
                return DanglingConfig()
            where = f"[{TOML_SECTION}]: "
            if not isinstance(section, dict):
                raise ConfigError(f"[{TOML_SECTION}]: expected a table")
            return _from_mapping(where, section, ini=False)
        parser = configparser.RawConfigParser()
        parser.read(config_file, encoding="utf-8")
        if not parser.has_section(INI_SECTION):
            return DanglingConfig()
        return _from_mapping(f"[{INI_SECTION}]: ", dict(parser.items(INI_SECTION)), ini=True)
    except (OSError, configparser.Error, tomllib.TOMLDecodeError):
        # mypy reports unreadable or malformed files itself; fall back to the defaults.
        return DanglingConfig()


def load_config(options: Options) -> DanglingConfig:
    """Read the config, turning a bad section into a blocking mypy error (no traceback)."""
    try:
        return read_config(options.config_file)
    except ConfigError as exc:
        errors = Errors(options)
        errors.set_file(options.config_file or "mypy.ini", None, options)
        errors.report(-1, -1, str(exc), blocker=True)
        errors.raise_error(use_stdout=False)
