"""Generic mapping between attrs models and Kubernetes-style dicts.

Fields are declared with :func:`wire`; their key on the wire is the camelCase of the attribute name unless
given. Keys a model does not know are kept in its ``extra`` mapping and written back unchanged, so a manifest
round-trips through ``from_dict``/``to_dict`` without losing fields. Type mismatches are all collected and
raised at once as a :class:`~pyknative.errors.ValidationError` naming each field path.
"""

from __future__ import annotations

import copy
import functools
import types
import typing
from collections.abc import Mapping
from typing import Any

import attrs

from pyknative.errors import FieldError, ValidationError

_NONE = type(None)


def wire(key: str | None = None, *, default: Any = None, factory: Any = None, **kwargs: Any) -> Any:
    """Declare a model field serialised under ``key`` (camelCase of the attribute name by default)."""
    metadata = {"key": key} if key else {}
    if factory is not None:
        # A field with a default object is written only when it holds something, so an absent
        # ``status`` is not written back as ``status: {}``.
        metadata["omit_empty"] = True
        return attrs.field(factory=factory, metadata=metadata, kw_only=True, **kwargs)
    return attrs.field(default=default, metadata=metadata, kw_only=True, **kwargs)


def extra_field() -> Any:
    """The ``extra`` field every model carries: unknown keys, written back as they came."""
    return attrs.field(factory=dict, kw_only=True, repr=False, metadata={"extra": True})


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


@attrs.frozen
class _Slot:
    name: str
    key: str
    type: Any
    omit_empty: bool = False


@functools.cache
def _slots(cls: type) -> tuple[_Slot, ...]:
    hints = typing.get_type_hints(cls)
    out = []
    for f in attrs.fields(cls):
        if f.metadata.get("extra") or f.name.startswith("_"):
            continue
        key = f.metadata.get("key") or camel(f.name)
        out.append(_Slot(f.name, key, hints[f.name], bool(f.metadata.get("omit_empty"))))
    return tuple(out)


def _has_extra(cls: type) -> bool:
    return any(f.metadata.get("extra") for f in attrs.fields(cls))


def from_dict(cls: type, data: Any, path: str = "") -> Any:
    """Build ``cls`` from a dict, raising one ValidationError with every type mismatch found."""
    errors: list[FieldError] = []
    out = _load(cls, data, path, errors)
    if errors:
        raise ValidationError(errors)
    return out


def _load_model(cls: type, data: Any, path: str, errors: list[FieldError]) -> Any:
    if not isinstance(data, Mapping):
        errors.append(FieldError(path, f"expected an object, got {_describe(data)}"))
        return None
    rest = dict(data)
    kwargs: dict[str, Any] = {}
    for slot in _slots(cls):
        if slot.key in rest:
            value = rest.pop(slot.key)
            kwargs[slot.name] = _load(slot.type, value, _join(path, slot.key), errors)
    if _has_extra(cls):
        kwargs["extra"] = copy.deepcopy(rest)
    return cls(**kwargs)


def _load(tp: Any, value: Any, path: str, errors: list[FieldError]) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not _NONE]
        if len(args) == 1:
            return _load(args[0], value, path, errors)
        for a in args:  # int | str style unions: first that fits without error
            trial: list[FieldError] = []
            out = _load(a, value, path, trial)
            if not trial:
                return out
        errors.append(FieldError(path, f"expected {' or '.join(_name(a) for a in args)}, got {_describe(value)}"))
        return None
    if attrs.has(tp):
        return _load_model(tp, value, path, errors)
    if origin is tuple:
        (item, _ellipsis) = typing.get_args(tp)
        if not isinstance(value, list | tuple):
            errors.append(FieldError(path, f"expected a list, got {_describe(value)}"))
            return None
        return tuple(_load_item(item, v, f"{path}[{i}]", errors) for i, v in enumerate(value))
    if origin in (dict, Mapping, typing.Mapping) or tp in (dict, Mapping):
        args = typing.get_args(tp)
        if not isinstance(value, Mapping):
            errors.append(FieldError(path, f"expected an object, got {_describe(value)}"))
            return None
        key_type, item = args if args else (Any, Any)
        out = {}
        for k, v in value.items():
            if key_type is str and not isinstance(k, str):
                errors.append(FieldError(_join(path, str(k)), f"keys must be strings, got {_describe(k)}"))
                continue
            out[k] = _load_item(item, v, _join(path, str(k)), errors)
        return out
    if tp is Any or tp is object:
        return copy.deepcopy(value)
    if tp is bool:
        if not isinstance(value, bool):
            errors.append(FieldError(path, f"expected a boolean, got {_describe(value)}"))
            return None
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(FieldError(path, f"expected an integer, got {_describe(value)}"))
            return None
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            errors.append(FieldError(path, f"expected a number, got {_describe(value)}"))
            return None
        return value
    if tp is str:
        if not isinstance(value, str):
            errors.append(FieldError(path, f"expected a string, got {_describe(value)}"))
            return None
        return value
    return value


def _load_item(tp: Any, value: Any, path: str, errors: list[FieldError]) -> Any:
    """A list element or map value: ``null`` is absent for a field but an error for an element that must be a
    model, a string or a number (Kubernetes refuses ``containers: [null]`` and ``args: [null]`` the same way)."""
    if value is None and _nullable(tp) is False:
        errors.append(FieldError(path, f"expected {_expected(tp)}, got null"))
        return None
    return _load(tp, value, path, errors)


def _nullable(tp: Any) -> bool:
    if tp is Any or tp is object or tp is _NONE:
        return True
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return _NONE in typing.get_args(tp)
    return False


def _expected(tp: Any) -> str:
    if attrs.has(tp) or typing.get_origin(tp) in (dict, Mapping, typing.Mapping) or tp in (dict, Mapping):
        return "an object"
    if typing.get_origin(tp) is tuple:
        return "a list"
    return _name(tp)


def to_dict(obj: Any) -> Any:
    """The wire form of a model: known fields that are set, then the unknown keys it came with."""
    if attrs.has(type(obj)):
        out: dict[str, Any] = {}
        for slot in _slots(type(obj)):
            value = getattr(obj, slot.name)
            if value is None:
                continue
            dumped = to_dict(value)
            if slot.omit_empty and not dumped:
                continue
            out[slot.key] = dumped
        extra = getattr(obj, "extra", None)
        if extra:
            for k, v in extra.items():
                out.setdefault(k, copy.deepcopy(v))
        return out
    if isinstance(obj, tuple | list):
        return [to_dict(v) for v in obj]
    if isinstance(obj, Mapping):
        return {k: to_dict(v) for k, v in obj.items()}
    return obj


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _name(tp: Any) -> str:
    return {int: "an integer", str: "a string", bool: "a boolean", float: "a number"}.get(tp, getattr(tp, "__name__", str(tp)))


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean {value}"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, str):
        return f"string {value!r}"
    return f"{type(value).__name__} {value!r}"
