"""The source kinds of the core (sources.knative.dev/v1): PingSource, ContainerSource and SinkBinding, with their defaulting, validation and
``get`` columns (Knative's CRD ``additionalPrinterColumns``), in Knative's ``sources`` category."""

from __future__ import annotations

from pyknative.api import sources_validation as v
from pyknative.api.kinds import AGE_COLUMN, READY_COLUMN, REASON_COLUMN, KindRegistration, PrinterColumn
from pyknative.api.sources import SOURCES, ContainerSource, PingSource, SinkBinding

SINK_COLUMN = PrinterColumn("SINK", ".status.sinkUri")
SOURCE_COLUMNS = (SINK_COLUMN, AGE_COLUMN, READY_COLUMN, REASON_COLUMN)
PING_SOURCE_COLUMNS = (SINK_COLUMN, PrinterColumn("SCHEDULE", ".spec.schedule"), AGE_COLUMN, READY_COLUMN, REASON_COLUMN)


def registrations() -> list[KindRegistration]:
    return [
        KindRegistration(
            PingSource, v.default_ping_source, v.validate_ping_source, columns=PING_SOURCE_COLUMNS, categories=SOURCES
        ),
        KindRegistration(
            ContainerSource, None, v.validate_container_source, columns=SOURCE_COLUMNS, categories=SOURCES
        ),
        KindRegistration(
            SinkBinding, None, v.validate_sink_binding, columns=SOURCE_COLUMNS, categories=(*SOURCES, "bindings")
        ),
    ]
