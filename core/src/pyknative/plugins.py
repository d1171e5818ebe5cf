"""Plugin discovery: stevedore loads every entry point of the ``pyknative.<role>`` groups into one pluggy manager.

The core's own embedded defaults (SQLite store, local runtime, embedded gateway) are entry points of
``pyknative-core`` and load through the same path. A plugin that fails to import is recorded with the pip
extra that would fix it, never silently skipped; :func:`report` lists both for ``pyknative plugins``.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import inspect
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import pluggy

from pyknative import hookspecs
from pyknative.errors import BackendNotInstalledError

log = logging.getLogger(__name__)

ROLES = (
    "store", "runtime", "ingress", "scaler", "channel", "source", "build", "accelerator", "kinds", "controllers"
)
NAMESPACES = tuple(f"pyknative.{role}" for role in ROLES)

#: Well-known backend names and the extra that installs each; used to say what to install when one is missing.
KNOWN_BACKENDS: Mapping[str, str] = {
    "istio.ingress.networking.knative.dev": "istio",
    "gateway-api.ingress.networking.knative.dev": "gateway-api",
    "kpa.autoscaling.knative.dev": "kpa",
    "hpa.autoscaling.knative.dev": "hpa",
    "InMemoryChannel": "inmemory",
    "KafkaChannel": "kafka",
    "NatsJetStreamChannel": "nats",
    "GitHubSource": "github",
    "ApiServerSource": "k8s",
    "tekton": "tekton",
}

#: Operator-config sections of well-known plugins and the extra that installs each; a config that has one while
#: its plugin is missing is told what to install.
KNOWN_SECTIONS: Mapping[str, str] = {
    "config-imc": "inmemory",
    "config-kafka": "kafka",
    "config-nats": "nats",
    "config-hpa": "hpa",
}


@attrs.frozen
class PluginRecord:
    """One entry point: loaded (with what it provides) or failed (with the error and the extra to install)."""

    name: str
    role: str
    distribution: str | None
    status: str
    error: str | None = None
    extra: str | None = None
    provides: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    #: ``(role, name)`` of everything it provides: a plugin may serve several roles (the embedded ingress plugin
    #: serves the ``ingress`` class and the ``data-plane``)
    provides_by_role: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "distribution": self.distribution,
            "status": self.status,
            "error": self.error,
            "extra": self.extra,
            "provides": list(self.provides),
            "kinds": list(self.kinds),
        }


@attrs.define(eq=False)
class Plugins:
    """The loaded plugins: a pluggy manager plus what loading found."""

    manager: pluggy.PluginManager
    records: list[PluginRecord]

    @property
    def hook(self) -> Any:
        return self.manager.hook

    def provided(self, role: str) -> dict[str, str]:
        """Backend name → plugin name, for one role."""
        out: dict[str, str] = {}
        for rec in self.records:
            if rec.status != "loaded":
                continue
            for provided_role, name in rec.provides_by_role:
                if provided_role == role:
                    out.setdefault(name, rec.name)
        return out

    async def make(self, hook_name: str, *, role: str, config_key: str, value: str, **kwargs: Any) -> Any:
        """Call a firstresult ``make`` hook; a missing backend is a clear error naming the key and the extra."""
        result = await call_first(getattr(self.hook, hook_name), **kwargs)
        if result is None:
            raise BackendNotInstalledError(config_key, value, extra_for(value))
        return result


def new_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("pyknative")
    pm.add_hookspecs(hookspecs)
    return pm


def load(extra_plugins: Iterable[tuple[str, str, Any]] = (), *, autoload: bool = True) -> Plugins:
    """Load every entry point of every ``pyknative.<role>`` group, plus ``(role, name, obj)`` given directly."""
    pm = new_manager()
    records: list[PluginRecord] = []
    if autoload:
        for role, namespace in zip(ROLES, NAMESPACES, strict=True):
            _load_namespace(pm, role, namespace, records)
    for role, name, obj in extra_plugins:
        _register(pm, role, name, obj, None, records)
    pm.check_pending()
    return Plugins(pm, records)


def _load_namespace(pm: pluggy.PluginManager, role: str, namespace: str, records: list[PluginRecord]) -> None:
    from stevedore import ExtensionManager

    failures: list[tuple[Any, BaseException]] = []

    def on_failure(_manager: Any, ep: Any, err: BaseException) -> None:
        failures.append((ep, err))

    mgr = ExtensionManager(namespace, invoke_on_load=False, on_load_failure_callback=on_failure)
    # stevedore's cached entry points do not know their distribution; importlib.metadata's do.
    dists = {ep.name: getattr(ep.dist, "name", None) for ep in importlib.metadata.entry_points(group=namespace)}
    for ext in mgr:
        _register(pm, role, ext.name, ext.plugin, dists.get(ext.name), records)
    for ep, err in failures:
        dist_name = dists.get(ep.name)
        records.append(
            PluginRecord(
                name=ep.name,
                role=role,
                distribution=dist_name,
                status="failed",
                error=f"{type(err).__name__}: {err}",
                extra=extra_of_distribution(dist_name),
            )
        )
        log.error("plugin %s (%s) failed to load: %s", ep.name, namespace, err)


def _register(pm, role: str, name: str, obj: Any, dist: str | None, records: list[PluginRecord]) -> None:
    plugin_name = f"{role}:{name}"
    if pm.get_plugin(plugin_name) is not None:
        return
    pm.register(obj, name=plugin_name)
    provides: tuple[str, ...] = ()
    by_role: tuple[tuple[str, str], ...] = ()
    kinds: tuple[str, ...] = ()
    impl = getattr(obj, "pyknative_provides", None)
    if callable(impl):
        by_role = tuple((r, n) for r, names in (impl() or {}).items() for n in names)
        provides = tuple(n for _, n in by_role)
    kinds_impl = getattr(obj, "pyknative_kinds", None)
    if callable(kinds_impl):
        kinds = tuple(
            f"{r.cls.KIND.kind}.{r.cls.KIND.group}" if r.cls.KIND.group else r.cls.KIND.kind for r in kinds_impl() or ()
        )
    records.append(
        PluginRecord(
            name=name, role=role, distribution=dist, status="loaded", provides=provides, kinds=kinds,
            provides_by_role=by_role,
        )
    )


def extra_of_distribution(dist: str | None) -> str | None:
    if not dist:
        return None
    prefix = "pyknative-"
    if dist.startswith(prefix) and dist != "pyknative-core":
        base = dist[len(prefix):]
        for pre in ("channel-", "source-", "scaler-", "ingress-", "build-"):
            if base.startswith(pre):
                return base[len(pre):]
        return base
    return None


def extra_for(backend: str) -> str | None:
    return KNOWN_BACKENDS.get(backend)


def config_schema(loaded: Plugins) -> dict[str, dict[str, Any]]:
    """The sections and keys the loaded plugins add to the operator config (``pyknative_config_schema``)."""
    schema: dict[str, dict[str, Any]] = {}
    for contribution in loaded.hook.pyknative_config_schema():
        for section, keys in (contribution or {}).items():
            schema.setdefault(section, {}).update(keys)
    return schema


def uninstalled_sections(schema: Mapping[str, Any]) -> dict[str, str]:
    """Sections of well-known plugins that ``schema`` lacks (their plugin is not installed) → the extra."""
    return {section: extra for section, extra in KNOWN_SECTIONS.items() if section not in schema}


async def call_first(hook: Any, **kwargs: Any) -> Any:
    """Call a "pick the backend" hook, awaiting each answer, and return the first that is not None.

    pluggy's own ``firstresult`` would stop at an ``async def`` implementation's coroutine (never None) even
    when it declines; so the implementations are walked here in pluggy's call order, each awaited.
    """
    for impl in reversed(hook.get_hookimpls()):
        result = impl.function(*[kwargs[name] for name in impl.argnames])
        if inspect.isawaitable(result):
            result = await result
        if result is not None:
            return result
    return None


async def call_all(hook: Any, **kwargs: Any) -> list[Any]:
    """Call a hook on every plugin and await each awaitable result, in registration order."""
    out = []
    for result in hook(**kwargs):
        if inspect.isawaitable(result):
            result = await result
        out.append(result)
    return out


def report(plugins: Plugins | None = None) -> list[dict[str, Any]]:
    """What ``pyknative plugins`` prints: every entry point, loaded or failed, CLI verbs included."""
    plugins = plugins or load()
    records = [*plugins.records, *cli_records()]
    return [r.to_dict() for r in sorted(records, key=lambda r: (r.role, r.name))]


async def findings(plugins: Plugins, config: Any) -> dict[str, str]:
    """What each plugin finds on this machine (``pyknative_plugin_report``), ``{"role/name": line}``; a plugin
    whose report fails is reported with its error, never fatal."""
    out: dict[str, str] = {}
    hook = plugins.hook.pyknative_plugin_report
    for impl in reversed(hook.get_hookimpls()):
        try:
            answer = impl.function(*[{"config": config}[name] for name in impl.argnames])
            if inspect.isawaitable(answer):
                answer = await asyncio.wait_for(answer, 5.0)
        except Exception as err:  # noqa: BLE001 - reported, never fatal
            out[impl.plugin_name] = f"report failed: {type(err).__name__}: {err}"
            continue
        out.update({str(k): str(v) for k, v in (answer or {}).items()})
    return out


def cli_records() -> list[PluginRecord]:
    """The ``pyknative.cli`` entry points (plugins' CLI verbs), each loaded to see that it works."""
    out = []
    for ep in importlib.metadata.entry_points(group="pyknative.cli"):
        dist = getattr(ep.dist, "name", None)
        try:
            ep.load()
        except Exception as err:  # noqa: BLE001 - reported, never fatal
            out.append(PluginRecord(ep.name, "cli", dist, "failed", f"{type(err).__name__}: {err}", extra_of_distribution(dist)))
        else:
            out.append(PluginRecord(ep.name, "cli", dist, "loaded", provides=(f"pyknative {ep.name}",)))
    return out


def kind_registrations(plugins: Plugins) -> Sequence[Any]:
    return [reg for regs in plugins.hook.pyknative_kinds() for reg in (regs or ())]
