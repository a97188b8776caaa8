"""Every tunable rule is a field of a domain's `config.py` (LINLI_<DOMAIN>_*), and every such field has a
row in the README's configuration table with its default, so the table cannot drift from the code."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

from pydantic import AliasChoices
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parents[2]


def _config_classes() -> list[type[BaseSettings]]:
    found: list[type[BaseSettings]] = []
    for path in sorted((ROOT / "app").glob("*/config.py")):
        module = importlib.import_module(f"app.{path.parent.name}.config")
        found += [
            cls
            for _name, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, BaseSettings) and cls.__module__ == module.__name__
        ]
    return found


def _env_name(cls: type[BaseSettings], name: str, field: FieldInfo) -> str:
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        first = alias.choices[0]
        assert isinstance(first, str)
        return first.upper()
    if isinstance(alias, str):
        return alias.upper()
    return f"{cls.model_config.get('env_prefix', '')}{name}".upper()


def _shown(default: object) -> str | None:
    if isinstance(default, bool) or not isinstance(default, int | float | str):
        return None  # dicts and the like: the row names them in words
    if isinstance(default, float) and default.is_integer():
        return str(int(default))
    return str(default)


def _configuration_section() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| `")]


def test_every_domain_setting_is_linli_prefixed() -> None:
    for cls in _config_classes():
        for name, field in cls.model_fields.items():
            env = _env_name(cls, name, field)
            assert env.startswith("LINLI_"), f"{cls.__module__}.{cls.__name__}.{name} reads {env}"


def test_every_domain_setting_has_a_readme_row_with_its_default() -> None:
    rows = _configuration_section()
    assert rows, "README.md has no configuration table"
    missing: list[str] = []
    for cls in _config_classes():
        for name, field in cls.model_fields.items():
            env = _env_name(cls, name, field)
            row = next((r for r in rows if f"`{env}`" in r), None)
            if row is None:
                missing.append(f"{env} (from {cls.__module__}): add a row to README.md's configuration table")
                continue
            shown = _shown(field.default)
            default_cell = row.rsplit("|", 2)[-2]
            if shown is not None and shown not in default_cell:
                missing.append(f"{env}: the README row's default should say {shown}")
    assert not missing, "\n".join(missing)
