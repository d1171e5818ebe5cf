"""Resolving what a user types (``ksvc``, ``revisions``, ``services.serving.knative.dev``, or a category such as
``knative``) against ``GET /apis``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import attrs

from pyknative.cli.client import ApiClient, CliError


@attrs.frozen
class ResourceType:
    group: str
    version: str
    kind: str
    plural: str
    short_names: tuple[str, ...] = ()
    namespaced: bool = True
    categories: tuple[str, ...] = ()
    #: the kind's ``additionalPrinterColumns`` as the server declares them (after NAME)
    columns: tuple[Mapping[str, Any], ...] = ()
    print_name: bool = True

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ResourceType:
        return cls(
            group=str(d.get("group") or ""),
            version=str(d["version"]),
            kind=str(d["kind"]),
            plural=str(d["plural"]),
            short_names=tuple(d.get("shortNames") or ()),
            namespaced=bool(d.get("namespaced", True)),
            categories=tuple(str(c) for c in d.get("categories") or ()),
            columns=tuple(c for c in d.get("additionalPrinterColumns") or () if isinstance(c, Mapping)),
            print_name=bool(d.get("printName", True)),
        )

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def names(self) -> frozenset[str]:
        """Every name that resolves to this type."""
        singular = self.kind.lower()
        out = {singular, self.plural, *self.short_names}
        if self.group:
            out |= {f"{self.plural}.{self.group}", f"{singular}.{self.group}"}
        return frozenset(n.lower() for n in out)

    @property
    def group_kind(self) -> str:
        """``service.serving.knative.dev``: how kubectl prefixes NAME cells and ``-o name`` lines."""
        kind = self.kind.lower()
        return f"{kind}.{self.group}" if self.group else kind

    @property
    def qualified(self) -> str:
        """``services.serving.knative.dev``, as kubectl names a resource in messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def path(self, namespace: str | None, name: str | None = None, *, all_namespaces: bool = False) -> str:
        """The admin API path of the collection (``name`` None) or of one object."""
        prefix = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and not (all_namespaces and name is None):
            prefix += f"/namespaces/{quote(namespace or 'default', safe='')}"
        out = f"{prefix}/{self.plural}"
        return out if name is None else f"{out}/{quote(name, safe='')}"


def object_label(obj: Mapping[str, Any]) -> str:
    """``service.serving.knative.dev/hello`` for a stored object (kubectl's ``-o name``)."""
    api_version = str(obj.get("apiVersion") or "")
    group = api_version.rpartition("/")[0]
    kind = str(obj.get("kind") or "").lower()
    name = str((obj.get("metadata") or {}).get("name") or "")
    return f"{kind}.{group}/{name}" if group else f"{kind}/{name}"


@attrs.frozen
class Discovery:
    types: tuple[ResourceType, ...]

    @classmethod
    def fetch(cls, client: ApiClient) -> Discovery:
        body = client.request("GET", "/apis")
        return cls(tuple(ResourceType.from_dict(r) for r in body.get("resources") or ()))

    def resolve(self, name: str) -> ResourceType:
        found = self._kind(name)
        if found is None:
            raise CliError(
                f'the server doesn\'t have a resource type "{name}" (it has: {_known(self.types)})'
            )
        return found

    def resolve_many(self, name: str) -> tuple[ResourceType, ...]:
        """The kind ``name`` names, else every kind in the category ``name`` (as ``kubectl get knative``).

        A kind wins over a category of the same name; a category's kinds come in discovery order."""
        found = self._kind(name)
        if found is not None:
            return (found,)
        members = self.category(name)
        if not members:
            categories = ", ".join(self.categories()) or "none"
            raise CliError(
                f'the server doesn\'t have a resource type "{name}" '
                f"(it has: {_known(self.types)}; categories: {categories})"
            )
        return members

    def category(self, name: str) -> tuple[ResourceType, ...]:
        """The kinds that declare the category ``name``."""
        return tuple(t for t in self.types if name.lower() in (c.lower() for c in t.categories))

    def categories(self) -> list[str]:
        """Every category some kind declares, sorted."""
        return sorted({c.lower() for t in self.types for c in t.categories})

    def _kind(self, name: str) -> ResourceType | None:
        found = [t for t in self.types if name.lower() in t.names]
        # "service" means Knative's Service when another group also has one, as with kn.
        return sorted(found, key=lambda t: t.group != "serving.knative.dev")[0] if found else None

    def for_kind(self, api_version: str, kind: str) -> ResourceType:
        for t in self.types:
            if (t.api_version, t.kind) == (api_version, kind):
                return t
        raise CliError(f'the server doesn\'t have a resource type "{kind}" in "{api_version}"')

    def find(self, group: str, kind: str) -> ResourceType | None:
        return next((t for t in self.types if (t.group, t.kind) == (group, kind)), None)


def _known(types: Sequence[ResourceType]) -> str:
    return ", ".join(sorted(t.short_names[0] if t.short_names else t.plural for t in types))
