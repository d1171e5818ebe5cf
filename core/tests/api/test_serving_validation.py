"""Validation returns every error at once, each with its field path, as Knative's webhook words them."""

import pytest

from pyknative.api.kinds import AdmissionContext, Kinds, admit
from pyknative.api.kinds_plugin import registrations
from pyknative.api.serving import Revision, Route, Service
from pyknative.errors import ValidationError
from pyknative.store.sqlite import SQLiteStore


def service(template_meta=None, traffic=None, container=None, **spec_extra):
    c = {"image": "ghcr.io/knative/helloworld-go", "command": ["app"]} if container is None else container
    doc = {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": {"name": "hello", "namespace": "default"},
           "spec": {"template": {"metadata": template_meta or {}, "spec": {"containers": [c], **spec_extra}}}}
    if traffic is not None:
        doc["spec"]["traffic"] = traffic
    return Service.from_dict(doc)


async def errors_of(obj, old=None, ctx=None):
    kinds = Kinds(registrations())
    try:
        await admit(kinds, obj, old, ctx or AdmissionContext())
    except ValidationError as e:
        return [str(x) for x in e.errors]
    return []


CASES = [
    pytest.param(service(), [], id="valid"),
    pytest.param(
        service(traffic=[{"latestRevision": True, "percent": 60}, {"latestRevision": True, "percent": 150, "tag": "a"}]),
        ["spec.traffic[1].percent: must be in [0, 100], got 150", "spec.traffic: percents sum to 60, want 100"],
        id="percent range and sum",
    ),
    pytest.param(
        service(traffic=[{"latestRevision": True, "percent": 50, "tag": "x"}, {"latestRevision": True, "percent": 40, "tag": "x"}]),
        ["spec.traffic[1].tag: duplicate tag 'x' (also at spec.traffic[0])", "spec.traffic: percents sum to 90, want 100"],
        id="duplicate tag and sum 90",
    ),
    pytest.param(service(container={"command": ["app"]}), ["spec.template.spec.containers[0].image: required: every container needs an image"], id="no image"),
    pytest.param(
        service(template_meta={"annotations": {"autoscaling.knative.dev/min-scale": "two", "autoscaling.knative.dev/max-scale": "-1"}}),
        ["spec.template.metadata.annotations[autoscaling.knative.dev/min-scale]: invalid value 'two': must be an integer",
         "spec.template.metadata.annotations[autoscaling.knative.dev/max-scale]: must be >= 0, got -1"],
        id="bad annotations",
    ),
    pytest.param(service(containerConcurrency=5000), ["spec.template.spec.containerConcurrency: must be in [0, 1000], got 5000"], id="concurrency cap"),
    pytest.param(service(timeoutSeconds=601), ["spec.template.spec.timeoutSeconds: must be in [0, 600], got 601"], id="timeout cap"),
    pytest.param(
        service(container={"image": "x", "env": [{"name": "PORT", "value": "1"}], "ports": [{"containerPort": 9090}]}),
        ["spec.template.spec.containers[0].env[0].name: 'PORT' is a reserved environment variable",
         "spec.template.spec.containers[0].ports[0].containerPort: port 9090 is reserved by Knative"],
        id="reserved env and port",
    ),
    pytest.param(
        service(container={"image": "x", "ports": [{"name": "arbitrary", "containerPort": 8080}]}),
        ["spec.template.spec.containers[0].ports[0].name: must be empty, or one of: 'h2c', 'http1', got 'arbitrary'"],
        id="port name",
    ),
    pytest.param(service(template_meta={"name": "other-v1"}), ["spec.template.metadata.name: revision name 'other-v1' must have prefix 'hello-'"], id="revision name prefix"),
    pytest.param(
        service(traffic=[{"revisionName": "hello-00009", "latestRevision": True, "percent": 100}]),
        ["spec.traffic[0].revisionName: must not be set when latestRevision is true"],
        id="latest with name",
    ),
]


@pytest.mark.parametrize(("obj", "want"), CASES)
async def test_service_validation(obj, want):
    assert await errors_of(obj) == want


