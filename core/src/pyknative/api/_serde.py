"""Generic mapping between attrs models and Kubernetes-style dicts.

Fields are declared with :func:`wire`; their key on the wire is the camelCase of the attribute name unless
given. Keys a model does not know are kept in its ``extra`` mapping and written back unchanged, so a manifest
round-trips through ``from_dict``/``to_dict`` without losing fields. Type mismatches are all collected and
raised at once as a :class:`~pyknative.errors.ValidationError` naming each field path. A ``null`` field is unset;
a ``null`` list element or map value is a mismatch unless the element's type allows None.
"""

from __future__ import annotations

import copy
import functools
import types
import typing
from collections.abc import Callable, Mapping
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


@functools.cache
def _has_extra(cls: type) -> bool:
    return any(f.metadata.get("extra") for f in attrs.fields(cls))


def from_dict(cls: type, data: Any, path: str = "") -> Any:
    """Build ``cls`` from a dict, raising one ValidationError with every type mismatch found."""
    errors: list[FieldError] = []
    out = _load(cls, data, path, errors)
    if errors:
        raise ValidationError(errors)
    return out


# -- loading: one function per declared type, built once (decoding is on every store write and watch event) --

_Loader = Callable[[Any, str, list[FieldError]], Any]
_LOADERS: dict[Any, _Loader] = {}
_SCALARS = (str, int, bool, float)


def _load(tp: Any, value: Any, path: str, errors: list[FieldError]) -> Any:
    if value is None:
        return None
    return _loader(tp)(value, path, errors)


def _loader(tp: Any) -> _Loader:
    """The loader of ``tp`` (not called with None: every caller maps None to None itself)."""
    try:
        return _LOADERS[tp]
    except KeyError:
        pass
    except TypeError:  # an unhashable annotation: build it each time
        return _build_loader(tp)
    if attrs.has(tp):
        return _model_loader(tp)  # registers itself before its fields' loaders (models may nest themselves)
    fn = _build_loader(tp)
    _LOADERS[tp] = fn
    return fn


def _build_loader(tp: Any) -> _Loader:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not _NONE]
        if len(args) == 1:
            return _loader(args[0])
        return _union_loader(args)
    if attrs.has(tp):
        return _model_loader(tp)
    if origin is tuple:
        (item, _ellipsis) = typing.get_args(tp)
        return _tuple_loader(item)
    if origin in (dict, Mapping, typing.Mapping) or tp in (dict, Mapping):
        args = typing.get_args(tp)
        return _mapping_loader(args[1] if args else Any)
    if tp is Any or tp is object:
        return lambda value, path, errors: _copy(value)
    if tp is bool:
        return _load_bool
    if tp is int:
        return _load_int
    if tp is float:
        return _load_float
    if tp is str:
        return _load_str
    return lambda value, path, errors: value


def _load_bool(value: Any, path: str, errors: list[FieldError]) -> Any:
    if not isinstance(value, bool):
        errors.append(FieldError(path, f"expected a boolean, got {_describe(value)}"))
        return None
    return value


def _load_int(value: Any, path: str, errors: list[FieldError]) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(FieldError(path, f"expected an integer, got {_describe(value)}"))
        return None
    return value


def _load_float(value: Any, path: str, errors: list[FieldError]) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        errors.append(FieldError(path, f"expected a number, got {_describe(value)}"))
        return None
    return value


def _load_str(value: Any, path: str, errors: list[FieldError]) -> Any:
    if not isinstance(value, str):
        errors.append(FieldError(path, f"expected a string, got {_describe(value)}"))
        return None
    return value


#: the exact types a scalar loader passes through unchanged (checked inline, without a call)
_FAST = {_load_str: str, _load_int: int, _load_bool: bool}


def _union_loader(args: list[Any]) -> _Loader:
    def load(value: Any, path: str, errors: list[FieldError]) -> Any:
        for a in args:  # int | str style unions: first that fits without error
            trial: list[FieldError] = []
            out = _loader(a)(value, path, trial)
            if not trial:
                return out
        errors.append(FieldError(path, f"expected {' or '.join(_name(a) for a in args)}, got {_describe(value)}"))
        return None

    return load


def _tuple_loader(item: Any) -> _Loader:
    item_load = _loader(item)
    fast = _FAST.get(item_load)
    null = _null_item(item)

    def load(value: Any, path: str, errors: list[FieldError]) -> Any:
        if not isinstance(value, list | tuple):
            errors.append(FieldError(path, f"expected a list, got {_describe(value)}"))
            return None
        if fast is not None and all(type(v) is fast for v in value):
            return tuple(value)
        return tuple(
            null(f"{path}[{i}]", errors) if v is None else item_load(v, f"{path}[{i}]", errors)
            for i, v in enumerate(value)
        )

    return load


def _mapping_loader(item: Any) -> _Loader:
    item_load = _loader(item)
    fast = _FAST.get(item_load)
    null = _null_item(item)

    def load(value: Any, path: str, errors: list[FieldError]) -> Any:
        if type(value) is not dict and not isinstance(value, Mapping):
            errors.append(FieldError(path, f"expected an object, got {_describe(value)}"))
            return None
        if fast is not None and all(type(v) is fast for v in value.values()):
            return dict(value)
        return {
            k: null(_join(path, str(k)), errors) if v is None else item_load(v, _join(path, str(k)), errors)
            for k, v in value.items()
        }

    return load


