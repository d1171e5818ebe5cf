"""Typed views of Knative Serving's ConfigMaps: network, domain, defaults, autoscaler, deployment, gc, features.

Each ``*.from_section(data)`` reads one effective section (every key present, values as strings), parses the
values as Knative's Go code does, applies the same cross-key checks, and raises one
:class:`~pyknative.errors.ConfigError` naming every bad ``section.key``. Durations are seconds (float).
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable, Mapping
from typing import TypeVar

import attrs

from pyknative.config import gotemplate
from pyknative.config import values as v
from pyknative.config._reader import SectionReader
from pyknative.config.selectors import LabelSelector, parse_label_selector
from pyknative.errors import ConfigError

T = TypeVar("T")

CLUSTER_LOCAL_DOMAIN = "svc.cluster.local"
"""Knative's default domain when ``config-domain`` names no catch-all domain, and the cluster-local suffix."""

VISIBILITY_LABEL = "networking.knative.dev/visibility"
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"

# ------------------------------------------------------------------------------------------------ network


def check_domain_template(text: str) -> str:
    """A domain-template that renders to a bare host name, as Knative checks it (ValueError otherwise)."""
    host = gotemplate.render(
        text, {"Name": "foo", "Namespace": "bar", "Domain": "baz.com", "Annotations": {}, "Labels": {}}
    )
    if not host or any(c in host for c in "/?# \t\n"):
        raise ValueError(f"domain-template must render to a host name, got {host!r} from {text!r}")
    return text


def check_tag_template(text: str) -> str:
    gotemplate.render(text, {"Name": "foo", "Tag": "v2"})
    return text


def check_name_template(text: str) -> str:
    """A container-name template over the parent's ObjectMeta (``{{.Name}}``, ``{{.Namespace}}``...)."""
    gotemplate.render(text, _meta_fields("foo", "bar"))
    return text


def _meta_fields(name: str, namespace: str) -> dict[str, object]:
    return {
        "Name": name,
        "Namespace": namespace,
        "GenerateName": "",
        "UID": "",
        "Labels": {},
        "Annotations": {},
    }


def _enabled(text: str) -> bool:
    return text.strip().lower() == "enabled"


@attrs.frozen
class NetworkConfig:
    """``config-network`` (knative.dev/networking)."""

    ingress_class: str
    certificate_class: str
    domain_template: str
    tag_template: str
    namespace_wildcard_cert_selector: LabelSelector | None
    external_domain_tls: bool
    cluster_local_domain_tls: bool
    system_internal_tls: bool
    http_protocol: str  # "enabled" | "disabled" | "redirected"
    rollout_duration: int  # seconds
    autocreate_cluster_domain_claims: bool
    enable_mesh_pod_addressability: bool
    mesh_compatibility_mode: str  # "auto" | "enabled" | "disabled"
    default_external_scheme: str

    @property
    def external_scheme(self) -> str:
        """The scheme of external URLs: https when external-domain-tls is on, else default-external-scheme."""
        return "https" if self.external_domain_tls else self.default_external_scheme

    def host(
        self,
        name: str,
        namespace: str,
        domain: str,
        *,
        labels: Mapping[str, str] | None = None,
        annotations: Mapping[str, str] | None = None,
    ) -> str:
        """The host name ``domain-template`` gives a Route (``name`` is the tag-template result for tags)."""
        return gotemplate.render(
            self.domain_template,
            {
                "Name": name,
                "Namespace": namespace,
                "Domain": domain,
                "Labels": dict(labels or {}),
                "Annotations": dict(annotations or {}),
            },
        )

    def tag_name(self, name: str, tag: str) -> str:
        """The name ``tag-template`` gives a Route's traffic tag."""
        return gotemplate.render(self.tag_template, {"Name": name, "Tag": tag})

    @classmethod
    def from_section(cls, data: Mapping[str, str]) -> NetworkConfig:
        r = SectionReader("config-network", data)
        tls = {
            k: r.get(k, _enabled)
            for k in ("external-domain-tls", "cluster-local-domain-tls", "system-internal-tls")
        }
        rollout = r.get("rollout-duration", v.parse_int)
        if rollout is not None and rollout < 0:
            r.fail("rollout-duration", f"must be a non-negative number of seconds, got {rollout}")
        domain_template = r.get("domain-template", check_domain_template)
        tag_template = r.get("tag-template", check_tag_template)
        selector = r.get(
            "namespace-wildcard-cert-selector",
            lambda s: parse_label_selector(v.parse_yaml(s), "namespace-wildcard-cert-selector"),
        )
        autocreate = r.get("autocreate-cluster-domain-claims", v.parse_bool)
        mesh_pods = r.get("enable-mesh-pod-addressability", v.parse_bool)
        return r.done(
            lambda: cls(
                ingress_class=data["ingress-class"].strip(),
                certificate_class=data["certificate-class"].strip(),
                domain_template=domain_template,
                tag_template=tag_template,
                namespace_wildcard_cert_selector=selector,
                external_domain_tls=tls["external-domain-tls"],
                cluster_local_domain_tls=tls["cluster-local-domain-tls"],
                system_internal_tls=tls["system-internal-tls"],
                http_protocol=data["http-protocol"].strip().lower(),
                rollout_duration=rollout,
                autocreate_cluster_domain_claims=autocreate,
                enable_mesh_pod_addressability=mesh_pods,
                mesh_compatibility_mode=data["mesh-compatibility-mode"].strip().lower(),
                default_external_scheme=data["default-external-scheme"].strip().lower(),
            )
        )


