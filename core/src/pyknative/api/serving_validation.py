"""Validation for serving.knative.dev/v1, as Knative's webhook does it, returning every error with its field path.

Checks take the object (and the old one on update) and never read the store: traffic naming a revision that does
not exist (yet) is accepted, as Knative accepts it, and the Route reports ``RevisionMissing`` until it exists
(:mod:`pyknative.reconciler.route.traffic`).
A revision template's ``autoscaling.knative.dev/*`` annotations are checked by the scaler of its autoscaler class
(:func:`validate_autoscaling`), reached through ``AdmissionContext.scalers``, then against ``config-autoscaler``'s
``max-scale-limit`` and ``allow-zero-initial-scale`` by the core whatever the class, and its other annotations by
every plugin that answers ``pyknative_validate_annotations`` (``AdmissionContext.annotation_checks``).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable, Mapping

from pyknative.api.annotations import validate_autoscaling_annotations, validate_cluster_limits
from pyknative.api.autoscaling import CLASS_ANNOTATION, KPA_CLASS
from pyknative.api.kinds import AdmissionContext
from pyknative.api.podspec import Container, Probe
from pyknative.api.podspec_validation import validate_env_sources, validate_volumes
from pyknative.api.serving import (
    Configuration,
    Revision,
    RevisionSpec,
    RevisionTemplateSpec,
    Route,
    Service,
    TrafficTarget,
)
from pyknative.errors import BackendNotInstalledError, FieldError

_DNS1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_DNS1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
RESERVED_ENV = ("PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION")
RESERVED_PORTS = (8012, 8013, 8022, 9090, 9091)
MAX_TIMEOUT_DEFAULT = 600
MAX_CONCURRENCY_DEFAULT = 1000


def _cfg_int(ctx: AdmissionContext, key: str, default: int) -> int:
    if ctx.config is not None:
        try:
            return int(ctx.config.get("config-defaults", key))
        except (KeyError, ValueError):
            pass
    return default


def validate_name(name: str | None, path: str = "metadata.name") -> list[FieldError]:
    if not name:
        return []
    if len(name) > 63:
        return [FieldError(path, f"must be no more than 63 characters, got {len(name)}")]
    if not _DNS1035.match(name):
        return [FieldError(path, f"invalid name {name!r}: must be a DNS-1035 label (lowercase letters, digits and '-', starting with a letter)")]
    return []


def validate_probe(probe: Probe | None, path: str) -> list[FieldError]:
    if probe is None:
        return []
    handlers = [h for h in ("httpGet", "tcpSocket", "exec") if getattr(probe, {"httpGet": "http_get", "tcpSocket": "tcp_socket", "exec": "exec"}[h]) is not None]
    errors = []
    if len(handlers) > 1:
        errors.append(FieldError(path, f"expected exactly one handler, got {', '.join(handlers)}"))
    for field in ("period_seconds", "timeout_seconds", "success_threshold", "failure_threshold", "initial_delay_seconds"):
        v = getattr(probe, field)
        if v is not None and v < 0:
            errors.append(FieldError(f"{path}.{_camel(field)}", f"must be >= 0, got {v}"))
    return errors


def validate_container(c: Container, path: str, *, serving: bool) -> list[FieldError]:
    errors: list[FieldError] = []
    if not c.image:
        errors.append(FieldError(f"{path}.image", "required: every container needs an image"))
    if c.name and not _DNS1123.match(c.name):
        errors.append(FieldError(f"{path}.name", f"invalid name {c.name!r}: must be a DNS-1123 label"))
    seen_env: set[str] = set()
    for i, e in enumerate(c.env or ()):
        p = f"{path}.env[{i}]"
        if not e.name:
            errors.append(FieldError(f"{p}.name", "required"))
            continue
        if not _ENV_NAME.match(e.name):
            errors.append(FieldError(f"{p}.name", f"invalid environment variable name {e.name!r}"))
        if e.name in RESERVED_ENV:
            errors.append(FieldError(f"{p}.name", f"{e.name!r} is a reserved environment variable"))
        if e.value is not None and e.value_from is not None:
            errors.append(FieldError(p, "expected exactly one of value or valueFrom, got both"))
        seen_env.add(e.name)
    errors += validate_env_sources(c, path)
    ports = c.ports or ()
    if len(ports) > 1:
        errors.append(FieldError(f"{path}.ports", f"more than one container port is set, got {len(ports)}"))
    for i, p in enumerate(ports):
        port = p.container_port
        pp = f"{path}.ports[{i}].containerPort"
        if port is not None and not 0 < port < 65536:
            errors.append(FieldError(pp, f"must be in [1, 65535], got {port}"))
        elif port in RESERVED_PORTS:
            errors.append(FieldError(pp, f"port {port} is reserved by Knative"))
        if p.name not in (None, "", "h2c", "http1"):
            errors.append(
                FieldError(f"{path}.ports[{i}].name", f"must be empty, or one of: 'h2c', 'http1', got {p.name!r}")
            )
        if p.protocol not in (None, "TCP"):
            errors.append(FieldError(f"{path}.ports[{i}].protocol", f"must be TCP, got {p.protocol!r}"))
    errors += validate_probe(c.readiness_probe, f"{path}.readinessProbe")
    errors += validate_probe(c.liveness_probe, f"{path}.livenessProbe")
    if not serving and c.readiness_probe is not None:
        pass  # Knative allows probes on sidecars since 1.x
    return errors


def validate_revision_spec(spec: RevisionSpec | None, path: str, ctx: AdmissionContext) -> list[FieldError]:
    if spec is None:
        return [FieldError(path, "required")]
    errors: list[FieldError] = []
    containers = spec.containers or ()
    if not containers:
        errors.append(FieldError(f"{path}.containers", "required: at least one container"))
    elif len(containers) > 1 and sum(1 for c in containers if c.ports) != 1:
        errors.append(FieldError(f"{path}.containers", "exactly one container must declare a port when there are several"))
    for i, c in enumerate(containers):
        errors += validate_container(c, f"{path}.containers[{i}]", serving=c is spec.serving_container)
    errors += validate_volumes(spec.volumes, containers, path)
    names = [c.name for c in containers if c.name]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        errors.append(FieldError(f"{path}.containers", f"duplicate container name {dup!r}"))
    cc_max = _cfg_int(ctx, "container-concurrency-max-limit", MAX_CONCURRENCY_DEFAULT)
    cc = spec.container_concurrency
    if cc is not None and not 0 <= cc <= cc_max:
        errors.append(FieldError(f"{path}.containerConcurrency", f"must be in [0, {cc_max}], got {cc}"))
    t_max = _cfg_int(ctx, "max-revision-timeout-seconds", MAX_TIMEOUT_DEFAULT)
    for field, key in (("timeout_seconds", "timeoutSeconds"), ("response_start_timeout_seconds", "responseStartTimeoutSeconds"), ("idle_timeout_seconds", "idleTimeoutSeconds")):
        v = getattr(spec, field)
        if v is not None and not 0 <= v <= t_max:
            errors.append(FieldError(f"{path}.{key}", f"must be in [0, {t_max}], got {v}"))
    return errors


async def validate_autoscaling(
    annotations: Mapping[str, str] | None, path: str, ctx: AdmissionContext
) -> list[FieldError]:
    """A revision's autoscaling annotations (``path`` names the annotations map): its class's scaler's checks,
    the cluster's limits from ``config-autoscaler`` (Knative defaults without a config), then every plugin's
    ``pyknative_validate_annotations`` (``AdmissionContext.annotation_checks``), whatever the class (scheduled
    floors, say)."""
    errors = await _validate_class_annotations(annotations, path, ctx)
    limit, allow_zero = _cluster_limits(ctx)
    errors += validate_cluster_limits(
        annotations, path, max_scale_limit=limit, allow_zero_initial_scale=allow_zero
    )
    if ctx.annotation_checks is not None:
        errors += await ctx.annotation_checks(dict(annotations or {}), path)
    return errors


async def _validate_class_annotations(
    annotations: Mapping[str, str] | None, path: str, ctx: AdmissionContext
) -> list[FieldError]:
    """A revision's autoscaling annotations, checked by its class's scaler.

    The class is the ``autoscaling.knative.dev/class`` annotation or ``config-autoscaler``'s
    ``pod-autoscaler-class``; its scaler's ``validate(annotations, path)`` decides (Knative's
    ``ValidateAnnotations`` is the class's). A class no installed plugin provides is an error on the class
    annotation. Without a platform to ask (``ctx.scalers`` None), or for a scaler without ``validate``, the
    core's own class-independent checks apply.
    """
    ann = dict(annotations or {})
    if ctx.scalers is None:
        return validate_autoscaling_annotations(ann, path)
    cls = ann.get(CLASS_ANNOTATION) or _default_class(ctx)
    try:
        scaler = await ctx.scalers(cls)
    except BackendNotInstalledError as e:
        hint = f"; install it with: pip install 'pyknative[{e.extra}]'" if e.extra else ""
        where = f"{path}[{CLASS_ANNOTATION}]" if CLASS_ANNOTATION in ann else path
        return [FieldError(where, f"autoscaler class {cls!r} is not provided by any installed plugin{hint}")]
    validate = getattr(scaler, "validate", None)
    if validate is None:
        return validate_autoscaling_annotations(ann, path)
    found = validate(ann, path)
    if inspect.isawaitable(found):
        found = await found
    return list(found or ())


def _cluster_limits(ctx: AdmissionContext) -> tuple[int, bool]:
    """``(max-scale-limit, allow-zero-initial-scale)`` of ``config-autoscaler``; Knative's ``(0, False)`` without it."""
    autoscaler = getattr(ctx.config, "autoscaler", None)
    if autoscaler is None:
        return 0, False
    return autoscaler.max_scale_limit, autoscaler.allow_zero_initial_scale


