"""``pyknative get`` columns of the core's own kinds, declared as CRD ``additionalPrinterColumns`` (kn's and
Knative's CRDs' columns), and registered with each kind through :class:`~pyknative.api.kinds.KindRegistration`."""

from __future__ import annotations

from pyknative.api.kinds import AGE_COLUMN, READY_COLUMN, REASON_COLUMN, PrinterColumn

_PA = "autoscaling.pyknative.dev/"  # what the PodAutoscaler reconciler writes in status.annotations
_AGE_WIDE = PrinterColumn("AGE", ".metadata.creationTimestamp", type="date", priority=1)
_CONDITIONS = PrinterColumn("CONDITIONS", ".status.conditions", priority=1, compute="conditions")
_REASON_WIDE = PrinterColumn("REASON", REASON_COLUMN.json_path, priority=1)
_URL = PrinterColumn("URL", ".status.url")
_ADDRESS = PrinterColumn("URL", ".status.address.url")


def _status_annotation(name: str, key: str, priority: int = 0) -> PrinterColumn:
    return PrinterColumn(name, f".status.annotations['{_PA}{key}']", priority=priority)


SERVICE = (
    _URL,
    PrinterColumn("LATEST", ".status.latestReadyRevisionName"),
    _AGE_WIDE,
    _CONDITIONS,
    READY_COLUMN,
    REASON_COLUMN,
)
REVISION = (
    PrinterColumn("SERVICE", ".metadata.labels['serving.knative.dev/service']"),
    PrinterColumn("TRAFFIC", "", compute="traffic"),
    PrinterColumn("GENERATION", ".metadata.labels['serving.knative.dev/configurationGeneration']"),
    PrinterColumn("RUNTIME", ".status.annotations['pyknative.dev/runtime']"),
    _AGE_WIDE,
    _CONDITIONS,
    READY_COLUMN,
    REASON_COLUMN,
)
ROUTE = (_URL, _AGE_WIDE, _CONDITIONS, READY_COLUMN, _REASON_WIDE)
CONFIGURATION = (
    PrinterColumn("LATEST CREATED", ".status.latestCreatedRevisionName"),
    PrinterColumn("LATEST READY", ".status.latestReadyRevisionName"),
    _AGE_WIDE,
    READY_COLUMN,
    REASON_COLUMN,
)
POD_AUTOSCALER = (
    PrinterColumn("DESIRED", ".status.desiredScale", type="integer"),
    PrinterColumn("ACTUAL", ".status.actualScale", type="integer"),
    _status_annotation("METRIC", "metric"),
    _status_annotation("OBSERVED", "observed", priority=1),
    _status_annotation("TARGET", "target", priority=1),
    _status_annotation("MODE", "mode"),
    _AGE_WIDE,
    READY_COLUMN,
    _REASON_WIDE,
)
#: kubectl's columns for core/v1 Events (no NAME: see :data:`NO_NAME`)
EVENT = (
    PrinterColumn("LAST SEEN", ".lastTimestamp", compute="last-seen"),
    PrinterColumn("TYPE", ".type"),
    PrinterColumn("REASON", ".reason"),
    PrinterColumn("OBJECT", ".involvedObject", compute="involved-object"),
    PrinterColumn("COUNT", ".count", type="integer", priority=1),
    PrinterColumn("MESSAGE", ".message"),
)
# As kubectl prints Secrets and ConfigMaps: DATA counts keys, no value is ever shown in a table.
_DATA = PrinterColumn("DATA", ".data", type="integer", compute="key-count")
SECRET = (PrinterColumn("TYPE", ".type"), _DATA, AGE_COLUMN)
CONFIG_MAP = (_DATA, AGE_COLUMN)
# As `kubectl get` prints Knative Eventing's CRDs (their additionalPrinterColumns).
ADDRESSABLE = (_ADDRESS, AGE_COLUMN, READY_COLUMN, REASON_COLUMN)
TRIGGER = (
    PrinterColumn("BROKER", ".spec.broker"),
    PrinterColumn("SUBSCRIBER_URI", ".status.subscriberUri"),
    AGE_COLUMN,
    READY_COLUMN,
    REASON_COLUMN,
)
SUBSCRIPTION = (AGE_COLUMN, READY_COLUMN, REASON_COLUMN)