# ------------------------------------------------------------------------------------------------- domain


@attrs.frozen
class DomainRule:
    """One ``config-domain`` entry: ``domain`` serves Routes whose labels match ``selector`` (all of it)."""

    domain: str
    selector: Mapping[str, str] = attrs.field(factory=dict)
    type: str = ""  # "wildcard" for catch-all domains, as Knative sets it

    @property
    def specificity(self) -> int:
        return len(self.selector)

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(labels.get(k) == val for k, val in self.selector.items())


def parse_domain_rule(domain: str, text: str) -> DomainRule:
    """A ``config-domain`` value: empty (catch-all) or YAML with ``selector:`` and optionally ``type:``."""
    doc = v.parse_yaml(text)
    if doc is None:
        return DomainRule(domain, {}, "wildcard")
    if not isinstance(doc, Mapping):
        raise ValueError("expected an empty value or a mapping with 'selector' (and optionally 'type')")
    unknown = sorted(str(k) for k in doc if k not in ("selector", "type"))
    if unknown:
        raise ValueError(f"unknown fields {unknown}; expected 'selector' and optionally 'type'")
    selector = v.parse_string_map(doc.get("selector"), "selector")
    kind = doc.get("type") or ""
    if not isinstance(kind, str):
        raise ValueError("type must be a string")
    return DomainRule(domain, selector, "wildcard" if not selector else kind)


@attrs.frozen
class DomainConfig:
    """``config-domain``: which domain a Route is served under, chosen by its labels as Knative does."""

    rules: tuple[DomainRule, ...]

    def domain_for(self, namespace: str, labels: Mapping[str, str] | None = None) -> str:
        """The domain for a Route (or Service) in ``namespace`` with ``labels``.

        The label ``networking.knative.dev/visibility: cluster-local`` gives ``svc.cluster.local``. Otherwise the
        matching rule with the largest selector wins, ties going to the alphabetically first domain; a rule
        with no selector matches everything. pyknative addition: a selector may name the namespace through the
        label ``kubernetes.io/metadata.name`` (as Kubernetes labels namespaces), unless the Route itself
        carries that label.
        """
        have = {NAMESPACE_NAME_LABEL: namespace, **(labels or {})}
        if have.get(VISIBILITY_LABEL) == "cluster-local":
            return CLUSTER_LOCAL_DOMAIN
        best: DomainRule | None = None
        for rule in self.rules:
            if not rule.matches(have):
                continue
            if (
                best is None
                or rule.specificity > best.specificity
                or (rule.specificity == best.specificity and rule.domain < best.domain)
            ):
                best = rule
        return best.domain if best else CLUSTER_LOCAL_DOMAIN

    @property
    def default_domain(self) -> str:
        """The domain of a Route with no labels."""
        return self.domain_for("", {})

    @classmethod
    def from_section(cls, data: Mapping[str, str]) -> DomainConfig:
        r = SectionReader("config-domain", data)
        rules = [r.get(domain, lambda s, d=domain: parse_domain_rule(d, s)) for domain in data]
        return r.done(lambda: cls(_with_default(rules)))