async def test_every_error_at_once():
    obj = service(container={}, traffic=[{"percent": 101}, {"percent": -1, "tag": "Bad_Tag"}], timeoutSeconds=9999)
    errs = await errors_of(obj)
    assert len(errs) == 6, errs
    assert {e.split(":")[0] for e in errs} == {
        "spec.template.spec.containers[0].image", "spec.template.spec.timeoutSeconds", "spec.traffic[0].percent",
        "spec.traffic[1].percent", "spec.traffic[1].tag", "spec.traffic",
    }


async def test_traffic_naming_a_revision_that_does_not_exist_yet_is_accepted():
    """As Knative: the Route reports RevisionMissing until the revision exists (see the route reconciler)."""
    store = SQLiteStore(":memory:", Kinds(registrations()))
    try:
        ctx = AdmissionContext(store=store)
        traffic = [{"revisionName": "hello-00001", "percent": 50}, {"revisionName": "hello-nope", "percent": 50}]
        assert await errors_of(service(traffic=traffic), ctx=ctx) == []
        route = Route.from_dict({"metadata": {"name": "r", "namespace": "default"},
                                 "spec": {"traffic": [{"revisionName": "other-00003", "percent": 100}]}})
        assert await errors_of(route, ctx=ctx) == []
    finally:
        await store.close()


async def test_named_template_must_change_name_with_spec():
    old = service(template_meta={"name": "hello-v1"})
    new = service(template_meta={"name": "hello-v1"}, container={"image": "y", "command": ["app"]})
    assert await errors_of(new, old=old) == [
        "spec.template.metadata.name: the template changed but its name 'hello-v1' did not: a named revision is immutable, give the template a new name"
    ]
    renamed = service(template_meta={"name": "hello-v2"}, container={"image": "y", "command": ["app"]})
    assert await errors_of(renamed, old=old) == []


async def test_revision_spec_is_immutable():
    rev = Revision.from_dict({"metadata": {"name": "hello-00001"}, "spec": {"containers": [{"image": "x"}]}})
    changed = Revision.from_dict({"metadata": {"name": "hello-00001"}, "spec": {"containers": [{"image": "y"}]}})
    assert await errors_of(changed, old=rev) == [
        "spec: a Revision's spec is immutable: create a new revision by changing the Configuration or Service template"
    ]


class _Scaler:
    """A scaler whose validate refuses any annotation ending in /bad, naming the path it was given."""

    def __init__(self, cls):
        self.autoscaler_class = cls

    def validate(self, annotations, path):
        from pyknative.errors import FieldError

        return [FieldError(f"{path}[{k}]", f"{self.autoscaler_class} refuses it") for k in annotations if k.endswith("/bad")]


def _scalers(*installed):
    from pyknative.errors import BackendNotInstalledError

    async def lookup(cls):
        if cls not in installed:
            raise BackendNotInstalledError("config-autoscaler.pod-autoscaler-class", cls, "hpa" if cls.startswith("hpa") else None)
        return _Scaler(cls)

    return lookup


KPA = "kpa.autoscaling.knative.dev"


async def test_the_class_scaler_validates_the_template_annotations_with_their_paths():
    ctx = AdmissionContext(scalers=_scalers(KPA, "fixed.example.com"))
    ann = {"autoscaling.knative.dev/bad": "x", "autoscaling.knative.dev/min-scale": "two"}
    # the scaler of the class decides: the core's own min-scale check is not added on top
    assert await errors_of(service(template_meta={"annotations": ann}), ctx=ctx) == [
        f"spec.template.metadata.annotations[autoscaling.knative.dev/bad]: {KPA} refuses it"
    ]
    chosen = {**ann, "autoscaling.knative.dev/class": "fixed.example.com"}
    assert await errors_of(service(template_meta={"annotations": chosen}), ctx=ctx) == [
        "spec.template.metadata.annotations[autoscaling.knative.dev/bad]: fixed.example.com refuses it"
    ]
    rev = Revision.from_dict({"metadata": {"name": "hello-00001", "annotations": ann}, "spec": {"containers": [{"image": "x"}]}})
    assert await errors_of(rev, ctx=ctx) == [f"metadata.annotations[autoscaling.knative.dev/bad]: {KPA} refuses it"]


