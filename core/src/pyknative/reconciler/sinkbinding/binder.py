"""SinkBinding's binder: the source role's :class:`~pyknative.roles.SourceAdapter` that writes the binding.

Knative's SinkBinding is a ``psbinding``: a webhook and controller that put ``K_SINK`` and ``K_CE_OVERRIDES``
into the containers of every subject's pod template, and take them out when the binding goes. pyknative does the
same on the stored objects: ``start(binding, env)`` finds the subjects (``spec.subject``: a kind that has
``spec.template.spec.containers`` (a Knative Service, a Configuration, a plugin's kind shaped so), by ``name`` or
by label ``selector`` in the binding's namespace), sets the two variables on each of their containers (replacing
variables of those names) and writes the object when it changed, so a Service's next Revision, and so its
instances, see the sink. A subject that stopped matching, and on ``stop(key)`` (the binding was deleted, or its
sink went) every subject it bound, gets the variables removed again.

A subject labelled ``bindings.knative.dev/exclude: "true"`` is left alone (Knative's default selection mode). A
subject kind the platform does not serve (the Knative docs' Deployment, Job, CronJob) makes ``BindingAvailable``,
and so ``Ready``, False with reason ``SubjectKindNotServed``; a subject that does not exist (yet) is bound when it
is created.

What pyknative guarantees: the variables are put back whenever a subject is written without them (the subject
kinds are watched) and removed on delete while the platform runs; a binding deleted while the platform was down
leaves them (they are removed when a binding of the same name bound them again and is deleted).
"""

from __future__ import annotations

from typing import Any

import attrs

from pyknative.api.sources import BindingSubject
from pyknative.errors import NotFoundError
from pyknative.reconciler.containersource.resources import with_env
from pyknative.roles.source import AdapterEnvironment
from pyknative.runtime.api import NotRunnableError

#: a subject labelled so is never bound (Knative's default ``SINK_BINDING_SELECTION_MODE: exclusion``)
EXCLUDE_LABEL = "bindings.knative.dev/exclude"
#: the condition that says the subjects are bound (pyknative's; Knative marks ``Ready`` alone)
BINDING_AVAILABLE = "BindingAvailable"
#: the variables a SinkBinding owns in its subjects' containers
BINDING_ENV = ("K_SINK", "K_CE_OVERRIDES")

SubjectKey = tuple[type, str, str]


def binding_env(env: AdapterEnvironment) -> dict[str, str]:
    """What a SinkBinding injects: ``K_SINK`` and, with overrides, ``K_CE_OVERRIDES``."""
    return {k: v for k, v in env.to_env().items() if k in BINDING_ENV}


def selector_string(selector) -> str:
    """A LabelSelector as the store's selector syntax (``matchLabels`` and ``matchExpressions``)."""
    terms = [f"{k}={v}" for k, v in sorted((selector.match_labels or {}).items())]
    for e in selector.match_expressions or ():
        key, op, values = e.get("key", ""), e.get("operator", ""), list(e.get("values") or ())
        if op == "In":
            terms.append(f"{key} in ({','.join(values)})")
        elif op == "NotIn":
            terms.append(f"{key} notin ({','.join(values)})")
        elif op == "Exists":
            terms.append(key)
        elif op == "DoesNotExist":
            terms.append(f"!{key}")
        else:
            raise ValueError(f"spec.subject.selector.matchExpressions: unknown operator {op!r}")
    return ",".join(terms)


def template_containers(obj: Any):
    """The containers of ``obj``'s ``spec.template.spec`` (None: the kind has no pod template)."""
    template = getattr(getattr(obj, "spec", None), "template", None)
    tspec = getattr(template, "spec", None)
    if tspec is None or not hasattr(tspec, "containers"):
        return None
    return tspec.containers or ()


def with_containers(obj: Any, containers) -> Any:
    spec = obj.spec
    template = spec.template
    return attrs.evolve(
        obj,
        spec=attrs.evolve(
            spec, template=attrs.evolve(template, spec=attrs.evolve(template.spec, containers=containers))
        ),
    )


def without_env(containers, names=BINDING_ENV):
    out = []
    for c in containers or ():
        kept = tuple(e for e in c.env or () if e.name not in names)
        out.append(attrs.evolve(c, env=kept or None))
    return tuple(out)


@attrs.define(eq=False)
class SinkBinder:
    platform: Any
    _bound: dict[str, set[SubjectKey]] = attrs.field(factory=dict, init=False)

    @property
    def store(self):
        return self.platform.store

    async def subjects(self, binding: Any) -> list[Any]:
        """The subjects of ``binding`` (NotRunnableError ``SubjectKindNotServed`` when its kind is not here)."""
        subject: BindingSubject = binding.spec.subject
        try:
            cls = self.platform.kinds.get(subject.api_version or "", subject.kind or "").cls
        except NotFoundError as e:
            raise NotRunnableError(
                "SubjectKindNotServed",
                f"spec.subject: {e}; pyknative binds kinds with a pod template (spec.template.spec.containers) "
                f"that it serves: a Knative Service or Configuration, or a plugin's kind",
                retry_after=30.0,
            ) from None
        namespace = binding.namespace
        if subject.name:
            try:
                return [await self.store.get(cls, namespace, subject.name)]
            except NotFoundError:
                return []
        return await self.store.list(cls, namespace, label_selector=selector_string(subject.selector))

    async def start(self, binding: Any, env: AdapterEnvironment) -> None:
        inject = binding_env(env)
        bound: set[SubjectKey] = set()
        for obj in await self.subjects(binding):
            containers = template_containers(obj)
            if containers is None or (obj.metadata.labels or {}).get(EXCLUDE_LABEL) == "true":
                continue
            bound.add((type(obj), obj.namespace, obj.name))
            patched = with_env(containers, inject)
            if patched != tuple(containers):
                await self.store.update(with_containers(obj, patched))
        for gone in self._bound.get(binding.key, set()) - bound:
            await self._unbind(gone)
        self._bound[binding.key] = bound

    async def stop(self, key: str) -> None:
        for subject in self._bound.pop(key, set()):
            await self._unbind(subject)

    async def aclose(self) -> None:
        self._bound.clear()  # the platform stops: the bindings stay written, as Knative's do

    def bound(self, key: str) -> set[SubjectKey]:
        return set(self._bound.get(key, ()))

    async def _unbind(self, subject: SubjectKey) -> None:
        cls, namespace, name = subject
        try:
            obj = await self.store.get(cls, namespace, name)
        except NotFoundError:
            return
        containers = template_containers(obj)
        if containers is None:
            return
        cleaned = without_env(containers)
        if cleaned != tuple(containers):
            await self.store.update(with_containers(obj, cleaned))