def _default_class(ctx: AdmissionContext) -> str:
    if ctx.config is not None:
        try:
            return ctx.config.get("config-autoscaler", "pod-autoscaler-class") or KPA_CLASS
        except KeyError:
            pass
    return KPA_CLASS


async def validate_template(
    template: RevisionTemplateSpec | None, path: str, owner_name: str, ctx: AdmissionContext
) -> list[FieldError]:
    if template is None:
        return [FieldError(path, "required")]
    errors: list[FieldError] = []
    meta = template.metadata
    if meta is not None:
        if meta.name:
            errors += validate_name(meta.name, f"{path}.metadata.name")
            if owner_name and not meta.name.startswith(owner_name + "-"):
                errors.append(FieldError(f"{path}.metadata.name", f"revision name {meta.name!r} must have prefix {owner_name + '-'!r}"))
    errors += await validate_autoscaling(meta.annotations if meta else None, f"{path}.metadata.annotations", ctx)
    errors += validate_revision_spec(template.spec, f"{path}.spec", ctx)
    return errors


def validate_traffic(traffic: Iterable[TrafficTarget] | None, path: str, *, in_service: bool) -> list[FieldError]:
    targets = tuple(traffic or ())
    errors: list[FieldError] = []
    total = 0
    tags: dict[str, int] = {}
    for i, t in enumerate(targets):
        p = f"{path}[{i}]"
        if t.percent is not None:
            if not 0 <= t.percent <= 100:
                errors.append(FieldError(f"{p}.percent", f"must be in [0, 100], got {t.percent}"))
            else:
                total += t.percent
        if t.url:
            errors.append(FieldError(f"{p}.url", "must not be set: it is filled in by the system"))
        if in_service and t.configuration_name:
            errors.append(FieldError(f"{p}.configurationName", "must not be set on a Service: it routes to its own configuration"))
        if t.latest_revision and t.revision_name:
            errors.append(FieldError(f"{p}.revisionName", "must not be set when latestRevision is true"))
        if t.latest_revision is False and not t.revision_name:
            errors.append(FieldError(f"{p}.revisionName", "required when latestRevision is false"))
        if not in_service and not t.revision_name and not t.configuration_name:
            errors.append(FieldError(p, "expected exactly one of revisionName or configurationName"))
        if t.revision_name:
            errors += [e.under(f"{p}.revisionName") for e in validate_name(t.revision_name, "")]
        if t.tag is not None:
            if not _DNS1123.match(t.tag) or len(t.tag) > 63:
                errors.append(FieldError(f"{p}.tag", f"invalid tag {t.tag!r}: must be a DNS-1123 label"))
            if t.tag in tags:
                errors.append(FieldError(f"{p}.tag", f"duplicate tag {t.tag!r} (also at {path}[{tags[t.tag]}])"))
            else:
                tags[t.tag] = i
    if targets and total != 100:
        errors.append(FieldError(path, f"percents sum to {total}, want 100"))
    return errors