def _with_default(rules: list[DomainRule]) -> tuple[DomainRule, ...]:
    if not any(rule.specificity == 0 for rule in rules):
        rules = [*rules, DomainRule(CLUSTER_LOCAL_DOMAIN, {}, "wildcard")]
    return tuple(sorted(rules, key=lambda rule: rule.domain))


# ----------------------------------------------------------------------------------------------- defaults


def _quantity(text: str) -> str | None:
    return v.check_quantity(text) or None


@attrs.frozen
class DefaultsConfig:
    """``config-defaults``: what a Revision gets when its spec leaves a field out."""

    revision_timeout_seconds: int
    max_revision_timeout_seconds: int
    revision_response_start_timeout_seconds: int
    revision_idle_timeout_seconds: int
    revision_cpu_request: str | None
    revision_memory_request: str | None
    revision_ephemeral_storage_request: str | None
    revision_cpu_limit: str | None
    revision_memory_limit: str | None
    revision_ephemeral_storage_limit: str | None
    container_name_template: str
    init_container_name_template: str
    container_concurrency: int
    container_concurrency_max_limit: int
    allow_container_concurrency_zero: bool
    enable_service_links: bool | None

    def container_name(self, name: str = "", namespace: str = "") -> str:
        """The default name of the serving container, given the parent's name and namespace."""
        return gotemplate.render(self.container_name_template, _meta_fields(name, namespace))

    def init_container_name(self, name: str = "", namespace: str = "") -> str:
        return gotemplate.render(self.init_container_name_template, _meta_fields(name, namespace))

    @classmethod
    def from_section(cls, data: Mapping[str, str]) -> DefaultsConfig:
        r = SectionReader("config-defaults", data)
        timeout = r.get("revision-timeout-seconds", v.parse_int)
        max_timeout = r.get("max-revision-timeout-seconds", v.parse_int)
        start = r.get(
            "revision-response-start-timeout-seconds", lambda s: v.parse_int(s) if s.strip() else -1
        )
        idle = r.get("revision-idle-timeout-seconds", v.parse_int)
        cc = r.get("container-concurrency", v.parse_int)
        cc_max = r.get("container-concurrency-max-limit", v.parse_int)
        q = {
            k: r.get(k, _quantity)
            for k in (
                "revision-cpu-request",
                "revision-memory-request",
                "revision-ephemeral-storage-request",
                "revision-cpu-limit",
                "revision-memory-limit",
                "revision-ephemeral-storage-limit",
            )
        }
        name_t = r.get("container-name-template", check_name_template)
        init_t = r.get("init-container-name-template", check_name_template)
        allow_zero = r.get("allow-container-concurrency-zero", v.parse_bool)
        links = r.get("enable-service-links", tri_state)
        if not r.errors:
            if start == -1:
                start = timeout  # Knative: follows revision-timeout-seconds when not given
            if timeout > max_timeout:
                r.fail(
                    "revision-timeout-seconds",
                    f"{timeout} cannot be greater than max-revision-timeout-seconds ({max_timeout})",
                )
            if start > 0 and start > timeout:
                r.fail(
                    "revision-response-start-timeout-seconds",
                    f"{start} cannot be greater than revision-timeout-seconds ({timeout})",
                )
            if idle > 0 and idle > timeout:
                r.fail(
                    "revision-idle-timeout-seconds",
                    f"{idle} cannot be greater than revision-timeout-seconds ({timeout})",
                )
            if cc_max < 1:
                r.fail("container-concurrency-max-limit", f"must be at least 1, got {cc_max}")
            elif not 0 <= cc <= cc_max:
                r.fail(
                    "container-concurrency",
                    f"{cc} is outside [0, container-concurrency-max-limit ({cc_max})]",
                )
        return r.done(
            lambda: cls(
                revision_timeout_seconds=timeout,
                max_revision_timeout_seconds=max_timeout,
                revision_response_start_timeout_seconds=start,
                revision_idle_timeout_seconds=idle,
                revision_cpu_request=q["revision-cpu-request"],
                revision_memory_request=q["revision-memory-request"],
                revision_ephemeral_storage_request=q["revision-ephemeral-storage-request"],
                revision_cpu_limit=q["revision-cpu-limit"],
                revision_memory_limit=q["revision-memory-limit"],
                revision_ephemeral_storage_limit=q["revision-ephemeral-storage-limit"],
                container_name_template=name_t,
                init_container_name_template=init_t,
                container_concurrency=cc,
                container_concurrency_max_limit=cc_max,
                allow_container_concurrency_zero=allow_zero,
                enable_service_links=links,
            )
        )


