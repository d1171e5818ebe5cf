"""The known operator-config sections, their keys and defaults: Knative's ConfigMaps plus ``pyknative``.

A schema maps a section (a Knative ConfigMap name) to its keys and their default string values. A key that
contains ``*`` is a pattern (``fnmatch`` style): it admits any key it matches but is never itself a setting, so a
section whose only key is ``"*"`` is *open* (``config-domain``, whose keys are domains). A default may also be
a :class:`Key`, which adds a check of the value and whether a nested YAML mapping is accepted for it.

Defaults are the values Knative uses when the key is absent from its ConfigMap (Knative v1.17-era
``config/core/configmaps`` and the Go parsers behind them). ``""`` means "not set" where Knative has no value
(resource requests, optional endpoints). Deliberate differences, all for running without Kubernetes:
``config-network.ingress-class`` defaults to pyknative's embedded ingress instead of Istio, ``config-deployment``
has no queue-proxy image, and ``config-observability.logging.revision-url-template`` has no Kibana URL.
"""

from __future__ import annotations

import fnmatch
import json
import types
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from pyknative.config import values as v
from pyknative.config.eventing import (
    KNATIVE_BR_DEFAULTS,
    KNATIVE_CH_DEFAULTS,
    parse_br_defaults,
    parse_ch_defaults,
    parse_channel_template,
)
from pyknative.config.selectors import parse_label_selector
from pyknative.config.serving import (
    check_domain_template,
    check_name_template,
    check_tag_template,
    or_disabled,
    parse_domain_rule,
    tri_state,
)


@attrs.frozen
class Key:
    """A key's default, an optional check (raises ValueError), and how a nested mapping given for it is stored.

    ``structured`` is ``False`` (only scalars), ``True``/``"yaml"`` (a mapping or list is stored as the YAML text
    Knative would read) or ``"json"`` (stored as JSON text, e.g. ``zap-logger-config``).
    """

    default: str = ""
    check: Callable[[str], object] | None = attrs.field(default=None, eq=False)
    structured: bool | str = False


ConfigSchema = Mapping[str, Mapping[str, str | Key]]
"""section -> key -> default (or :class:`Key`); keys containing ``*`` are patterns."""

OPEN = "*"


def is_pattern(key: str) -> bool:
    return "*" in key


def matching_key(keys: Mapping[str, object], key: str) -> str | None:
    """The schema key that admits ``key``: itself, or the first pattern it matches."""
    if key in keys and not is_pattern(key):
        return key
    for pattern in keys:
        if is_pattern(pattern) and fnmatch.fnmatchcase(key, pattern):
            return pattern
    return None


def as_key(spec: str | Key) -> Key:
    return spec if isinstance(spec, Key) else Key(default=str(spec))


def merge_schemas(*schemas: ConfigSchema | None) -> dict[str, dict[str, Key]]:
    """One schema from several; later ones add sections and keys (and may replace a key's default)."""
    out: dict[str, dict[str, Key]] = {}
    for schema in schemas:
        for section, keys in (schema or {}).items():
            merged = out.setdefault(str(section), {})
            for key, spec in keys.items():
                merged[str(key)] = as_key(spec)
    return out


def core_schema() -> dict[str, dict[str, str]]:
    """The core sections and keys with their default values (patterns included, see module doc)."""
    return {section: {k: spec.default for k, spec in keys.items()} for section, keys in core_keys().items()}


def core_keys() -> dict[str, dict[str, Key]]:
    """The core schema with each key's check."""
    return {
        "config-network": _network(),
        "config-domain": {OPEN: Key("", _check_domain_value, structured=True)},
        "config-defaults": _defaults(),
        "config-autoscaler": _autoscaler(),
        "config-deployment": _deployment(),
        "config-gc": _gc(),
        "config-features": _features(),
        "config-logging": _logging(),
        "config-observability": _observability(),
        "config-tracing": _tracing(),
        "config-br-defaults": {"default-br-config": Key(KNATIVE_BR_DEFAULTS, parse_br_defaults, structured=True)},
        "config-br-default-channel": {
            "channel-template-spec": Key(_IMC, _check_channel_template, structured=True),
        },
        "default-ch-webhook": {"default-ch-config": Key(KNATIVE_CH_DEFAULTS, parse_ch_defaults, structured=True)},
        "config-ping-defaults": {"data-max-size": Key("-1", v.parse_int)},
        "config-sugar": {
            "namespace-sugar-selector": Key("", _check_label_selector, structured=True),
            "trigger-sugar-selector": Key("", _check_label_selector, structured=True),
        },
        "config-kreference-mapping": {OPEN: Key("")},
        "pyknative": _pyknative(),
    }