def immutable_template_name(
    new: RevisionTemplateSpec | None, old: RevisionTemplateSpec | None, path: str
) -> list[FieldError]:
    """A named template (BYO revision name) must change name when its spec changes, as Knative requires."""
    if new is None or old is None or new.metadata is None or old.metadata is None:
        return []
    if new.metadata.name and new.metadata.name == old.metadata.name:
        if (new.spec, new.metadata.annotations, new.metadata.labels) != (old.spec, old.metadata.annotations, old.metadata.labels):
            return [FieldError(f"{path}.metadata.name", f"the template changed but its name {new.metadata.name!r} did not: a named revision is immutable, give the template a new name")]
    return []


async def validate_service(svc: Service, old: Service | None, ctx: AdmissionContext) -> list[FieldError]:
    errors = validate_name(svc.metadata.name)
    spec = svc.spec
    template = spec.template if spec else None
    errors += await validate_template(template, "spec.template", svc.name, ctx)
    errors += validate_traffic(spec.traffic if spec else None, "spec.traffic", in_service=True)
    if old is not None and old.spec is not None:
        errors += immutable_template_name(template, old.spec.template, "spec.template")
    return errors


async def validate_configuration(cfg: Configuration, old: Configuration | None, ctx: AdmissionContext) -> list[FieldError]:
    errors = validate_name(cfg.metadata.name)
    template = cfg.spec.template if cfg.spec else None
    errors += await validate_template(template, "spec.template", cfg.name, ctx)
    if old is not None and old.spec is not None:
        errors += immutable_template_name(template, old.spec.template, "spec.template")
    return errors


async def validate_revision(rev: Revision, old: Revision | None, ctx: AdmissionContext) -> list[FieldError]:
    errors = validate_name(rev.metadata.name)
    errors += await validate_autoscaling(rev.metadata.annotations, "metadata.annotations", ctx)
    errors += validate_revision_spec(rev.spec, "spec", ctx)
    if old is not None and old.spec != rev.spec:
        errors.append(FieldError("spec", "a Revision's spec is immutable: create a new revision by changing the Configuration or Service template"))
    return errors


async def validate_route(route: Route, old: Route | None, ctx: AdmissionContext) -> list[FieldError]:
    errors = validate_name(route.metadata.name)
    traffic = route.spec.traffic if route.spec else None
    errors += validate_traffic(traffic, "spec.traffic", in_service=False)
    return errors


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)