def tri_state(text: str) -> bool | None:
    """``enable-service-links``: true, false, or empty to leave the pod's own default."""
    s = text.strip().lower()
    if s in ("", "default"):
        return None
    if s in ("true", "false"):
        return s == "true"
    raise ValueError(f"expected true, false or empty (leave unset), got {text!r}")


# --------------------------------------------------------------------------------------------- autoscaler

_TARGET_MIN = 0.01
_WINDOW_MIN = 6.0
_WINDOW_MAX = 3600.0


def _whole_seconds(value: float) -> bool:
    return abs(value - round(value)) < 1e-9


@attrs.frozen
class AutoscalerConfig:
    """``config-autoscaler``: the cluster-wide autoscaling knobs (durations in seconds)."""

    container_concurrency_target_percentage: float
    container_concurrency_target_default: float
    requests_per_second_target_default: float
    target_burst_capacity: float
    stable_window: float
    panic_window_percentage: float
    panic_threshold_percentage: float
    max_scale_up_rate: float
    max_scale_down_rate: float
    enable_scale_to_zero: bool
    scale_to_zero_grace_period: float
    scale_to_zero_pod_retention_period: float
    pod_autoscaler_class: str
    activator_capacity: float
    initial_scale: int
    allow_zero_initial_scale: bool
    min_scale: int
    max_scale: int
    scale_down_delay: float
    max_scale_limit: int
    #: A pyknative extension (Knative has no cluster-wide key): the default of the per-revision annotation
    #: ``autoscaling.knative.dev/activation-scale``, the fewest instances a scale-up from zero asks for.
    activation_scale: int = 1

    @property
    def container_concurrency_target_fraction(self) -> float:
        """The target utilisation as a fraction (70 -> 0.7); values in (0, 1] are already fractions."""
        pct = self.container_concurrency_target_percentage
        return pct / 100.0 if pct > 1.0 else pct

    @property
    def panic_window(self) -> float:
        """Seconds: ``panic-window-percentage`` of ``stable-window``."""
        return self.stable_window * self.panic_window_percentage / 100.0

    @classmethod
    def from_values(cls, data: Mapping[str, str] | None = None) -> AutoscalerConfig:
        """``config-autoscaler`` from a partial or unchecked mapping (what a scaler's test hands it, say).

        Every key missing from ``data``, and every value the loader would refuse (one that does not parse, is
        out of range, or conflicts with a key read before it in alphabetical order), takes Knative's default;
        keys that are not ``config-autoscaler``'s are ignored. A mapping the loader accepts gives the same view
        as :meth:`from_section`. Never raises.
        """
        items = tuple(
            sorted((str(k), str(v)) for k, v in (data or {}).items() if k in _autoscaler_defaults())
        )
        return _lenient_autoscaler(items)

    @classmethod
    def from_section(cls, data: Mapping[str, str]) -> AutoscalerConfig:
        r = SectionReader("config-autoscaler", data)
        f = {
            k: r.get(k, v.parse_float)
            for k in (
                "container-concurrency-target-percentage",
                "container-concurrency-target-default",
                "requests-per-second-target-default",
                "target-burst-capacity",
                "panic-window-percentage",
                "panic-threshold-percentage",
                "max-scale-up-rate",
                "max-scale-down-rate",
                "activator-capacity",
            )
        }
        d = {
            k: r.get(k, v.parse_duration)
            for k in (
                "stable-window",
                "scale-to-zero-grace-period",
                "scale-to-zero-pod-retention-period",
                "scale-down-delay",
            )
        }
        i = {
            k: r.get(k, lambda s: v.parse_int(s, bits=32))
            for k in ("initial-scale", "min-scale", "max-scale", "max-scale-limit", "activation-scale")
        }
        b = {k: r.get(k, v.parse_bool) for k in ("enable-scale-to-zero", "allow-zero-initial-scale")}
        if not r.errors:
            _check_autoscaler(r, f, d, i, b)
        return r.done(
            lambda: cls(
                container_concurrency_target_percentage=f["container-concurrency-target-percentage"],
                container_concurrency_target_default=f["container-concurrency-target-default"],
                requests_per_second_target_default=f["requests-per-second-target-default"],
                target_burst_capacity=f["target-burst-capacity"],
                stable_window=d["stable-window"],
                panic_window_percentage=f["panic-window-percentage"],
                panic_threshold_percentage=f["panic-threshold-percentage"],
                max_scale_up_rate=f["max-scale-up-rate"],
                max_scale_down_rate=f["max-scale-down-rate"],
                enable_scale_to_zero=b["enable-scale-to-zero"],
                scale_to_zero_grace_period=d["scale-to-zero-grace-period"],
                scale_to_zero_pod_retention_period=d["scale-to-zero-pod-retention-period"],
                pod_autoscaler_class=data["pod-autoscaler-class"].strip(),
                activator_capacity=f["activator-capacity"],
                initial_scale=i["initial-scale"],
                allow_zero_initial_scale=b["allow-zero-initial-scale"],
                min_scale=i["min-scale"],
                max_scale=i["max-scale"],
                scale_down_delay=d["scale-down-delay"],
                max_scale_limit=i["max-scale-limit"],
                activation_scale=i["activation-scale"],
            )
        )


