"""Broker reconciler (class ``MTChannelBasedBroker``): a trigger channel of the configured kind, an ingress address.

Like Knative's channel-based broker: the Broker controls its trigger channel (see :mod:`.resources`); producers
POST to ``<event ingress>/<namespace>/<broker>``, which the data plane routes to that channel while it is Ready;
each Trigger is a subscription on it. The channel's kind comes from the ConfigMap ``spec.config`` names (see
:mod:`.resources`); the controller watches ConfigMaps, so a Broker whose ConfigMap comes later becomes Ready then. ``DeadLetterSinkResolved`` is True with reason
``DeadLetterSinkNotConfigured`` when there is no dead-letter sink.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

from pyknative.api.core import ConfigMap
from pyknative.api.kinds import Kinds
from pyknative.api.meta import Addressable
from pyknative.errors import NotFoundError
from pyknative.eventing.channel import ChannelRef
from pyknative.reconciler.base import Conditions, Outcome, reconcile_status
from pyknative.reconciler.broker import resources
from pyknative.reconciler.broker.resources import CONDITIONS
from pyknative.reconciler.channelable.resources import channel_ref
from pyknative.reconciler.children import NotOwnedError, reconcile_child
from pyknative.reconciler.destinations import resolve_dead_letter_sink
from pyknative.reconciler.events import EventRecorder
from pyknative.store import Store


@attrs.define(eq=False)
class BrokerReconciler:
    cls: type
    store: Store
    kinds: Kinds
    recorder: EventRecorder
    clock: Callable[[], datetime]
    #: ``channel_template(broker, config_map)``: the Broker's trigger channel (apiVersion, kind, spec) from the
    #: ConfigMap its ``spec.config`` names (None when the store has none), or ValueError with the reason
    channel_template: Callable[[Any, ConfigMap | None], resources.ChannelTemplate]
    broker_url: Callable[[str, str], str]
    #: ``set_route(key, channel)``: the ingress publishes the Broker's events to its trigger channel
    set_route: Callable[[str, ChannelRef], None]
    #: ``remove_route(key)``: the ingress answers 404 for the Broker
    remove_route: Callable[[str], Any]

    async def reconcile(self, key: str) -> float | None:
        return await reconcile_status(
            key,
            store=self.store,
            cls=self.cls,
            clock=self.clock,
            conditions=CONDITIONS,
            step=self._step,
            on_missing=self._deleted,
        )

    async def _config_map(self, broker: Any) -> ConfigMap | None:
        where = resources.config_map_ref(broker)
        if where is None:
            return None
        try:
            return await self.store.get(ConfigMap, *where)
        except NotFoundError:
            return None

    async def _deleted(self, key: str) -> None:
        self.remove_route(key)

    async def _step(self, broker: Any, conditions: Conditions, now: str) -> Outcome:
        unsupported = resources.unsupported_class(broker)
        if unsupported is not None:
            conditions = CONDITIONS.mark_false(
                conditions, "TriggerChannelReady", now, "BrokerClassNotSupported", unsupported
            )
            return Outcome(conditions)

        try:
            template = self.channel_template(broker, await self._config_map(broker))
            desired = resources.make_trigger_channel(broker, self.kinds, template)
            channel = await reconcile_child(self.store, broker, desired, self.recorder)
        except (ValueError, NotFoundError) as e:
            conditions = CONDITIONS.mark_false(
                conditions, "TriggerChannelReady", now, "ChannelTemplateFailed", str(e)
            )
            self.remove_route(broker.key)
        except NotOwnedError as e:
            conditions = CONDITIONS.mark_false(conditions, "TriggerChannelReady", now, "NotOwned", str(e))
            self.remove_route(broker.key)
        else:
            conditions, ready = resources.mark_trigger_channel(conditions, channel, now)
            if ready:
                self.set_route(broker.key, channel_ref(channel))
            else:
                self.remove_route(broker.key)

        conditions = resources.mark_served(conditions, now)
        changes: dict[str, Any] = {"address": Addressable(url=self.broker_url(broker.namespace, broker.name))}
        delivery = broker.spec.delivery
        dls = delivery.dead_letter_sink if delivery is not None else None
        changes["dead_letter_sink_uri"], conditions, _ = await resolve_dead_letter_sink(
            dls, broker.namespace, self.store, self.kinds, CONDITIONS, conditions, now
        )
        return Outcome(conditions, changes)
