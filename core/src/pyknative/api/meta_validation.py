"""Checks every kind's metadata passes at admission, as the Kubernetes API server makes them.

A namespace is a DNS-1123 label (at most 63 lowercase letters, digits and '-'); label and annotation keys are
qualified names (an optional DNS-1123 subdomain prefix of at most 253 characters and '/', then a name of at most
63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit); label values are at most 63
such characters (or empty); all annotations together, keys and values, are at most 256 KiB.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pyknative.api.meta import ObjectMeta
from pyknative.errors import FieldError

MAX_ANNOTATIONS_BYTES = 256 * 1024
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_NAME_RULE = "alphanumeric characters, '-', '_' or '.', starting and ending with an alphanumeric character"


def validate_object_meta(meta: ObjectMeta, *, namespaced: bool, path: str = "metadata") -> list[FieldError]:
    """Every problem with ``meta``'s namespace, labels and annotations."""
    errors: list[FieldError] = []
    if namespaced and meta.namespace:
        errors += [FieldError(f"{path}.namespace", m) for m in dns1123_label(meta.namespace)]
    errors += validate_labels(meta.labels, f"{path}.labels")
    errors += validate_annotations(meta.annotations, f"{path}.annotations")
    return errors


def validate_labels(labels: Mapping[str, str] | None, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    for key, value in (labels or {}).items():
        errors += [FieldError(f"{path}.{key}", m) for m in qualified_name(key)]
        errors += [FieldError(f"{path}.{key}", m) for m in label_value(value)]
    return errors


def validate_annotations(annotations: Mapping[str, str] | None, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    total = 0
    for key, value in (annotations or {}).items():
        errors += [FieldError(f"{path}.{key}", m) for m in qualified_name(key)]
        total += len(key.encode()) + len(value.encode())
    if total > MAX_ANNOTATIONS_BYTES:
        errors.append(FieldError(path, f"may not be more than {MAX_ANNOTATIONS_BYTES} bytes in all, got {total}"))
    return errors


def dns1123_label(value: str) -> list[str]:
    """What is wrong with ``value`` as a DNS-1123 label (a namespace), if anything."""
    if len(value) > 63:
        return [f"must be no more than 63 characters, got {len(value)}"]
    if not _LABEL.match(value):
        return [f"invalid value {value!r}: must be a DNS-1123 label (lowercase letters, digits and '-')"]
    return []


def qualified_name(key: str) -> list[str]:
    """What is wrong with ``key`` as a label or annotation key, if anything."""
    prefix, slash, name = key.rpartition("/")
    problems: list[str] = []
    if slash:
        if not prefix:
            problems.append(f"invalid key {key!r}: the prefix before '/' must not be empty")
        elif len(prefix) > 253:
            problems.append(f"invalid key {key!r}: the prefix must be no more than 253 characters")
        elif not _SUBDOMAIN.match(prefix):
            problems.append(f"invalid key {key!r}: the prefix must be a DNS-1123 subdomain")
    if not name:
        problems.append(f"invalid key {key!r}: the name part must not be empty")
    elif len(name) > 63:
        problems.append(f"invalid key {key!r}: the name part must be no more than 63 characters")
    elif not _NAME.match(name):
        problems.append(f"invalid key {key!r}: the name part must consist of {_NAME_RULE}")
    return problems


def label_value(value: str) -> list[str]:
    """What is wrong with ``value`` as a label value (empty is allowed), if anything."""
    if len(value) > 63:
        return [f"invalid label value: must be no more than 63 characters, got {len(value)}"]
    if value and not _NAME.match(value):
        return [f"invalid label value {value!r}: must consist of {_NAME_RULE}"]
    return []