@functools.cache
def _autoscaler_defaults() -> Mapping[str, str]:
    from pyknative.config.schema import core_schema  # the schema builds on this module's checks

    return types.MappingProxyType(core_schema()["config-autoscaler"])


@functools.lru_cache(maxsize=64)
def _lenient_autoscaler(items: tuple[tuple[str, str], ...]) -> AutoscalerConfig:
    defaults = _autoscaler_defaults()
    try:
        return AutoscalerConfig.from_section({**defaults, **dict(items)})
    except ConfigError:
        pass
    # Some value is refused: take the given keys one by one, keeping each only if the section stays valid.
    values = dict(defaults)
    for key, value in items:
        try:
            AutoscalerConfig.from_section({**values, key: value})
        except ConfigError:
            continue
        values[key] = value
    return AutoscalerConfig.from_section(values)


def _check_autoscaler(r: SectionReader, f: dict, d: dict, i: dict, b: dict) -> None:
    """Knative's validate() for config-autoscaler, reporting every violation."""
    if d["scale-to-zero-grace-period"] <= 0:
        r.fail("scale-to-zero-grace-period", "must be positive")
    delay = d["scale-down-delay"]
    if delay < 0:
        r.fail("scale-down-delay", "cannot be negative")
    elif not _whole_seconds(delay):
        r.fail("scale-down-delay", "must be given with at most second precision")
    if d["scale-to-zero-pod-retention-period"] < 0:
        r.fail("scale-to-zero-pod-retention-period", "cannot be negative")
    tbc = f["target-burst-capacity"]
    if tbc < 0 and tbc != -1:
        r.fail("target-burst-capacity", f"must be non-negative or -1 (unlimited), got {tbc:g}")
    pct = f["container-concurrency-target-percentage"]
    fraction = pct / 100.0 if pct > 1.0 else pct
    if not 0 < fraction <= 1:
        r.fail("container-concurrency-target-percentage", f"{pct:g} is outside (0, 100]")
    elif fraction * f["container-concurrency-target-default"] < _TARGET_MIN:
        r.fail(
            "container-concurrency-target-default",
            f"with container-concurrency-target-percentage {pct:g} gives a target below {_TARGET_MIN}",
        )
    if f["requests-per-second-target-default"] < _TARGET_MIN:
        r.fail("requests-per-second-target-default", f"must be at least {_TARGET_MIN}")
    if f["activator-capacity"] < 1:
        r.fail("activator-capacity", "must be at least 1")
    for key in ("max-scale-up-rate", "max-scale-down-rate"):
        if f[key] <= 1.0:
            r.fail(key, f"must be greater than 1.0, got {f[key]:g}")
    window = d["stable-window"]
    if not _WINDOW_MIN <= window <= _WINDOW_MAX:
        r.fail("stable-window", f"{window:g}s is outside [6s, 1h]")
    elif not _whole_seconds(window):
        r.fail("stable-window", "must be given with at most second precision")
    if not 1.0 <= f["panic-window-percentage"] <= 100.0:
        r.fail("panic-window-percentage", f"{f['panic-window-percentage']:g} is outside [1, 100]")
    initial = i["initial-scale"]
    if initial < 0 or (initial == 0 and not b["allow-zero-initial-scale"]):
        r.fail("initial-scale", f"{initial} must be at least 1 (or 0 when allow-zero-initial-scale is true)")
    limit, max_scale, min_scale = i["max-scale-limit"], i["max-scale"], i["min-scale"]
    if limit < 0:
        r.fail("max-scale-limit", f"must be at least 0, got {limit}")
    elif max_scale < (1 if limit > 0 else 0) or (limit > 0 and max_scale > limit):
        r.fail(
            "max-scale",
            f"{max_scale} must be in [{1 if limit > 0 else 0}, max-scale-limit ({limit})]"
            if limit > 0
            else f"must be at least 0, got {max_scale}",
        )
    if min_scale < 0 or (max_scale > 0 and min_scale > max_scale):
        r.fail("min-scale", f"{min_scale} must be between 0 and max-scale ({max_scale})")
    # pyknative's own key (the annotation's rules: 1 means no floor on activation, never above max-scale)
    activation = i["activation-scale"]
    if activation < 1:
        r.fail("activation-scale", f"must be at least 1, got {activation}")
    elif max_scale > 0 and activation > max_scale:
        r.fail("activation-scale", f"{activation} must not be greater than max-scale ({max_scale})")