async def test_the_default_class_comes_from_config_autoscaler():
    from pyknative.config import parse_config

    cfg = parse_config({"config-autoscaler": {"pod-autoscaler-class": "fixed.example.com"}})
    ctx = AdmissionContext(config=cfg, scalers=_scalers("fixed.example.com"))
    ann = {"autoscaling.knative.dev/bad": "x"}
    assert await errors_of(service(template_meta={"annotations": ann}), ctx=ctx) == [
        "spec.template.metadata.annotations[autoscaling.knative.dev/bad]: fixed.example.com refuses it"
    ]


async def test_a_class_no_plugin_provides_is_refused_with_the_extra_to_install():
    ctx = AdmissionContext(scalers=_scalers(KPA))
    ann = {"autoscaling.knative.dev/class": "hpa.autoscaling.knative.dev"}
    assert await errors_of(service(template_meta={"annotations": ann}), ctx=ctx) == [
        "spec.template.metadata.annotations[autoscaling.knative.dev/class]: autoscaler class "
        "'hpa.autoscaling.knative.dev' is not provided by any installed plugin; install it with: pip install 'pyknative[hpa]'"
    ]


def _annotation_checks(calls):
    """Plugin checks (``pyknative_validate_annotations``) that refuse any annotation ending in /late."""
    from pyknative.errors import FieldError

    async def check(annotations, path):
        calls.append(path)
        return [FieldError(f"{path}[{k}][0].schedule", "refused by a plugin") for k in annotations if k.endswith("/late")]

    return check


async def test_plugin_annotation_checks_run_next_to_the_class_checks_whatever_the_class():
    calls: list[str] = []
    ctx = AdmissionContext(scalers=_scalers(KPA), annotation_checks=_annotation_checks(calls))
    ann = {"autoscaling.knative.dev/bad": "x", "example.com/late": "y"}
    assert await errors_of(service(template_meta={"annotations": ann}), ctx=ctx) == [
        f"spec.template.metadata.annotations[autoscaling.knative.dev/bad]: {KPA} refuses it",
        "spec.template.metadata.annotations[example.com/late][0].schedule: refused by a plugin",
    ]
    # a class nobody provides is refused, and the plugins still check the rest
    missing = {"autoscaling.knative.dev/class": "hpa.autoscaling.knative.dev", "example.com/late": "y"}
    errors = await errors_of(service(template_meta={"annotations": missing}), ctx=ctx)
    assert errors[-1] == "spec.template.metadata.annotations[example.com/late][0].schedule: refused by a plugin"
    assert len(errors) == 2
    rev = Revision.from_dict({"metadata": {"name": "hello-00001", "annotations": {"example.com/late": "y"}},
                              "spec": {"containers": [{"image": "x"}]}})
    assert await errors_of(rev, ctx=ctx) == ["metadata.annotations[example.com/late][0].schedule: refused by a plugin"]
    assert calls == ["spec.template.metadata.annotations"] * 2 + ["metadata.annotations"]


# ------------------------------------------------------------------ config-autoscaler limits (Knative's webhook)

ANN = "spec.template.metadata.annotations"
A = "autoscaling.knative.dev/"
_ZERO_NOT_ALLOWED = "initial-scale=0 is not allowed by the cluster (config-autoscaler allow-zero-initial-scale is false)"


def _limits(**keys):
    from pyknative.config import parse_config

    return parse_config({"config-autoscaler": {k.replace("_", "-"): v for k, v in keys.items()}})


