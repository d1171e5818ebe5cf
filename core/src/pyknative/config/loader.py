"""Reading the operator config file: YAML whose sections are Knative ConfigMap names, checked in one pass.

Values may be written as YAML scalars (``true``, ``10``, ``0.5``) and are stored as the string Knative would
read (``"true"``, ``"10"``, ``"0.5"``); YAML-valued settings may also be written as nested mappings. Every
problem found (unknown section or key, bad value, inconsistent keys) is reported at once in a
:class:`~pyknative.errors.ConfigError` whose field paths are ``section.key``.
"""

from __future__ import annotations

import datetime
import difflib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from pyknative.config.model import VIEWS, OperatorConfig
from pyknative.config.schema import (
    RENAMED,
    ConfigSchema,
    Key,
    core_keys,
    is_pattern,
    matching_key,
    merge_schemas,
)
from pyknative.errors import ConfigError, FieldError

CONFIG_ENV = "PYKNATIVE_CONFIG"
"""Environment variable naming the config file when :func:`load_config` is given no path (and an ``env``)."""

_IGNORED_KEYS = frozenset({"_example"})  # Knative ignores a ConfigMap's _example block


def parse_config(
    data: Mapping[str, Any] | None,
    *,
    extra_schema: ConfigSchema | None = None,
    uninstalled: Mapping[str, str] | None = None,
) -> OperatorConfig:
    """The effective config for ``data`` (the parsed YAML document), or a ConfigError naming every problem.

    ``extra_schema`` adds plugin sections and keys to the core ones (see :mod:`pyknative.config.schema`).
    ``uninstalled`` maps the sections of well-known plugins that are not installed to the pip extra that installs
    each: such a section is still an error, one that says what to install.
    """
    schema = merge_schemas(core_keys(), extra_schema)
    errors: list[FieldError] = []
    given = _read_sections(data, schema, errors, uninstalled or {})
    effective = {
        section: {
            **{k: spec.default for k, spec in keys.items() if not is_pattern(k)},
            **given.get(section, {}),
        }
        for section, keys in schema.items()
    }
    for section, values in effective.items():
        keys = schema[section]
        for key, text in values.items():
            spec = keys[matching_key(keys, key) or key]
            if spec.check is None:
                continue
            try:
                spec.check(text)
            except ValueError as exc:
                errors.append(FieldError(f"{section}.{key}", str(exc)))
    config = OperatorConfig(effective)
    bad_sections = {e.path.split(".", 1)[0] for e in errors}
    for section, view in VIEWS.items():
        if section in bad_sections or section not in effective:
            continue
        try:
            getattr(config, view)
        except ConfigError as exc:
            errors.extend(exc.errors)
    if errors:
        raise ConfigError(errors)
    return config


def load_config(
    path: str | os.PathLike[str] | None,
    *,
    extra_schema: ConfigSchema | None = None,
    env: Mapping[str, str] | None = None,
    uninstalled: Mapping[str, str] | None = None,
) -> OperatorConfig:
    """The effective config from the YAML file at ``path`` (all defaults when ``path`` is None).

    ``env`` (e.g. ``os.environ``; not read unless given) supplies ``PYKNATIVE_CONFIG``, the file to use when
    ``path`` is None, and overrides for the ``pyknative`` section: ``PYKNATIVE_GATEWAY_PORT=9000`` sets
    ``pyknative.gateway-port`` (any key: ``PYKNATIVE_`` + the key upper-cased with ``-`` as ``_``).
    ``uninstalled`` is as for :func:`parse_config`.
    """
    env = env or {}
    if path is None and env.get(CONFIG_ENV):
        path = env[CONFIG_ENV]
    data: Any = {}
    if path is not None:
        data = _read_file(Path(path).expanduser())
    overridden: dict[str, str] = {}
    local_keys = merge_schemas(core_keys(), extra_schema).get("pyknative", {})
    for key in local_keys:
        var = "PYKNATIVE_" + key.upper().replace("-", "_").replace(".", "_")
        if not is_pattern(key) and var in env:
            if not isinstance(data, Mapping):
                break  # parse_config reports the malformed document
            data = dict(data)
            section = data.get("pyknative")
            data["pyknative"] = {**(section if isinstance(section, Mapping) else {}), key: env[var]}
            overridden[f"pyknative.{key}"] = var
    try:
        return parse_config(data, extra_schema=extra_schema, uninstalled=uninstalled)
    except ConfigError as exc:
        if not overridden:
            raise
        raise ConfigError(
            FieldError(e.path, f"{e.message} (from ${overridden[e.path]})") if e.path in overridden else e
            for e in exc.errors
        ) from None