# Keys Knative still reads under an older name: using the old name is an error that names the new one.
RENAMED: Mapping[str, Mapping[str, str]] = types.MappingProxyType(
    {
        "config-network": {
            "auto-tls": "external-domain-tls",
            "autoTLS": "external-domain-tls",
            "internal-encryption": "system-internal-tls",
            "ingress.class": "ingress-class",
            "certificate.class": "certificate-class",
            "domainTemplate": "domain-template",
            "tagTemplate": "tag-template",
            "rolloutDuration": "rollout-duration",
            "autocreateClusterDomainClaims": "autocreate-cluster-domain-claims",
            "defaultExternalScheme": "default-external-scheme",
            "httpProtocol": "http-protocol",
        },
        "config-deployment": {
            "queueSidecarImage": "queue-sidecar-image",
            "progressDeadline": "progress-deadline",
            "digestResolutionTimeout": "digest-resolution-timeout",
            "registriesSkippingTagResolving": "registries-skipping-tag-resolving",
            "queue-sidecar-tokens": "queue-sidecar-token-audiences",
        },
        "config-br-default-channel": {"channelTemplateSpec": "channel-template-spec"},
        "config-ping-defaults": {"dataMaxSize": "data-max-size"},
    }
)

# ---------------------------------------------------------------------------------------------- checks


def _enum(*allowed: str) -> Callable[[str], str]:
    def check(text: str) -> str:
        s = text.strip().lower()
        if s not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}, got {text!r}")
        return s

    return check


def _optional(check: Callable[[str], object]) -> Callable[[str], object]:
    def wrapped(text: str) -> object:
        return None if not text.strip() else check(text)

    return wrapped


def _int32(text: str) -> int:
    return v.parse_int(text, bits=32)


def _json_object(text: str) -> Any:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    if not isinstance(value, dict):
        raise ValueError("expected a JSON object")
    return value


def _check_label_selector(text: str) -> object:
    return parse_label_selector(v.parse_yaml(text), "label selector")


def _check_domain_value(text: str) -> object:
    return parse_domain_rule("", text)


def _check_channel_template(text: str) -> object:
    return parse_channel_template(v.parse_yaml(text), "channel-template-spec")


def _positive_duration(text: str) -> float:
    value = v.parse_duration(text)
    if value <= 0:
        raise ValueError(f"expected a duration above 0 such as 2s or 500ms, got {text!r}")
    return value


def _port(text: str) -> int:
    value = v.parse_int(text)
    if not 0 <= value <= 65535:
        raise ValueError(f"expected a TCP port between 0 and 65535, got {text!r}")
    return value


