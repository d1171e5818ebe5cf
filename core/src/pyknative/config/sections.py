"""A plugin's own operator-config section, read as typed values: :func:`read_section`.

A plugin contributes its section through ``pyknative_config_schema`` as ``{section: {key: Key(default, check)}}``;
the loader applies each check when the config is loaded. :func:`read_section` reads the same keys back through
the same checks, so the plugin gets the values its checks return (a duration in seconds, a count as an int)
and the defaults when there is no config at all (a plugin made without a platform, in a test).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyknative.config.schema import Key, as_key
from pyknative.errors import ConfigError, FieldError


def read_section(config: Any, name: str, keys: Mapping[str, Key | str]) -> dict[str, Any]:
    """``{key: value}`` for ``keys`` of section ``name`` in ``config`` (an OperatorConfig, or None).

    Each value is the key's effective string (its default when ``config`` is None or lacks the section or the
    key) passed through the key's check; a key without a check comes back as the string. A value its check
    refuses (possible only where ``config`` was not loaded with these keys) raises ConfigError naming
    ``name.key`` for every such key.
    """
    sections = getattr(config, "sections", None) or {}
    given = sections.get(name, {})
    out: dict[str, Any] = {}
    errors: list[FieldError] = []
    for key, spec in keys.items():
        spec = as_key(spec)
        raw = str(given.get(key, spec.default))
        try:
            out[key] = spec.check(raw) if spec.check is not None else raw
        except ValueError as exc:
            errors.append(FieldError(f"{name}.{key}", str(exc)))
    if errors:
        raise ConfigError(errors)
    return out