# ------------------------------------------------------------------------------------------- reading


def _read_file(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([FieldError("", f"config file not found: {path}")]) from None
    except IsADirectoryError:
        raise ConfigError([FieldError("", f"config path is a directory, not a file: {path}")]) from None
    except OSError as exc:
        raise ConfigError(
            [FieldError("", f"cannot read config file {path}: {exc.strerror or exc}")]
        ) from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        detail = f"{context}; {problem}" if context else problem
        raise ConfigError([FieldError("", f"{path} is not valid YAML{where}: {detail}")]) from None


def _read_sections(
    data: Any, schema: Mapping[str, Mapping[str, Key]], errors: list[FieldError], uninstalled: Mapping[str, str]
) -> dict[str, dict[str, str]]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        errors.append(
            FieldError("", f"the operator config must be a mapping of section names, got {_kind(data)}")
        )
        return {}
    given: dict[str, dict[str, str]] = {}
    for section, body in data.items():
        if section not in schema:
            extra = uninstalled.get(str(section))
            if extra is not None:
                message = (f"unknown section: it configures a plugin that is not installed; "
                           f"install it with: pip install 'pyknative[{extra}]'")
            else:
                message = _unknown("section", str(section), schema, None)
            errors.append(FieldError(str(section), message))
            continue
        if body is None:
            body = {}
        if not isinstance(body, Mapping):
            errors.append(FieldError(section, f"expected a mapping of keys to values, got {_kind(body)}"))
            continue
        keys = schema[section]
        values = given.setdefault(section, {})
        for key, value in body.items():
            if not isinstance(key, str):
                errors.append(FieldError(f"{section}.{key}", "keys must be strings; quote it"))
                continue
            if key in _IGNORED_KEYS:
                continue
            pattern = matching_key(keys, key)
            if pattern is None:
                errors.append(
                    FieldError(f"{section}.{key}", _unknown("key", key, keys, RENAMED.get(section, {})))
                )
                continue
            try:
                values[key] = _normalise(value, keys[pattern])
            except ValueError as exc:
                errors.append(FieldError(f"{section}.{key}", str(exc)))
    return given


def _unknown(what: str, name: str, known: Mapping[str, object], renamed: Mapping[str, str] | None) -> str:
    if renamed and name in renamed:
        return f"unknown {what}: Knative's old name for {renamed[name]!r}; use that"
    names = [k for k in known if not is_pattern(k)]
    patterns = [k for k in known if is_pattern(k)]
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    listing = ", ".join(names + [f"{p} (pattern)" for p in patterns])
    return f"unknown {what}{hint}; known {what}s: {listing}"


def _normalise(value: Any, spec: Key) -> str:
    """The ConfigMap string for a YAML value (``true`` -> "true", ``10`` -> "10", nested YAML -> its text)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Mapping | list):
        if spec.structured == "json":
            return json.dumps(value, indent=2)
        if spec.structured:
            return yaml.safe_dump(value, sort_keys=False, default_flow_style=False, allow_unicode=True)
        raise ValueError(f"expected a string, number or boolean, got {_kind(value)}")
    raise ValueError(f"expected a string, number or boolean, got {_kind(value)}")


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a mapping with the same key twice (a silent override otherwise)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, list | dict):
                continue  # unhashable; SafeLoader reports it
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"duplicate key {key!r}",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)
