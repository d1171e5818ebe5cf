"""The controllers role: reconcilers a plugin runs for its own kinds, wired as the core wires Serving's.

``pyknative_controllers(platform)`` answers :class:`Controller` values (defined in
:mod:`pyknative.reconciler.controller`): the primary kind, the kinds it watches and how each maps to primary keys
(``owner_keys("Kind")`` for what it owns, ``label_keys``, ``key_of``), how often every object is looked at again
(``resync``), and the reconcile function. The :class:`PlatformContext` is what a controller factory may use.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from pyknative.reconciler.controller import Controller, key_of, label_keys, owner_keys


@runtime_checkable
class PlatformContext(Protocol):
    """The part of a running platform that plugins' controllers and routes may use."""

    #: the operator config (:class:`pyknative.config.OperatorConfig`)
    config: Any
    #: the kinds registry (:class:`pyknative.api.kinds.Kinds`)
    kinds: Any
    #: the store (:class:`pyknative.roles.store.Store`): where reconcilers write
    store: Any
    #: the informer cache (:class:`pyknative.reconciler.informer.InformerFactory`): where reconcilers read
    informers: Any
    clock: Callable[[], datetime]

    def listener_url(self, listener: str) -> str:
        """``http://host:port`` of the ``events``, ``admin`` or ``gateway`` listener (for status URLs)."""

    def recorder(self, component: str) -> Any:
        """A :class:`pyknative.reconciler.events.EventRecorder` writing Kubernetes-style Events as ``component``."""


__all__ = ["Controller", "PlatformContext", "key_of", "label_keys", "owner_keys"]