# --------------------------------------------------------------------------------------------- deployment


def _csv(text: str) -> frozenset[str]:
    return frozenset(p.strip() for p in text.split(",") if p.strip())


@attrs.frozen
class DeploymentConfig:
    """``config-deployment``: how Revisions become running workloads (durations in seconds)."""

    queue_sidecar_image: str
    progress_deadline: float
    digest_resolution_timeout: float
    registries_skipping_tag_resolving: frozenset[str]
    queue_sidecar_cpu_request: str | None
    queue_sidecar_cpu_limit: str | None
    queue_sidecar_memory_request: str | None
    queue_sidecar_memory_limit: str | None
    queue_sidecar_ephemeral_storage_request: str | None
    queue_sidecar_ephemeral_storage_limit: str | None
    queue_sidecar_token_audiences: frozenset[str]
    queue_sidecar_rootca: str
    concurrency_state_endpoint: str
    concurrency_state_token_path: str
    runtime_class_name: object
    pod_is_always_schedulable: bool
    default_affinity_type: str

    @classmethod
    def from_section(cls, data: Mapping[str, str]) -> DeploymentConfig:
        r = SectionReader("config-deployment", data)
        deadline = r.get("progress-deadline", v.parse_duration)
        digest = r.get("digest-resolution-timeout", v.parse_duration)
        q = {
            f"queue-sidecar-{res}-{kind}": r.get(f"queue-sidecar-{res}-{kind}", _quantity)
            for res in ("cpu", "memory", "ephemeral-storage")
            for kind in ("request", "limit")
        }
        runtime_class = r.get("runtime-class-name", v.parse_yaml)
        schedulable = r.get("pod-is-always-schedulable", v.parse_bool)
        if not r.errors:
            if deadline <= 0:
                r.fail("progress-deadline", "must be a positive duration")
            elif not _whole_seconds(deadline):
                r.fail("progress-deadline", "must be a whole number of seconds")
            if digest <= 0:
                r.fail("digest-resolution-timeout", "must be a positive duration")
        return r.done(
            lambda: cls(
                queue_sidecar_image=data["queue-sidecar-image"].strip(),
                progress_deadline=deadline,
                digest_resolution_timeout=digest,
                registries_skipping_tag_resolving=_csv(data["registries-skipping-tag-resolving"]),
                queue_sidecar_cpu_request=q["queue-sidecar-cpu-request"],
                queue_sidecar_cpu_limit=q["queue-sidecar-cpu-limit"],
                queue_sidecar_memory_request=q["queue-sidecar-memory-request"],
                queue_sidecar_memory_limit=q["queue-sidecar-memory-limit"],
                queue_sidecar_ephemeral_storage_request=q["queue-sidecar-ephemeral-storage-request"],
                queue_sidecar_ephemeral_storage_limit=q["queue-sidecar-ephemeral-storage-limit"],
                queue_sidecar_token_audiences=_csv(data["queue-sidecar-token-audiences"]),
                queue_sidecar_rootca=data["queue-sidecar-rootca"],
                concurrency_state_endpoint=data["concurrency-state-endpoint"].strip(),
                concurrency_state_token_path=data["concurrency-state-token-path"].strip(),
                runtime_class_name=runtime_class,
                pod_is_always_schedulable=schedulable,
                default_affinity_type=data["default-affinity-type"].strip().lower(),
            )
        )


