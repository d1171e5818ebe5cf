"""Every role's contract, in one package: what a plugin of each role implements and what the core hands it.

| role | module | Protocol | made by hook |
|---|---|---|---|
| store | :mod:`pyknative.roles.store` | :class:`Store` | ``pyknative_make_store`` |
| runtime | :mod:`pyknative.roles.runtime` | :class:`Runtime` | ``pyknative_make_runtime`` |
| ingress | :mod:`pyknative.roles.ingress` | :class:`IngressBackend` | ``pyknative_make_ingress`` |
| data plane | :mod:`pyknative.roles.ingress` | :class:`RevisionDataPlane` | ``pyknative_make_data_plane`` |
| channel | :mod:`pyknative.roles.channel` | :class:`ChannelBackend` | ``pyknative_make_channel`` |
| scaler | :mod:`pyknative.roles.scaler` | :class:`Scaler` | ``pyknative_make_scaler`` |
| source | :mod:`pyknative.roles.source` | :class:`SourceAdapter` | ``pyknative_make_source`` |
| build | :mod:`pyknative.roles.build` | :class:`BuildExecutor` | ``pyknative_make_build_executor`` |
| accelerator | :mod:`pyknative.roles.accelerator` | :class:`AcceleratorProfile` | ``pyknative_accelerator_profile`` |
| kinds | :mod:`pyknative.roles.kinds` | :class:`KindRegistration`, :class:`PrinterColumn` | ``pyknative_kinds`` |
| controllers | :mod:`pyknative.roles.controllers` | :class:`Controller`, :class:`PlatformContext` | ``pyknative_controllers`` |
| routes | :mod:`pyknative.roles.http` | :class:`HttpRoute` (handler ``HttpRequest -> HttpResponse``) | ``pyknative_http_routes`` |
| cli | entry-point group ``pyknative.cli`` | a ``click.Command`` | (entry points, no hook) |

The hook specs (:mod:`pyknative.hookspecs`) name these types; a plugin imports them from here.
"""

from pyknative.roles.accelerator import AcceleratorProfile, DeviceGrant
from pyknative.roles.build import BuildExecutor, BuildReporter
from pyknative.roles.channel import ChannelBackend, ChannelRef, SubscriberHandler, SubscriptionRef
from pyknative.roles.controllers import Controller, PlatformContext
from pyknative.roles.http import HttpRequest, HttpResponse, HttpRoute
from pyknative.roles.ingress import IngressBackend, RevisionDataPlane
from pyknative.roles.kinds import KindRegistration, PrinterColumn
from pyknative.roles.runtime import ImagePullError, InstanceInfo, InstancesStatus, NotRunnableError, Runtime
from pyknative.roles.scaler import MeasuringScaler, ScaleDecision, ScaleFloor, ScaleInput, Scaler
from pyknative.roles.source import AdapterEnvironment, SourceAdapter
from pyknative.roles.store import BatchStore, BatchWrite, BatchWriteError, Store, WatchEvent

__all__ = [
    "AcceleratorProfile",
    "AdapterEnvironment",
    "BatchStore",
    "BatchWrite",
    "BatchWriteError",
    "BuildExecutor",
    "BuildReporter",
    "ChannelBackend",
    "ChannelRef",
    "Controller",
    "DeviceGrant",
    "HttpRequest",
    "HttpResponse",
    "HttpRoute",
    "ImagePullError",
    "IngressBackend",
    "InstanceInfo",
    "InstancesStatus",
    "KindRegistration",
    "MeasuringScaler",
    "NotRunnableError",
    "PlatformContext",
    "PrinterColumn",
    "RevisionDataPlane",
    "Runtime",
    "ScaleDecision",
    "ScaleFloor",
    "ScaleInput",
    "Scaler",
    "SourceAdapter",
    "Store",
    "SubscriberHandler",
    "SubscriptionRef",
    "WatchEvent",
]
