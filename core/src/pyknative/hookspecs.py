"""Every hook a pyknative plugin can implement, one empty documented function each.

Plugins are objects or modules registered from entry points in the groups ``pyknative.<role>`` (see
:mod:`pyknative.plugins`). They mark implementations with ``from pyknative import hookimpl`` and never import
pluggy. Hooks are called with keyword arguments only. An implementation may be ``async def``: the core awaits
whatever awaitable a hook returns (see :func:`pyknative.plugins.call_first` / :func:`pyknative.plugins.call_all`).

"Pick the backend" hooks are ``firstresult``: each implementation returns ``None`` unless it serves the name it is
asked for, and the first non-None answer wins. An implementation may take any subset of the arguments.

Every role's contract is a Protocol in :mod:`pyknative.roles` (one module per role); the hooks below are typed
with them. ``platform`` is a :class:`pyknative.roles.PlatformContext` (config, kinds, store, informers, clock,
recorder) plus the role-specific parts each hook documents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from pyknative.config import OperatorConfig
    from pyknative.errors import FieldError
    from pyknative.roles import (
        AcceleratorProfile,
        BuildExecutor,
        ChannelBackend,
        Controller,
        HttpRoute,
        IngressBackend,
        KindRegistration,
        PlatformContext,
        RevisionDataPlane,
        Runtime,
        ScaleFloor,
        ScaleInput,
        Scaler,
        SourceAdapter,
        Store,
    )

hookspec = pluggy.HookspecMarker("pyknative")
#: Marker for hook implementations: ``@hookimpl def pyknative_make_ingress(ingress_class, platform): ...``
hookimpl = pluggy.HookimplMarker("pyknative")


# --------------------------------------------------------------------------------------------------------------
# Discovery and configuration
# --------------------------------------------------------------------------------------------------------------


@hookspec
def pyknative_kinds() -> Sequence[KindRegistration]:
    """Resource kinds this plugin brings (models, defaulting, validation, printer columns, categories).

    :returns: :class:`pyknative.roles.KindRegistration` values; the core registers Serving's and Eventing's
        own kinds through this same hook. Short names and the plural come from the model's ``KIND``.

    Use in plugins: a channel plugin returns its ``KafkaChannel`` kind, a source plugin its ``GitHubSource``.
    """


@hookspec
def pyknative_controllers(platform: PlatformContext) -> Sequence[Controller]:
    """Controllers this plugin runs (its kinds' reconcilers), called once when the platform starts.

    :param platform: the running platform; its backends (store, runtime, ingress, eventing) are made already.
    :returns: :class:`pyknative.roles.Controller` values (primary kind, watched kinds with their key mappers,
        resync period, reconcile function); the core's own Serving and Eventing controllers come through this
        same hook. Names must be unique: a second controller of the same name is a start-up error.
    """


@hookspec
def pyknative_http_routes(platform: PlatformContext) -> Sequence[HttpRoute]:
    """HTTP endpoints this plugin mounts under a path prefix it owns, on the event or the admin listener.

    :returns: :class:`pyknative.roles.HttpRoute` values (listener, prefix, methods, handler). The platform
        applies the listener's limits and error mapping (see :mod:`pyknative.roles.http`); two routes whose
        prefixes overlap on one listener are a start-up error.

    Use in plugins: a GitHubSource's webhook receiver, a build trigger's callback.
    """


@hookspec
def pyknative_config_schema() -> Mapping[str, Mapping[str, Any]]:
    """Operator-config sections and keys this plugin reads, with their defaults (strings, as in a ConfigMap).

    :returns: ``{section: {key: default}}`` where a default is a string or a :class:`pyknative.config.Key` (a
        default plus a check run when the config loads); merged into the core schema so unknown keys stay errors.
    """


@hookspec
def pyknative_provides() -> Mapping[str, Sequence[str]]:
    """The backend names this plugin serves per role, for ``pyknative plugins`` and for clear start-up errors.

    :returns: e.g. ``{"ingress": ["embedded.ingress.networking.knative.dev"]}`` or ``{"channel": ["KafkaChannel"]}``.
    """


# --------------------------------------------------------------------------------------------------------------
# Backends: each "make" hook picks the one implementation for a name (firstresult)
# --------------------------------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def pyknative_make_store(name: str, platform: PlatformContext) -> Store | None:
    """Open the store named by ``pyknative: store`` in the operator config.

    :param name: the configured store name (``sqlite`` is the embedded default).
    :param platform: the :class:`pyknative.platform.Platform` (config, data dir, kinds).
    :returns: a :class:`pyknative.roles.Store`, or None if this plugin does not serve ``name``.

    Stops at first non-None result.
    """


@hookspec(firstresult=True)
def pyknative_make_runtime(name: str, platform: PlatformContext) -> Runtime | None:
    """Create the runtime that runs revision instances (``pyknative: runtime``; ``local`` runs child processes).

    :returns: a :class:`pyknative.roles.Runtime`, or None.

    Stops at first non-None result.
    """


@hookspec(firstresult=True)
def pyknative_make_data_plane(name: str, platform: PlatformContext) -> RevisionDataPlane | None:
    """Create the revisions' data plane named by ``pyknative: data-plane`` (``embedded``: the gateway in this
    process, with the activator and the per-revision queue).

    :param platform: the platform; its ``instances(key)`` gives the runtime's instances of a revision, its
        ``metrics`` the autoscaler's sample collector, ``config.autoscaler`` the config-autoscaler view.
    :returns: a :class:`pyknative.roles.RevisionDataPlane` (entered as an async context before the runtime starts),
        or None.

    Stops at first non-None result.
    """


@hookspec(firstresult=True)
def pyknative_make_ingress(ingress_class: str, platform: PlatformContext) -> IngressBackend | None:
    """Create the backend that programs Ingresses of ``ingress_class`` (``config-network: ingress-class``, or the
    ``networking.knative.dev/ingress.class`` annotation).

    :returns: a :class:`pyknative.roles.IngressBackend`, or None.

    Stops at first non-None result.
    """


@hookspec(firstresult=True)
def pyknative_make_scaler(autoscaler_class: str, platform: PlatformContext) -> Scaler | None:
    """Create the scaler for PodAutoscalers of ``autoscaler_class`` (``autoscaling.knative.dev/class`` or
    ``config-autoscaler: pod-autoscaler-class``).

    :returns: a :class:`pyknative.roles.Scaler` (``decide`` and ``validate``; a
        :class:`pyknative.roles.MeasuringScaler` also ``measure``), or None.

    Stops at first non-None result.
    """


@hookspec(firstresult=True)
def pyknative_make_channel(api_version: str, kind: str, platform: PlatformContext) -> ChannelBackend | None:
    """Create the channel backend for channels of ``apiVersion``/``kind`` (InMemoryChannel, KafkaChannel, ...).

    :returns: a :class:`pyknative.roles.ChannelBackend` (ensure, delete, publish, subscribe with
        acknowledgement), or None.

    Stops at first non-None result.
    """


@hookspec(firstresult=True)
def pyknative_make_source(api_version: str, kind: str, platform: PlatformContext) -> SourceAdapter | None:
    """Create the adapter runner for event sources of ``apiVersion``/``kind``.

    :returns: a :class:`pyknative.roles.SourceAdapter` that runs one receive adapter per source object with
        Knative's adapter environment, or None. The platform makes one per kind, on first use, and closes it
        when it stops (``platform.source_adapter(api_version, kind)``).

    Stops at first non-None result.
    """


@hookspec(firstresult=True)
def pyknative_make_build_executor(name: str, platform: PlatformContext) -> BuildExecutor | None:
    """Create the executor that runs TaskRuns and PipelineRuns (``local`` runs steps as processes).

    :returns: a :class:`pyknative.roles.BuildExecutor`, or None. Made once per name, on first use
        (``platform.build_executor(name)``), closed when the platform stops.

    Stops at first non-None result.
    """


@hookspec(firstresult=True)
def pyknative_accelerator_profile(name: str, platform: PlatformContext) -> AcceleratorProfile | None:
    """Resolve an accelerator profile name to resource requests, node selection and device visibility.

    :returns: a :class:`pyknative.roles.AcceleratorProfile`, or None. Resolved once per name, on first use
        (``platform.accelerator_profile(name)``).

    Stops at first non-None result.
    """


# --------------------------------------------------------------------------------------------------------------
# Contributions: every implementation answers, the core combines the answers
# --------------------------------------------------------------------------------------------------------------


@hookspec
def pyknative_scale_floor(inp: ScaleInput) -> ScaleFloor | int | None:
    """A lower bound on one revision's scale for this tick, whatever its autoscaler class decided.

    Called once per PodAutoscaler tick, after the class's scaler decided, with the same input (``inp.wall`` is
    the wall clock for calendar rules; ``inp.annotations`` holds every annotation of the revision).

    :returns: a :class:`pyknative.scaling.ScaleFloor` (replicas and a reason), a bare int, or None for no floor.
        The core takes the highest floor of all plugins: ``desired = max(decision, floor)``, the floor clamped
        to the revision's max-scale (``autoscaling.knative.dev/max-scale``, else ``config-autoscaler``), and
        never applied to a revision no route sends traffic to. The decision's mode then reads ``<mode>+floor``
        and its reason names the floor. Must be pure and quick: no I/O, no clock but ``inp.wall``/``inp.now``.

    Use in plugins: the cron plugin's scheduled warm-ups (``autoscaling.pyknative.dev/schedules``).
    """


@hookspec
def pyknative_validate_annotations(annotations: Mapping[str, str], path: str) -> Sequence[FieldError] | None:
    """Admission errors for a revision template's annotations that belong to this plugin, not to a class.

    Called for every revision template (Service, Configuration) and Revision, whatever its autoscaler class,
    next to the class scaler's own ``validate``.

    :param annotations: the template's annotations, all of them.
    :param path: the field path of the annotations map, e.g. ``spec.template.metadata.annotations``; an error on
        one key names ``f"{path}[{key}]"`` (and may go deeper: ``...[key][0].schedule``).
    :returns: :class:`pyknative.errors.FieldError` values, or None/[] when fine; every plugin's answers are
        concatenated into the one 422 response.
    """


@hookspec
def pyknative_plugin_report(config: OperatorConfig) -> Mapping[str, str] | None:
    """What this plugin finds on this machine, for ``pyknative plugins``: one line per backend it provides.

    :param config: the operator config (``pyknative plugins --config``, else the defaults).
    :returns: ``{"<role>/<name>": line}``, e.g. ``{"runtime/container": "podman 4.3.1 at
        unix:///run/podman/podman.sock"}``, or why nothing usable was found. Answer within a second or two; may
        be ``async``.
    """


# --------------------------------------------------------------------------------------------------------------
# Lifecycle
# --------------------------------------------------------------------------------------------------------------


@hookspec
def pyknative_startup(platform: PlatformContext) -> None:
    """The platform has started (store open, controllers running); plugins may start background work.

    May be ``async``; every implementation is awaited.
    """


@hookspec
def pyknative_shutdown(platform: PlatformContext) -> None:
    """The platform is stopping; release what ``pyknative_startup`` acquired. May be ``async``."""
