"""An instance's own directory: its volumes written as files, and its environment as the local runtime builds it.

The local runtime runs a process; it cannot mount. Each instance that has volumes gets a directory (0700) of its
own, written before its first start and removed when it is gone for good (a restart keeps it, as a pod's volumes
outlive a container restart)::

    <instance dir>/volumes/<volume name>/...   every volume: a Secret's or ConfigMap's keys as files (0600),
                                               an emptyDir empty                ($PYKNATIVE_VOLUMES)
    <instance dir>/root/<mountPath>            a symlink to the volume (or its subPath)  ($PYKNATIVE_ROOT)

so the app reads a mount at ``$PYKNATIVE_ROOT/etc/secret-volume/username`` (``${PYKNATIVE_ROOT:-}`` prefixes work
unchanged on Kubernetes, where it is unset) or a volume at ``$PYKNATIVE_VOLUMES/<name>``.

The environment: only the platform variables a spec's ``inherit`` names (:data:`~pyknative.runtime.spec.BASE_ENV`
plus the operator's ``instance-env-passthrough``), never the rest of the platform's environment.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from pyknative.runtime.spec import ProcessSpec, Volumes

VOLUMES_ENV = "PYKNATIVE_VOLUMES"
ROOT_ENV = "PYKNATIVE_ROOT"


def inherited(patterns: Iterable[str], environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables of ``environ`` (the platform's) whose name is one of ``patterns`` (names or globs)."""
    environ = os.environ if environ is None else environ
    patterns = [p for p in patterns if p]
    return {k: v for k, v in environ.items() if any(fnmatch.fnmatchcase(k, p) for p in patterns)}


def child_env(spec: ProcessSpec, port: int, *, name: str = "", uid: str = "", home: Path | None = None) -> dict[str, str]:
    """An instance's environment (see :class:`~pyknative.runtime.spec.ProcessSpec`); ``home`` is its own directory
    when it has volumes. ``PYTHONUNBUFFERED=1`` is set unless the container sets it, so Python apps log live."""
    env = {**inherited(spec.inherit), "PYTHONUNBUFFERED": "1", **spec.env}
    fields = {"name": name, "uid": uid}
    env.update({var: fields.get(field, "") for var, field in spec.instance_env.items()})
    if home is not None:
        env[VOLUMES_ENV], env[ROOT_ENV] = str(home / "volumes"), str(home / "root")
    env[spec.port_env] = str(port)
    return env


def materialize(volumes: Volumes, home: Path) -> None:
    """Write ``volumes`` under ``home`` (made afresh, 0700)."""
    remove(home)
    home.mkdir(parents=True, mode=0o700)
    os.chmod(home, 0o700)
    base, root = home / "volumes", home / "root"
    base.mkdir(mode=0o700)
    root.mkdir(mode=0o700)
    for d in volumes.dirs:
        (base / d).mkdir(parents=True, exist_ok=True, mode=0o700)
    for f in volumes.files:
        target = base / f.path
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(f.content)
        os.chmod(target, f.mode & 0o700)
    for mount_path, to in volumes.mounts:
        link = root / mount_path.strip("/")
        link.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        link.symlink_to(base / to)


def remove(home: Path) -> None:
    """Remove an instance's directory and everything in it (files made read-only by their mode included)."""
    if home.exists() or home.is_symlink():
        shutil.rmtree(home, ignore_errors=True)