def _non_empty(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be empty")
    return text.strip()


# --------------------------------------------------------------------------------------------- serving

_SERVING_FLAGS = ("enabled", "disabled", "allowed")


def _network() -> dict[str, Key]:
    tls = _enum("enabled", "disabled")
    return {
        "ingress-class": Key("embedded.ingress.networking.knative.dev", _non_empty),
        "certificate-class": Key("cert-manager.certificate.networking.knative.dev"),
        "namespace-wildcard-cert-selector": Key("", _check_label_selector, structured=True),
        "domain-template": Key("{{.Name}}.{{.Namespace}}.{{.Domain}}", check_domain_template),
        "tag-template": Key("{{.Tag}}-{{.Name}}", check_tag_template),
        "external-domain-tls": Key("Disabled", tls),
        "cluster-local-domain-tls": Key("Disabled", _optional(tls)),
        "system-internal-tls": Key("Disabled", _optional(tls)),
        "http-protocol": Key("Enabled", _enum("enabled", "disabled", "redirected")),
        "rollout-duration": Key("0", v.parse_int),
        "autocreate-cluster-domain-claims": Key("false", v.parse_bool),
        "enable-mesh-pod-addressability": Key("false", v.parse_bool),
        "mesh-compatibility-mode": Key("auto", _enum("auto", "enabled", "disabled")),
        "default-external-scheme": Key("http", _enum("http", "https")),
    }


def _defaults() -> dict[str, Key]:
    quantity = v.check_quantity
    return {
        "revision-timeout-seconds": Key("300", v.parse_int),
        "max-revision-timeout-seconds": Key("600", v.parse_int),
        # "" = follow revision-timeout-seconds, as Knative does when the key is absent.
        "revision-response-start-timeout-seconds": Key("", _optional(v.parse_int)),
        "revision-idle-timeout-seconds": Key("0", v.parse_int),
        "revision-cpu-request": Key("", quantity),
        "revision-memory-request": Key("", quantity),
        "revision-ephemeral-storage-request": Key("", quantity),
        "revision-cpu-limit": Key("", quantity),
        "revision-memory-limit": Key("", quantity),
        "revision-ephemeral-storage-limit": Key("", quantity),
        "container-name-template": Key("user-container", check_name_template),
        "init-container-name-template": Key("init-container", check_name_template),
        "container-concurrency": Key("0", v.parse_int),
        "container-concurrency-max-limit": Key("1000", v.parse_int),
        "allow-container-concurrency-zero": Key("true", v.parse_bool),
        "enable-service-links": Key("false", tri_state),
    }


def _autoscaler() -> dict[str, Key]:
    return {
        "container-concurrency-target-percentage": Key("70", v.parse_float),
        "container-concurrency-target-default": Key("100", v.parse_float),
        "requests-per-second-target-default": Key("200", v.parse_float),
        "target-burst-capacity": Key("211", v.parse_float),
        "stable-window": Key("60s", v.parse_duration),
        "panic-window-percentage": Key("10.0", v.parse_float),
        "panic-threshold-percentage": Key("200.0", v.parse_float),
        "max-scale-up-rate": Key("1000.0", v.parse_float),
        "max-scale-down-rate": Key("2.0", v.parse_float),
        "enable-scale-to-zero": Key("true", v.parse_bool),
        "scale-to-zero-grace-period": Key("30s", v.parse_duration),
        "scale-to-zero-pod-retention-period": Key("0s", v.parse_duration),
        "pod-autoscaler-class": Key("kpa.autoscaling.knative.dev", _non_empty),
        "activator-capacity": Key("100.0", v.parse_float),
        "initial-scale": Key("1", _int32),
        "allow-zero-initial-scale": Key("false", v.parse_bool),
        "min-scale": Key("0", _int32),
        "max-scale": Key("0", _int32),
        "scale-down-delay": Key("0s", v.parse_duration),
        "max-scale-limit": Key("0", _int32),
        # A pyknative extension: Knative only has the per-revision annotation autoscaling.knative.dev/activation-scale
        # (default 1, "Global key: n/a" in its docs); this is the default of that annotation for every revision.
        "activation-scale": Key("1", _int32),
    }


def _deployment() -> dict[str, Key]:
    quantity = v.check_quantity
    return {
        "queue-sidecar-image": Key(""),
        "progress-deadline": Key("600s", v.parse_duration),
        "digest-resolution-timeout": Key("10s", v.parse_duration),
        "registries-skipping-tag-resolving": Key("kind.local,ko.local,dev.local"),
        "queue-sidecar-cpu-request": Key("25m", quantity),
        "queue-sidecar-cpu-limit": Key("", quantity),
        "queue-sidecar-memory-request": Key("", quantity),
        "queue-sidecar-memory-limit": Key("", quantity),
        "queue-sidecar-ephemeral-storage-request": Key("", quantity),
        "queue-sidecar-ephemeral-storage-limit": Key("", quantity),
        "queue-sidecar-token-audiences": Key(""),
        "queue-sidecar-rootca": Key(""),
        "concurrency-state-endpoint": Key(""),
        "concurrency-state-token-path": Key("/var/run/secrets/tokens/state-token"),
        "runtime-class-name": Key("", _optional(v.parse_yaml), structured=True),
        "pod-is-always-schedulable": Key("false", v.parse_bool),
        "default-affinity-type": Key(
            "prefer-spread-revision-over-nodes", _enum("none", "prefer-spread-revision-over-nodes")
        ),
    }


def _gc() -> dict[str, Key]:
    return {
        "retain-since-create-time": Key("48h", or_disabled(v.parse_duration)),
        "retain-since-last-active-time": Key("15h", or_disabled(v.parse_duration)),
        "min-non-active-revisions": Key("20", v.parse_int),
        "max-non-active-revisions": Key("1000", or_disabled(v.parse_int)),
    }


def _features() -> dict[str, Key]:
    flag = _enum(*_SERVING_FLAGS)
    serving = {
        "multi-container": "enabled",
        "multi-container-probing": "disabled",
        "kubernetes.podspec-affinity": "disabled",
        "kubernetes.podspec-topologyspreadconstraints": "disabled",
        "kubernetes.podspec-dryrun": "allowed",
        "kubernetes.podspec-hostaliases": "disabled",
        "kubernetes.podspec-fieldref": "disabled",
        "kubernetes.podspec-nodeselector": "disabled",
        "kubernetes.podspec-runtimeclassname": "disabled",
        "kubernetes.podspec-securitycontext": "disabled",
        "kubernetes.podspec-shareprocessnamespace": "disabled",
        "kubernetes.podspec-hostipc": "disabled",
        "kubernetes.podspec-hostpid": "disabled",
        "kubernetes.podspec-hostnetwork": "disabled",
        "kubernetes.podspec-priorityclassname": "disabled",
        "kubernetes.podspec-schedulername": "disabled",
        "kubernetes.containerspec-addcapabilities": "disabled",
        "kubernetes.podspec-tolerations": "disabled",
        "kubernetes.podspec-volumes-emptydir": "enabled",
        "kubernetes.podspec-volumes-hostpath": "disabled",
        "kubernetes.podspec-volumes-csi": "disabled",
        "kubernetes.podspec-init-containers": "disabled",
        "kubernetes.podspec-persistent-volume-claim": "disabled",
        "kubernetes.podspec-persistent-volume-write": "disabled",
        "kubernetes.podspec-dnspolicy": "disabled",
        "kubernetes.podspec-dnsconfig": "disabled",
        "queueproxy.mount-podinfo": "disabled",
        "queueproxy.resource-defaults": "disabled",
        "tag-header-based-routing": "disabled",
        "autodetect-http2": "disabled",
    }
    eventing = {
        "kreference-group": "disabled",
        "delivery-retryafter": "disabled",
        "delivery-timeout": "enabled",
        "kreference-mapping": "disabled",
        "new-trigger-filters": "enabled",
        "eventtype-auto-create": "disabled",
        "authentication-oidc": "disabled",
        "cross-namespace-event-links": "disabled",
        "new-apiserversource-filters": "disabled",
    }
    out = {k: Key(d, flag) for k, d in {**serving, **eventing}.items()}
    out["secure-pod-defaults"] = Key("disabled", _enum(*_SERVING_FLAGS, "root-allowed"))
    out["transport-encryption"] = Key("disabled", _enum(*_SERVING_FLAGS, "permissive", "strict"))
    out["default-authorization-mode"] = Key(
        "allow-same-namespace", _enum("allow-all", "allow-same-namespace", "deny-all")
    )
    out["apiserversources-nodeselector-*"] = Key("")
    return out


# ------------------------------------------------------------------------------------ shared & eventing

_ZAP_LOGGER_CONFIG = json.dumps(
    {
        "level": "info",
        "development": False,
        "outputPaths": ["stdout"],
        "errorOutputPaths": ["stderr"],
        "encoding": "json",
        "encoderConfig": {
            "timeKey": "timestamp",
            "levelKey": "severity",
            "nameKey": "logger",
            "callerKey": "caller",
            "messageKey": "message",
            "stacktraceKey": "stacktrace",
            "lineEnding": "",
            "levelEncoder": "",
            "timeEncoder": "iso8601",
            "durationEncoder": "",
            "callerEncoder": "",
        },
    },
    indent=2,
)

_LOG_LEVELS = ("debug", "info", "warn", "error", "dpanic", "panic", "fatal")

_REQUEST_LOG_TEMPLATE = (
    '{"httpRequest": {"requestMethod": "{{.Request.Method}}", "requestUrl": "{{js .Request.RequestURI}}", '
    '"requestSize": "{{.Request.ContentLength}}", "status": {{.Response.Code}}, '
    '"responseSize": "{{.Response.Size}}", "userAgent": "{{js .Request.UserAgent}}", '
    '"remoteIp": "{{js .Request.RemoteAddr}}", "serverIp": "{{.Revision.PodIP}}", '
    '"referer": "{{js .Request.Referer}}", "latency": "{{.Response.Latency}}s", '
    '"protocol": "{{.Request.Proto}}"}, "traceId": "{{index .Request.Header "X-B3-Traceid"}}"}'
)


def _logging() -> dict[str, Key]:
    return {
        "zap-logger-config": Key(_ZAP_LOGGER_CONFIG, _json_object, structured="json"),
        "loglevel.*": Key("info", _enum(*_LOG_LEVELS)),
    }


def _observability() -> dict[str, Key]:
    backend = _enum("prometheus", "opencensus", "none")
    return {
        "logging.enable-var-log-collection": Key("false", v.parse_bool),
        "logging.revision-url-template": Key(""),
        "logging.request-log-template": Key(_REQUEST_LOG_TEMPLATE),
        "logging.enable-request-log": Key("false", v.parse_bool),
        "logging.enable-probe-request-log": Key("false", v.parse_bool),
        "metrics.backend-destination": Key("prometheus", backend),
        "metrics.request-metrics-backend-destination": Key("prometheus", backend),
        "metrics.reporting-period-seconds": Key("", _optional(v.parse_int)),
        "metrics.request-metrics-reporting-period-seconds": Key("", _optional(v.parse_int)),
        "metrics.opencensus-address": Key(""),
        "metrics.opencensus-require-tls": Key("false", v.parse_bool),
        "profiling.enable": Key("false", v.parse_bool),
        "sink-event-error-reporting.enable": Key("false", v.parse_bool),
    }


def _sample_rate(text: str) -> float:
    rate = v.parse_float(text)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"sample-rate must be between 0 and 1, got {text!r}")
    return rate