LIMIT_CASES = [
    pytest.param({}, {"initial-scale": "0"}, [f"{ANN}[{A}initial-scale]: invalid value '0': {_ZERO_NOT_ALLOWED}"],
                 id="initial-scale-0-refused-by-default"),
    pytest.param({"allow_zero_initial_scale": "true"}, {"initial-scale": "0"}, [], id="initial-scale-0-allowed"),
    pytest.param({}, {"initialScale": "0"}, [f"{ANN}[{A}initialScale]: invalid value '0': {_ZERO_NOT_ALLOWED}"],
                 id="initial-scale-0-camel-case"),
    pytest.param({}, {"initial-scale": "1"}, [], id="initial-scale-1"),
    pytest.param({"max_scale_limit": "100", "max_scale": "10"}, {"max-scale": "100"}, [], id="max-scale-at-limit"),
    pytest.param(
        {"max_scale_limit": "100", "max_scale": "10"}, {"max-scale": "101"},
        [f"{ANN}[{A}max-scale]: value 101 is out of bounds: must be in [1, 100] (config-autoscaler max-scale-limit)"],
        id="max-scale-above-limit",
    ),
    pytest.param(
        {"max_scale_limit": "100", "max_scale": "10"}, {"maxScale": "0"},
        [f"{ANN}[{A}maxScale]: max-scale=0 (unlimited) is not allowed: config-autoscaler max-scale-limit is 100, "
         "so max-scale must be in [1, 100]"],
        id="max-scale-0-unlimited-refused-under-a-limit",
    ),
    pytest.param({}, {"max-scale": "0"}, [], id="max-scale-0-without-a-limit"),
    pytest.param({}, {"max-scale": "5000"}, [], id="no-limit-no-bound"),
    pytest.param({"max_scale_limit": "100", "max_scale": "10"}, {}, [], id="no-annotation-config-max-scale-applies"),
    # Knative compares min-scale with a max-scale annotation only, never with the limit itself
    pytest.param({"max_scale_limit": "100", "max_scale": "10"}, {"min-scale": "500"}, [], id="min-scale-not-vs-limit"),
    pytest.param(
        {"max_scale_limit": "100", "max_scale": "10"}, {"max-scale": "-1"},
        [f"{ANN}[{A}max-scale]: must be >= 0, got -1"],
        id="negative-max-scale-reported-once-by-the-class-check",
    ),
    pytest.param(
        {"max_scale_limit": "100", "max_scale": "10"}, {"max-scale": "500", "initial-scale": "0"},
        [f"{ANN}[{A}max-scale]: value 500 is out of bounds: must be in [1, 100] (config-autoscaler max-scale-limit)",
         f"{ANN}[{A}initial-scale]: invalid value '0': {_ZERO_NOT_ALLOWED}"],
        id="both-at-once",
    ),
]


@pytest.mark.parametrize(("config", "annotations", "want"), LIMIT_CASES)
async def test_config_autoscaler_limits_are_checked_at_admission(config, annotations, want):
    ctx = AdmissionContext(config=_limits(**config))
    ann = {A + k: v for k, v in annotations.items()}
    assert await errors_of(service(template_meta={"annotations": ann}), ctx=ctx) == want


async def test_config_limits_apply_whatever_the_class_and_on_revisions():
    ctx = AdmissionContext(config=_limits(max_scale_limit="10", max_scale="5"), scalers=_scalers(KPA, "fixed.example.com"))
    ann = {A + "class": "fixed.example.com", A + "max-scale": "11", A + "initial-scale": "0"}
    assert await errors_of(service(template_meta={"annotations": ann}), ctx=ctx) == [
        f"{ANN}[{A}max-scale]: value 11 is out of bounds: must be in [1, 10] (config-autoscaler max-scale-limit)",
        f"{ANN}[{A}initial-scale]: invalid value '0': {_ZERO_NOT_ALLOWED}",
    ]
    rev = Revision.from_dict({"metadata": {"name": "hello-00001", "annotations": {A + "max-scale": "0"}},
                              "spec": {"containers": [{"image": "x"}]}})
    assert await errors_of(rev, ctx=ctx) == [
        f"metadata.annotations[{A}max-scale]: max-scale=0 (unlimited) is not allowed: config-autoscaler "
        "max-scale-limit is 10, so max-scale must be in [1, 10]"
    ]


@pytest.mark.parametrize("name", ["h2c", "http1", ""])
async def test_knative_port_names_are_admitted(name):
    assert await errors_of(service(container={"image": "x", "ports": [{"name": name, "containerPort": 8080}]})) == []
