"""Which runtime runs a revision: the pure rule behind :class:`pyknative.runtime.runtime_set.RuntimeSet`.

In order: the runtime already recorded in the revision's ``status.annotations`` (a revision keeps the runtime it
started on), the revision's own ``pyknative.dev/runtime`` annotation, the operator's ``pyknative: runtime`` when it
names one, and otherwise (``auto``) the container's shape: containers that all have a ``command`` run as local
processes, from source; a container with only an ``image`` runs on ``pyknative: image-runtime`` (``container``).
"""

from __future__ import annotations

from collections.abc import Collection

from pyknative.api.serving import Revision
from pyknative.runtime.api import NotRunnableError

#: the revision annotation that asks for a runtime by name, and the ``status.annotations`` key that records the one
#: chosen
RUNTIME_ANNOTATION = "pyknative.dev/runtime"
AUTO = "auto"
LOCAL = "local"


def wanted_runtime(rev: Revision, *, default: str, image_runtime: str) -> str:
    """The name of the runtime ``rev`` should run on (installed or not)."""
    recorded = (rev.status.annotations or {}).get(RUNTIME_ANNOTATION) if rev.status is not None else None
    if recorded:
        return recorded
    asked = (rev.metadata.annotations or {}).get(RUNTIME_ANNOTATION, "").strip()
    if asked:
        return asked
    if default != AUTO:
        return default
    containers = rev.spec.containers if rev.spec is not None else ()
    if containers and all(c.command for c in containers):
        return LOCAL
    return image_runtime if containers else LOCAL


def choose_runtime(rev: Revision, available: Collection[str], *, default: str, image_runtime: str) -> str:
    """:func:`wanted_runtime`, or NotRunnableError saying how to get it when it is not among ``available``."""
    name = wanted_runtime(rev, default=default, image_runtime=image_runtime)
    if name in available:
        return name
    asked = (rev.metadata.annotations or {}).get(RUNTIME_ANNOTATION, "").strip()
    if asked == name:
        raise NotRunnableError(
            "RuntimeNotAvailable",
            f"annotation {RUNTIME_ANNOTATION}: {name!r} names a runtime that is not running here "
            f"(running: {', '.join(sorted(available)) or 'none'}); install its plugin and name it in the operator "
            f"config (pyknative: runtime / image-runtime), or remove the annotation",
        )
    if name == image_runtime and default == AUTO:
        c = next((c for c in (rev.spec.containers if rev.spec else ()) if not c.command), None)
        what = f"only image {c.image!r}" if c is not None and c.image else "no command"
        cname = (c.name if c is not None else None) or "user-container"
        raise NotRunnableError(
            "ImageNotRunnableLocally",
            f"container {cname!r} has {what}, and no container runtime is installed: install one with "
            f"`pip install 'pyknative[container]'` and start Podman (`podman system service`) or Docker, or add "
            f"`command:` (and `args:`) that start the app listening on $PORT to run it from source",
        )
    raise NotRunnableError(
        "RuntimeNotAvailable",
        f"runtime {name!r} is not running here (running: {', '.join(sorted(available)) or 'none'})",
    )
