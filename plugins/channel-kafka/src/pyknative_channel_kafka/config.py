"""The ``config-kafka`` operator-config section: where the brokers are, topic defaults, dispatcher tuning.

Keys are Knative's where Knative has one (``bootstrap.servers``, ``default.topic.partitions``,
``default.topic.replication.factor``) and Kafka client property names for client tuning (``fetch.max.wait.ms``,
``max.poll.records``, ``delivery.timeout.ms``); ``dispatcher.max-in-flight`` is pyknative's own.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from pyknative.config import read_section
from pyknative.errors import ConfigError, FieldError

SECTION = "config-kafka"

#: ``{section: {key: default}}`` as the ``pyknative_config_schema`` hook returns it
SCHEMA: Mapping[str, Mapping[str, str]] = {
    SECTION: {
        "bootstrap.servers": "localhost:9092",
        "default.topic.partitions": "1",
        "default.topic.replication.factor": "1",
        # How long a fetch may wait for data. Apache Kafka answers as soon as data arrives; the tansu broker
        # holds every empty fetch for the whole wait, so lower this (e.g. 10) for low latency on tansu.
        "fetch.max.wait.ms": "500",
        "max.poll.records": "500",
        # Upper bound for a publish (send until the broker's acks=all acknowledgement) before it fails.
        "delivery.timeout.ms": "30000",
        # Unordered subscriptions: deliveries in flight at once per subscription.
        "dispatcher.max-in-flight": "100",
    }
}


@attrs.frozen
class KafkaConfig:
    bootstrap_servers: str = "localhost:9092"
    default_partitions: int = 1
    default_replication_factor: int = 1
    fetch_max_wait_ms: int = 500
    max_poll_records: int = 500
    delivery_timeout_ms: int = 30000
    max_in_flight: int = 100

    @classmethod
    def from_section(cls, section: Mapping[str, str]) -> KafkaConfig:
        """Parse the ``config-kafka`` section (missing keys take the defaults); ConfigError names each bad key."""
        values = {**SCHEMA[SECTION], **section}
        errors: list[FieldError] = []

        def positive(key: str) -> int:
            raw = str(values[key]).strip()
            try:
                n = int(raw)
            except ValueError:
                errors.append(FieldError(f"{SECTION}.{key}", f"expected an integer, got {raw!r}"))
                return 1
            if n <= 0:
                errors.append(FieldError(f"{SECTION}.{key}", f"must be > 0, got {n}"))
            return n

        servers = ",".join(s.strip() for s in str(values["bootstrap.servers"]).split(",") if s.strip())
        if not servers:
            errors.append(FieldError(f"{SECTION}.bootstrap.servers", "required: host:port[,host:port...]"))
        out = cls(
            bootstrap_servers=servers,
            default_partitions=positive("default.topic.partitions"),
            default_replication_factor=positive("default.topic.replication.factor"),
            fetch_max_wait_ms=positive("fetch.max.wait.ms"),
            max_poll_records=positive("max.poll.records"),
            delivery_timeout_ms=positive("delivery.timeout.ms"),
            max_in_flight=positive("dispatcher.max-in-flight"),
        )
        if errors:
            raise ConfigError(errors)
        return out

    @classmethod
    def from_operator_config(cls, config: object | None) -> KafkaConfig:
        """From a :class:`pyknative.config.OperatorConfig` (defaults when it is None or lacks the section)."""
        return cls.from_section(read_section(config, SECTION, SCHEMA[SECTION]))
