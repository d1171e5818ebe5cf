"""The operator config of pyknative: Knative's ConfigMaps (and a ``pyknative`` section) in one YAML file.

Top-level keys are ConfigMap names (``config-network``, ``config-autoscaler``, ``config-br-defaults``...), their
keys exactly the ConfigMap keys, their defaults Knative's. Typical use::

    cfg = load_config("pyknative.yaml")              # or load_config(None) for all defaults
    cfg.get("config-network", "ingress-class")        # the string, as Knative stores it
    cfg.autoscaler.stable_window                      # 60.0 (seconds)
    cfg.domain.domain_for("default", {"app": "x"})    # "svc.cluster.local" unless config-domain says otherwise
    print(cfg.to_yaml())                              # `pyknative config show`

Plugins add sections with ``extra_schema={"config-kafka": {"bootstrap.servers": "localhost:9092"}}`` (their
``pyknative_config_schema`` hook) and read them back as typed values with
``read_section(platform.config, "config-hpa", keys)``.
"""

from pyknative.config.eventing import (
    BrokerClassDefaults,
    BrokerConfig,
    BrokerDefaults,
    ChannelDefaults,
    ChannelTemplate,
    PingDefaults,
    SugarConfig,
)
from pyknative.config.loader import CONFIG_ENV, load_config, parse_config
from pyknative.config.local import PyknativeSettings
from pyknative.config.model import OperatorConfig
from pyknative.config.observability import LoggingConfig, ObservabilityConfig, TracingConfig
from pyknative.config.schema import ConfigSchema, Key, core_schema
from pyknative.config.sections import read_section
from pyknative.config.selectors import LabelSelector, Requirement
from pyknative.config.serving import (
    CLUSTER_LOCAL_DOMAIN,
    AutoscalerConfig,
    DefaultsConfig,
    DeploymentConfig,
    DomainConfig,
    DomainRule,
    FeaturesConfig,
    GcConfig,
    NetworkConfig,
)
from pyknative.config.values import parse_bool, parse_duration, parse_float, parse_int

__all__ = [
    "CLUSTER_LOCAL_DOMAIN",
    "CONFIG_ENV",
    "AutoscalerConfig",
    "BrokerClassDefaults",
    "BrokerConfig",
    "BrokerDefaults",
    "ChannelDefaults",
    "ChannelTemplate",
    "ConfigSchema",
    "DefaultsConfig",
    "DeploymentConfig",
    "DomainConfig",
    "DomainRule",
    "FeaturesConfig",
    "GcConfig",
    "Key",
    "LabelSelector",
    "LoggingConfig",
    "NetworkConfig",
    "ObservabilityConfig",
    "OperatorConfig",
    "PingDefaults",
    "PyknativeSettings",
    "Requirement",
    "SugarConfig",
    "TracingConfig",
    "core_schema",
    "load_config",
    "parse_bool",
    "parse_config",
    "parse_duration",
    "parse_float",
    "parse_int",
    "read_section",
]
