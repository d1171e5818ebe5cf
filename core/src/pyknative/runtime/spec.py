"""Plain values of the local runtime's API: what to run (:class:`ProcessSpec`) and what runs
(:class:`InstanceState`). They do not depend on the serving models; the reconciler maps a Revision onto them.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from pyknative.runtime.probes import Readiness

#: what an instance gets of the platform's own environment (names, or ``fnmatch`` patterns), before the
#: container's env: enough to find programs (the platform's virtualenv included) and to run in the user's
#: locale; the operator adds to it with ``pyknative: instance-env-passthrough``
BASE_ENV = ("PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "LC_*", "TZ", "TMPDIR", "VIRTUAL_ENV")


@attrs.frozen
class VolumeFile:
    """One file of an instance's volumes: ``path`` relative to its volumes directory (``<volume>/<key path>``)."""

    path: str
    content: bytes = attrs.field(repr=False)
    mode: int = 0o600


@attrs.frozen
class Volumes:
    """What the runtime writes in each instance's own directory before its first start, and removes after it.

    ``dirs`` (one per volume, relative to the volumes directory) are made first, then ``files``; each ``mounts``
    entry ``(mountPath, target)`` is a symlink at ``<root>/<mountPath>`` to ``<volumes>/<target>``.
    """

    dirs: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    files: tuple[VolumeFile, ...] = attrs.field(default=(), converter=tuple)
    mounts: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=tuple)


@attrs.frozen
class ProcessSpec:
    """One Revision's container as the local runtime runs it.

    The environment is built at each start: the platform's own variables that ``inherit`` names (nothing
    else of it), then ``env`` (the container's, resolved), then ``instance_env`` (variable → ``name`` or ``uid``
    of the instance: a pod's ``metadata.name`` / ``metadata.uid``), then ``port_env`` (``PORT``) set to the
    instance's port. With ``volumes``, each instance gets its own directory holding them (see
    :mod:`pyknative.runtime.volumes`). Equal specs mean "unchanged": converging with a different spec for the same
    ``key`` replaces the instances.
    """

    key: str
    command: tuple[str, ...] = attrs.field(converter=tuple)
    env: Mapping[str, str] = attrs.field(factory=dict, converter=dict, hash=False, repr=False)
    working_dir: str | None = None
    readiness: Readiness = attrs.field(factory=Readiness)
    port_env: str = "PORT"
    inherit: tuple[str, ...] = attrs.field(default=BASE_ENV, converter=tuple)
    instance_env: Mapping[str, str] = attrs.field(factory=dict, converter=dict, hash=False)
    volumes: Volumes | None = None

    def __attrs_post_init__(self) -> None:
        if not self.key:
            raise ValueError("ProcessSpec.key: must not be empty")
        if not self.command or not self.command[0]:
            raise ValueError(f"ProcessSpec.command: must name a program to run (key {self.key!r})")
        if not self.port_env:
            raise ValueError(f"ProcessSpec.port_env: must not be empty (key {self.key!r})")


@attrs.frozen
class InstanceState:
    """A snapshot of one instance.

    ``pid`` is ``None`` while it is not running (waiting to restart). ``restarts`` counts restarts after
    exits or failed starts. ``last_exit_code`` is the exit code (128 + N when killed by signal N, as shells
    and Kubernetes report it; ``None`` when the command could not be started) and ``last_exit_reason`` says
    why in words: ``"exited with code 3"``, ``"killed by signal 9"``, ``"exec: 'foo': no such file or
    directory"``. ``started_at`` is when the current (or last) process was started and ``ready_changed_at``
    when ``ready`` last changed (wall clock, epoch seconds; ``None`` before the first start or transition).
    """

    id: str
    pid: int | None
    port: int
    ready: bool
    restarts: int
    last_exit_code: int | None
    last_exit_reason: str | None
    started_at: float | None = None
    ready_changed_at: float | None = None