# ----------------------------------------------------------------------------------------------------- gc


def or_disabled(parse: Callable[[str], T]) -> Callable[[str], T | None]:
    """``parse``, except that the word "disabled" reads as ``None`` (config-gc's "no limit")."""
    return lambda s: None if s.strip().lower() == "disabled" else parse(s)


@attrs.frozen
class GcConfig:
    """``config-gc``: which non-active Revisions are kept; ``None`` means the limit is disabled."""

    retain_since_create_time: float | None
    retain_since_last_active_time: float | None
    min_non_active_revisions: int
    max_non_active_revisions: int | None

    @classmethod
    def from_section(cls, data: Mapping[str, str]) -> GcConfig:
        r = SectionReader("config-gc", data)
        create = r.get("retain-since-create-time", or_disabled(v.parse_duration))
        active = r.get("retain-since-last-active-time", or_disabled(v.parse_duration))
        lo = r.get("min-non-active-revisions", v.parse_int)
        hi = r.get("max-non-active-revisions", or_disabled(v.parse_int))
        if not r.errors:
            if lo < 0:
                r.fail("min-non-active-revisions", f"must be at least 0, got {lo}")
            if hi is not None and hi < 0:
                r.fail("max-non-active-revisions", f'must be at least 0 or "disabled", got {hi}')
            elif hi is not None and lo > hi:
                r.fail("max-non-active-revisions", f"{hi} must be at least min-non-active-revisions ({lo})")
            for key, value in (
                ("retain-since-create-time", create),
                ("retain-since-last-active-time", active),
            ):
                if value is not None and value < 0:
                    r.fail(key, "cannot be negative")
        return r.done(lambda: cls(create, active, lo, hi))


# ----------------------------------------------------------------------------------------------- features


@attrs.frozen
class FeaturesConfig:
    """``config-features`` (Serving's and Eventing's flags in one section), values lower-cased."""

    flags: Mapping[str, str]

    def flag(self, name: str) -> str:
        """The flag's value ("enabled", "disabled", "allowed", ...); unknown flags read as "disabled"."""
        return self.flags.get(name, "disabled")

    def is_enabled(self, name: str) -> bool:
        return self.flag(name) == "enabled"

    def is_allowed(self, name: str) -> bool:
        """Enabled, or allowed (a resource may opt in, e.g. with a features.knative.dev/* annotation)."""
        return self.flag(name) in ("enabled", "allowed")

    def is_disabled(self, name: str) -> bool:
        return self.flag(name) == "disabled"

    @property
    def node_selector(self) -> Mapping[str, str]:
        """Eventing's ``apiserversources-nodeselector-<label>`` keys as a node selector."""
        prefix = "apiserversources-nodeselector-"
        return {k[len(prefix) :]: val.strip() for k, val in self.flags.items() if k.startswith(prefix)}

    @classmethod
    def from_section(cls, data: Mapping[str, str]) -> FeaturesConfig:
        return cls(
            {
                k: val if k.startswith("apiserversources-nodeselector-") else val.strip().lower()
                for k, val in data.items()
            }
        )
