"""Settings as frozen dataclasses: loaded from TOML/JSON, checked once, echoed into run folders."""

from __future__ import annotations

import dataclasses
import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from scalebridge.errors import InputError

T = TypeVar("T")


def settings_to_dict(settings: Any) -> dict[str, Any]:
    """A JSON-ready dict of a settings dataclass (paths become strings, tuples lists)."""

    def plain(value: Any) -> Any:
        if isinstance(value, Path):
            return str(value)
        if isinstance(value, tuple | list):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    return {k: plain(v) for k, v in dataclasses.asdict(settings).items()}


def changed_settings(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Names of the settings that differ between two settings dicts (either side missing
    one counts), sorted."""
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))


def read_settings_file(path: Path) -> dict[str, Any]:
    """Key/value settings from a ``.toml`` or ``.json`` file."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", source=path, expected="a TOML or JSON settings file")
    try:
        if path.suffix == ".toml":
            with path.open("rb") as handle:
                return tomllib.load(handle)
        if path.suffix == ".json":
            data = json.loads(path.read_text())
            if not isinstance(data, dict):
                raise InputError("top level is not an object", source=path, expected="{...}")
            return data
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot parse: {exc}", source=path) from None
    raise InputError("unknown settings format", source=path, expected="a .toml or .json file")


def require_at_least(
    settings: Any, limits: Mapping[str, float], *, source: str | None = None
) -> None:
    """Refuse the first field of ``settings`` below its limit in ``limits`` (name → lowest
    accepted value) with an InputError naming the field."""
    for name, low in limits.items():
        value = getattr(settings, name)
        if value < low:
            raise InputError(f"{name} = {value!r}", source=source, field=name, expected=f"≥ {low}")


def settings_from_mapping(cls: type[T], values: dict[str, Any], *, source: str) -> T:
    """Build the frozen dataclass ``cls`` from ``values``, rejecting unknown keys by name."""
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise InputError(
            f"unknown setting(s) {', '.join(unknown)}",
            source=source,
            expected=f"one of {', '.join(sorted(fields))}",
        )
    converted = {}
    for name, value in values.items():
        converted[name] = _checked(value, _example(fields[name]), name=name, source=source)
    return cls(**converted)


_EXAMPLES: dict[str, Any] = {"float": 0.0, "int": 0, "bool": False, "str": None}


def _example(field: dataclasses.Field[Any]) -> Any:
    """A value of the field's kind: its default, or one made from its annotation."""
    if field.default is not dataclasses.MISSING:
        return field.default
    annotation = field.type if isinstance(field.type, str) else field.type.__name__
    if annotation.startswith("tuple"):
        return ()
    return _EXAMPLES.get(annotation)


def _checked(value: Any, default: Any, *, name: str, source: str) -> Any:
    """``value`` converted to the kind of ``default`` (tuple, int, float, str or None)."""
    if isinstance(default, tuple):
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise InputError(f"{value!r}", source=source, field=name, expected="a list")
        return tuple(value)
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    else:  # str or None: a path or a name
        ok = value is None or isinstance(value, str)
    if not ok:
        kind = "a path or name" if default is None else f"a {type(default).__name__}"
        raise InputError(f"{value!r}", source=source, field=name, expected=kind)
    return value