def _tracing() -> dict[str, Key]:
    return {
        "backend": Key("none", _enum("none", "zipkin")),
        "zipkin-endpoint": Key(""),
        "debug": Key("false", v.parse_bool),
        "sample-rate": Key("0.1", _sample_rate),
    }


_IMC = """\
apiVersion: messaging.knative.dev/v1
kind: InMemoryChannel
"""


# ------------------------------------------------------------------------------------------- pyknative


def _port_or_size(text: str) -> int:
    n = int(text)
    if n <= 0:
        raise ValueError(f"expected a positive number of bytes, got {n}")
    return n


def _pyknative() -> dict[str, Key]:
    return {
        "gateway-address": Key("127.0.0.1", _non_empty),
        "gateway-port": Key("8080", _port),
        "admin-address": Key("127.0.0.1", _non_empty),
        "admin-port": Key("8001", _port),
        # Bearer tokens on the admin API: auto (required on a non-loopback admin-address), token (always), none.
        "admin-auth": Key("auto", _enum("auto", "token", "none")),
        # TLS for the admin API: a PEM certificate (chain) and its private key; both or neither.
        "admin-tls-cert": Key(""),
        "admin-tls-key": Key(""),
        "data-dir": Key("~/.pyknative", _non_empty),
        "store": Key("sqlite", _non_empty),
        # Which runtime runs revisions: auto (a container with a command runs as a local process, one with only an
        # image on image-runtime), or a pyknative.runtime entry point's name for all; a revision's
        # pyknative.dev/runtime annotation asks for one itself.
        "runtime": Key("auto", _non_empty),
        "image-runtime": Key("container", _non_empty),
        # What serves revisions' requests (a pyknative.ingress entry point's data plane; embedded: the gateway here).
        "data-plane": Key("embedded", _non_empty),
        # The event ingress: brokers at /<namespace>/<broker>, channels at /channels/<namespace>/<name>.
        "eventing-address": Key("127.0.0.1", _non_empty),
        "eventing-port": Key("8081", _port),
        "event-max-bytes": Key("4194304", _port_or_size),
        # How often the PodAutoscaler reconciler asks the class plugin's scaler (Knative's autoscaler ticks every 2s).
        "autoscaler-tick": Key("2s", _positive_duration),
        # Variables of the platform's own environment that instances get besides the base (PATH, HOME, USER,
        # LOGNAME, SHELL, LANG, LANGUAGE, LC_*, TZ, TMPDIR, VIRTUAL_ENV): comma-separated names or globs (UV_*).
        "instance-env-passthrough": Key(""),
    }