def _null_item(tp: Any) -> Callable[[str, list[FieldError]], None]:
    """What a ``null`` list element or map value loads as: absent where ``tp`` allows None (``Any``, ``X | None``),
    else an error, as Kubernetes refuses ``containers: [null]`` or ``args: [null]`` (a null field is just unset)."""
    origin = typing.get_origin(tp)
    if tp is Any or tp is object or (origin in (typing.Union, types.UnionType) and _NONE in typing.get_args(tp)):
        return lambda path, errors: None
    if attrs.has(tp) or origin in (dict, Mapping, typing.Mapping) or tp in (dict, Mapping):
        expected = "an object"
    else:
        expected = "a list" if origin is tuple else _name(tp)

    def refuse(path: str, errors: list[FieldError]) -> None:
        errors.append(FieldError(path, f"expected {expected}, got null"))

    return refuse


def _model_loader(cls: type) -> _Loader:
    """A model's loader: each known key through its field's loader, the rest kept in ``extra``.

    It walks the keys as they come; errors are still reported in the model's field order.
    """
    fields: dict[str, tuple[int, str, _Loader, type | None]] = {}
    keep_extra = _has_extra(cls)

    def load(data: Any, path: str, errors: list[FieldError]) -> Any:
        if type(data) is not dict and not isinstance(data, Mapping):
            errors.append(FieldError(path, f"expected an object, got {_describe(data)}"))
            return None
        kwargs: dict[str, Any] = {}
        rest: dict[str, Any] | None = None
        failed: list[tuple[int, int, int]] | None = None
        for key, value in data.items():
            field = fields.get(key)
            if field is None:
                if keep_extra:
                    if rest is None:
                        rest = {}
                    rest[key] = value
                continue
            index, name, field_load, fast = field
            if value is None or type(value) is fast:
                kwargs[name] = value
                continue
            before = len(errors)
            kwargs[name] = field_load(value, f"{path}.{key}" if path else key, errors)
            if len(errors) > before:
                failed = failed or []
                failed.append((index, before, len(errors)))
        if failed is not None and len(failed) > 1:
            _in_field_order(errors, failed)
        if keep_extra:
            kwargs["extra"] = _copy(rest) if rest else {}
        return cls(**kwargs)

    _LOADERS[cls] = load
    for index, slot in enumerate(_slots(cls)):
        field_load = _loader(slot.type)
        fields.setdefault(slot.key, (index, slot.name, field_load, _FAST.get(field_load)))
    return load


def _in_field_order(errors: list[FieldError], failed: list[tuple[int, int, int]]) -> None:
    """Reorder the tail of ``errors`` (one contiguous run per failed field) by the fields' declaration order."""
    start = failed[0][1]
    runs = sorted(failed, key=lambda run: run[0])
    errors[start:] = [e for _, lo, hi in runs for e in errors[lo:hi]]


def _copy(value: Any) -> Any:
    """A deep copy of decoded JSON (dicts, lists and scalars; anything else through :func:`copy.deepcopy`)."""
    t = type(value)
    if t in _SCALAR_SET or value is None:
        return value
    if t is dict:
        return {k: _copy(v) for k, v in value.items()}
    if t is list:
        return [_copy(v) for v in value]
    return copy.deepcopy(value)


_SCALAR_SET = frozenset(_SCALARS)


# -- dumping --

_Dumper = Callable[[Any], Any]
_DUMPERS: dict[type, _Dumper] = {}


def to_dict(obj: Any) -> Any:
    """The wire form of a model: known fields that are set, then the unknown keys it came with."""
    t = type(obj)
    if t in _SCALAR_SET or obj is None:
        return obj
    try:
        dump = _DUMPERS[t]
    except KeyError:
        dump = _DUMPERS[t] = _build_dumper(t)
    return dump(obj)


def _build_dumper(t: type) -> _Dumper:
    if attrs.has(t):
        return _model_dumper(t)
    if issubclass(t, tuple | list):
        return lambda obj: [v if type(v) in _SCALAR_SET else to_dict(v) for v in obj]
    if issubclass(t, Mapping):
        return lambda obj: {k: v if type(v) in _SCALAR_SET else to_dict(v) for k, v in obj.items()}
    return lambda obj: obj


def _model_dumper(cls: type) -> _Dumper:
    plan = [(slot.name, slot.key, slot.omit_empty) for slot in _slots(cls)]

    def dump(obj: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, key, omit_empty in plan:
            value = getattr(obj, name)
            if value is None:
                continue
            dumped = value if type(value) in _SCALAR_SET else to_dict(value)
            if omit_empty and not dumped:
                continue
            out[key] = dumped
        extra = getattr(obj, "extra", None)
        if extra:
            for k, v in extra.items():
                if k not in out:
                    out[k] = _copy(v)
        return out

    return dump


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
