"""Loading and checking the operator config file: defaults, normalisation, errors, plugins, round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pyknative.config import Key, OperatorConfig, core_schema, load_config, parse_config
from pyknative.errors import ConfigError

KNATIVE_SECTIONS = [
    "config-network",
    "config-domain",
    "config-defaults",
    "config-autoscaler",
    "config-deployment",
    "config-gc",
    "config-features",
    "config-logging",
    "config-observability",
    "config-tracing",
    "config-br-defaults",
    "config-br-default-channel",
    "default-ch-webhook",
    "config-ping-defaults",
    "config-sugar",
    "config-kreference-mapping",
]


def _errors(exc: pytest.ExceptionInfo[ConfigError]) -> dict[str, str]:
    return {e.path: e.message for e in exc.value.errors}


# ------------------------------------------------------------------------------------------- defaults


def test_no_file_gives_every_section_with_knative_defaults() -> None:
    cfg = load_config(None)
    assert set(cfg.sections) == {*KNATIVE_SECTIONS, "pyknative"}
    for section, keys in core_schema().items():
        for key, default in keys.items():
            if "*" not in key:
                assert cfg.get(section, key) == default
    # a few facts carried over from Knative's ConfigMaps
    assert cfg.get("config-defaults", "revision-timeout-seconds") == "300"
    assert cfg.get("config-autoscaler", "target-burst-capacity") == "211"
    assert cfg.get("config-autoscaler", "stable-window") == "60s"
    assert cfg.get("config-gc", "retain-since-create-time") == "48h"
    assert cfg.get("config-features", "multi-container") == "enabled"
    assert cfg.get("config-features", "delivery-timeout") == "enabled"  # eventing's flag, same section
    assert cfg.get("config-ping-defaults", "data-max-size") == "-1"
    assert "MTChannelBasedBroker" in cfg.get("config-br-defaults", "default-br-config")
    assert "InMemoryChannel" in cfg.get("default-ch-webhook", "default-ch-config")
    assert cfg.sections["config-domain"] == {}


def test_every_section_has_defaults_that_pass_their_own_checks() -> None:
    assert parse_config({}) == load_config(None)
    schema = core_schema()
    for section in KNATIVE_SECTIONS:
        assert section in schema


def test_pyknative_section_defaults() -> None:
    cfg = load_config(None)
    assert dict(cfg.section("pyknative")) == {
        "gateway-address": "127.0.0.1",
        "gateway-port": "8080",
        "admin-address": "127.0.0.1",
        "admin-port": "8001",
        "admin-auth": "auto",
        "admin-tls-cert": "",
        "admin-tls-key": "",
        "data-dir": "~/.pyknative",
        "store": "sqlite",
        "runtime": "auto",
        "image-runtime": "container",
        "data-plane": "embedded",
        "eventing-address": "127.0.0.1",
        "eventing-port": "8081",
        "event-max-bytes": "4194304",
        "autoscaler-tick": "2s",
        "instance-env-passthrough": "",
    }


def test_file_values_override_defaults_and_leave_the_rest() -> None:
    cfg = parse_config(
        {
            "config-network": {"ingress-class": "kourier.ingress.networking.knative.dev"},
            "config-autoscaler": {"scale-to-zero-grace-period": "45s"},
        }
    )
    assert cfg.get("config-network", "ingress-class") == "kourier.ingress.networking.knative.dev"
    assert cfg.get("config-network", "domain-template") == "{{.Name}}.{{.Namespace}}.{{.Domain}}"
    assert cfg.autoscaler.scale_to_zero_grace_period == 45.0
    assert cfg.autoscaler.stable_window == 60.0


def test_yaml_scalars_are_normalised_to_the_strings_knative_reads() -> None:
    cfg = parse_config(
        yaml.safe_load("""
config-autoscaler:
  enable-scale-to-zero: false
  container-concurrency-target-default: 10
  panic-window-percentage: 20.5
config-defaults:
  revision-timeout-seconds: 120
config-domain:
  example.com:
""")
    )
    assert cfg.get("config-autoscaler", "enable-scale-to-zero") == "false"
    assert cfg.get("config-autoscaler", "container-concurrency-target-default") == "10"
    assert cfg.get("config-autoscaler", "panic-window-percentage") == "20.5"
    assert cfg.get("config-defaults", "revision-timeout-seconds") == "120"
    assert cfg.get("config-domain", "example.com") == ""
    assert cfg.autoscaler.enable_scale_to_zero is False
    assert cfg.defaults.revision_timeout_seconds == 120


def test_knatives_example_block_is_ignored() -> None:
    cfg = parse_config({"config-gc": {"_example": "# docs\nmin-non-active-revisions: x\n"}})
    assert "_example" not in cfg.section("config-gc")


def test_a_section_left_empty_keeps_its_defaults() -> None:
    cfg = parse_config({"config-gc": None, "config-domain": None})
    assert cfg.gc.min_non_active_revisions == 20


# --------------------------------------------------------------------------------------------- errors


def test_unknown_sections_and_keys_are_all_reported_with_names() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(
            {
                "config-network": {"ingres-class": "x", "domain-template": "{{.Name}}.{{.Domain}}"},
                "config-netwrk": {"a": "b"},
                "config-autoscaler": {"stable-windw": "60s", "bogus": "1"},
            }
        )
    errors = _errors(info)
    assert set(errors) == {
        "config-network.ingres-class",
        "config-netwrk",
        "config-autoscaler.stable-windw",
        "config-autoscaler.bogus",
    }
    assert "unknown key" in errors["config-network.ingres-class"]
    assert "did you mean 'ingress-class'" in errors["config-network.ingres-class"]
    assert "known keys:" in errors["config-network.ingres-class"]
    assert "tag-template" in errors["config-network.ingres-class"]
    assert "unknown section; did you mean 'config-network'" in errors["config-netwrk"]
    assert "config-autoscaler" in errors["config-netwrk"]
    assert "did you mean 'stable-window'" in errors["config-autoscaler.stable-windw"]
    text = str(info.value)
    assert "config-network.ingres-class" in text and "config-autoscaler.bogus" in text


def test_old_knative_key_names_point_to_the_new_ones() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(
            {"config-network": {"auto-tls": "Enabled"}, "config-deployment": {"queueSidecarImage": "x"}}
        )
    errors = _errors(info)
    assert "'external-domain-tls'" in errors["config-network.auto-tls"]
    assert "'queue-sidecar-image'" in errors["config-deployment.queueSidecarImage"]


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("config-defaults", "revision-timeout-seconds", "abc", "expected an integer"),
        ("config-autoscaler", "stable-window", "60", "invalid duration"),
        ("config-autoscaler", "scale-to-zero-grace-period", "thirty seconds", "invalid duration"),
        ("config-autoscaler", "enable-scale-to-zero", "yes please", "expected a boolean"),
        ("config-autoscaler", "target-burst-capacity", "lots", "expected a number"),
        ("config-autoscaler", "activation-scale", "two", "expected an integer"),
        ("config-network", "http-protocol", "sometimes", "expected one of enabled, disabled, redirected"),
        ("config-network", "domain-template", "{{.Name}", "unbalanced"),
        ("config-network", "domain-template", "{{.Name}}/{{.Domain}}", "must render to a host name"),
        ("config-network", "tag-template", "{{.Revision}}-{{.Name}}", "refers to .Revision"),
        ("config-features", "multi-container", "maybe", "expected one of enabled, disabled, allowed"),
        ("config-features", "transport-encryption", "sometimes", "permissive"),
        ("config-gc", "retain-since-create-time", "forever", "invalid duration"),
        ("config-defaults", "revision-cpu-request", "lots", "resource quantity"),
        ("config-tracing", "sample-rate", "2", "between 0 and 1"),
        ("config-logging", "zap-logger-config", "{not json", "not valid JSON"),
        ("config-logging", "loglevel.controller", "loud", "expected one of debug"),
        ("config-domain", "example.org", "selector: [a, b]", "selector must be a mapping"),
        ("config-domain", "example.org", "selectr:\n  app: x\n", "unknown fields ['selectr']"),
        ("config-br-defaults", "default-br-config", "clusterDefault: [", "not valid YAML"),
        ("config-br-defaults", "default-br-config", "", "must not be empty"),
        (
            "default-ch-webhook",
            "default-ch-config",
            "clusterDefault:\n  kind: InMemoryChannel\n",
            "apiVersion",
        ),
        ("config-ping-defaults", "data-max-size", "big", "expected an integer"),
        ("config-sugar", "namespace-sugar-selector", "matchLabels: 3", "mapping of strings"),
        ("pyknative", "gateway-port", "99999", "TCP port"),
        ("pyknative", "store", "", "must not be empty"),
    ],
)
def test_bad_values_are_named(section: str, key: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config({section: {key: value}})
    errors = _errors(info)
    assert f"{section}.{key}" in errors, errors
    assert message in errors[f"{section}.{key}"]


def test_every_bad_value_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(
            {
                "config-defaults": {"revision-timeout-seconds": "abc", "container-concurrency": "-"},
                "config-autoscaler": {"stable-window": "1 minute"},
                "config-foo": {},
                "pyknative": {"admin-port": "http"},
            }
        )
    assert set(_errors(info)) == {
        "config-defaults.revision-timeout-seconds",
        "config-defaults.container-concurrency",
        "config-autoscaler.stable-window",
        "config-foo",
        "pyknative.admin-port",
    }


@pytest.mark.parametrize(
    ("section", "values", "bad_key", "message"),
    [
        (
            "config-defaults",
            {"revision-timeout-seconds": "700"},
            "revision-timeout-seconds",
            "cannot be greater than max-revision-timeout-seconds (600)",
        ),
        (
            "config-defaults",
            {"revision-timeout-seconds": "100", "revision-response-start-timeout-seconds": "200"},
            "revision-response-start-timeout-seconds",
            "cannot be greater than revision-timeout-seconds (100)",
        ),
        (
            "config-defaults",
            {"revision-idle-timeout-seconds": "301"},
            "revision-idle-timeout-seconds",
            "cannot be greater than revision-timeout-seconds",
        ),
        ("config-defaults", {"container-concurrency": "2000"}, "container-concurrency", "outside [0,"),
        ("config-autoscaler", {"scale-to-zero-grace-period": "0s"}, "scale-to-zero-grace-period", "positive"),
        ("config-autoscaler", {"stable-window": "5s"}, "stable-window", "outside [6s, 1h]"),
        ("config-autoscaler", {"stable-window": "60500ms"}, "stable-window", "second precision"),
        ("config-autoscaler", {"max-scale-up-rate": "1"}, "max-scale-up-rate", "greater than 1.0"),
        ("config-autoscaler", {"target-burst-capacity": "-2"}, "target-burst-capacity", "-1 (unlimited)"),
        ("config-autoscaler", {"initial-scale": "0"}, "initial-scale", "allow-zero-initial-scale"),
        (
            "config-autoscaler",
            {"max-scale-limit": "10", "max-scale": "20"},
            "max-scale",
            "max-scale-limit (10)",
        ),
        ("config-autoscaler", {"min-scale": "5", "max-scale": "3"}, "min-scale", "max-scale (3)"),
        ("config-autoscaler", {"activation-scale": "0"}, "activation-scale", "must be at least 1, got 0"),
        ("config-autoscaler", {"activation-scale": "5", "max-scale": "3"}, "activation-scale", "max-scale (3)"),
        (
            "config-autoscaler",
            {"container-concurrency-target-percentage": "150"},
            "container-concurrency-target-percentage",
            "outside (0, 100]",
        ),
        (
            "config-gc",
            {"min-non-active-revisions": "30", "max-non-active-revisions": "10"},
            "max-non-active-revisions",
            "min-non-active-revisions (30)",
        ),
        ("config-deployment", {"progress-deadline": "0s"}, "progress-deadline", "positive"),
        ("config-tracing", {"backend": "zipkin"}, "zipkin-endpoint", "must be set"),
    ],
)
def test_inconsistent_values_are_named(
    section: str, values: dict[str, str], bad_key: str, message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config({section: values})
    errors = _errors(info)
    assert f"{section}.{bad_key}" in errors, errors
    assert message in errors[f"{section}.{bad_key}"]


def test_allowed_combinations_pass() -> None:
    cfg = parse_config(
        {
            "config-autoscaler": {
                "initial-scale": "0",
                "allow-zero-initial-scale": "true",
                "max-scale-limit": "10",
                "max-scale": "10",
                "min-scale": "2",
                "target-burst-capacity": "-1",
                "container-concurrency-target-percentage": "0.7",
            }
        }
    )
    assert cfg.autoscaler.initial_scale == 0
    assert cfg.autoscaler.container_concurrency_target_fraction == pytest.approx(0.7)
    assert cfg.autoscaler.target_burst_capacity == -1


def test_activation_scale_is_a_pyknative_key_with_default_1() -> None:
    # Knative has only the annotation; pyknative's config-autoscaler key sets its default for every revision.
    assert parse_config(None).get("config-autoscaler", "activation-scale") == "1"
    assert parse_config(None).autoscaler.activation_scale == 1
    cfg = parse_config({"config-autoscaler": {"activation-scale": "2", "max-scale": "2"}})
    assert cfg.get("config-autoscaler", "activation-scale") == "2"
    assert cfg.autoscaler.activation_scale == 2
    assert "activation-scale: '2'" in cfg.to_yaml()


def test_document_that_is_not_a_mapping_is_an_error() -> None:
    with pytest.raises(ConfigError, match="must be a mapping of section names"):
        parse_config(["config-network"])  # type: ignore[arg-type]
    with pytest.raises(ConfigError) as info:
        parse_config({"config-network": "ingress-class=x"})
    assert "expected a mapping" in _errors(info)["config-network"]


def test_a_list_is_refused_for_a_plain_key() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config({"config-network": {"ingress-class": ["a", "b"]}})
    assert "expected a string, number or boolean, got a list" in _errors(info)["config-network.ingress-class"]


# ------------------------------------------------------------------------------------------------ files


def test_load_config_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "pyknative.yaml"
    path.write_text("""
config-network:
  ingress-class: embedded.ingress.networking.knative.dev
config-domain:
  example.com: ""
config-defaults:
  revision-timeout-seconds: "300"
config-autoscaler:
  scale-to-zero-grace-period: 30s
""")
    cfg = load_config(path)
    assert cfg.domain_for("default", {}) == "example.com"
    assert cfg.autoscaler.scale_to_zero_grace_period == 30.0
    assert load_config(str(path)) == cfg


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match="config file not found") as info:
        load_config(missing)
    assert str(missing) in str(info.value)


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("config-network:\n  ingress-class: [x\n")
    with pytest.raises(ConfigError, match=r"bad.yaml is not valid YAML \(line \d+"):
        load_config(path)


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("config-gc:\n  min-non-active-revisions: '1'\n  min-non-active-revisions: '2'\n")
    with pytest.raises(ConfigError, match="duplicate key 'min-non-active-revisions'"):
        load_config(path)


def test_an_empty_file_gives_defaults(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing yet\n")
    assert load_config(path) == load_config(None)


def test_env_names_the_file_and_overrides_pyknative_keys(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("pyknative:\n  gateway-port: 9000\n  store: sqlite\n")
    env = {"PYKNATIVE_CONFIG": str(path), "PYKNATIVE_ADMIN_PORT": "9001", "PYKNATIVE_DATA_DIR": str(tmp_path)}
    cfg = load_config(None, env=env)
    assert cfg.pyknative.gateway_port == 9000
    assert cfg.pyknative.admin_port == 9001
    assert cfg.pyknative.data_dir == tmp_path
    other = tmp_path / "other.yaml"
    other.write_text("pyknative:\n  gateway-port: 7000\n")
    assert load_config(other, env=env).pyknative.gateway_port == 7000  # an explicit path wins
    assert load_config(None).pyknative.gateway_port == 8080  # without env nothing is read from it


def test_a_bad_env_override_names_the_variable() -> None:
    with pytest.raises(ConfigError) as info:
        load_config(None, env={"PYKNATIVE_GATEWAY_PORT": "eighty"})
    assert "$PYKNATIVE_GATEWAY_PORT" in _errors(info)["pyknative.gateway-port"]


# ---------------------------------------------------------------------------------------------- plugins

KAFKA = {"config-kafka": {"bootstrap.servers": "localhost:9092", "retries": Key("3", lambda s: int(s))}}


def test_extra_schema_adds_a_plugin_section() -> None:
    cfg = parse_config({"config-kafka": {"bootstrap.servers": "kafka:9092"}}, extra_schema=KAFKA)
    assert cfg.get("config-kafka", "bootstrap.servers") == "kafka:9092"
    assert cfg.get("config-kafka", "retries") == "3"
    assert dict(cfg.section("config-kafka")) == {"bootstrap.servers": "kafka:9092", "retries": "3"}


def test_extra_schema_keys_are_checked_like_core_ones() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config({"config-kafka": {"retries": "many", "bootstrap.server": "x"}}, extra_schema=KAFKA)
    errors = _errors(info)
    assert set(errors) == {"config-kafka.retries", "config-kafka.bootstrap.server"}
    assert "did you mean 'bootstrap.servers'" in errors["config-kafka.bootstrap.server"]


def test_plugin_section_is_unknown_without_its_plugin() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config({"config-kafka": {"bootstrap.servers": "kafka:9092"}})
    assert "unknown section" in _errors(info)["config-kafka"]


def test_a_section_of_a_plugin_that_is_not_installed_names_the_extra() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config({"config-kafka": {"bootstrap.servers": "kafka:9092"}, "config-kafak": {}},
                     uninstalled={"config-kafka": "kafka"})
    errors = _errors(info)
    assert errors["config-kafka"] == (
        "unknown section: it configures a plugin that is not installed; install it with: pip install 'pyknative[kafka]'"
    )
    assert "did you mean" in errors["config-kafak"]


def test_extra_schema_can_add_keys_to_a_core_section() -> None:
    extra = {"pyknative": {"kafka-admin-timeout": "10s"}}
    cfg = parse_config({"pyknative": {"kafka-admin-timeout": "30s"}}, extra_schema=extra)
    assert cfg.get("pyknative", "kafka-admin-timeout") == "30s"
    assert cfg.get("pyknative", "store") == "sqlite"
    env_cfg = load_config(None, extra_schema=extra, env={"PYKNATIVE_KAFKA_ADMIN_TIMEOUT": "5s"})
    assert env_cfg.get("pyknative", "kafka-admin-timeout") == "5s"


# ------------------------------------------------------------------------------------------- round trip


def test_to_yaml_round_trips_the_defaults() -> None:
    cfg = load_config(None)
    text = cfg.to_yaml()
    assert text.startswith("#")
    assert parse_config(yaml.safe_load(text)) == cfg


def test_to_yaml_round_trips_a_customised_config(tmp_path: Path) -> None:
    cfg = parse_config(
        {
            "config-domain": {"example.com": "", "example.org": {"selector": {"app": "nonprofit"}}},
            "config-br-defaults": {
                "default-br-config": {
                    "clusterDefault": {
                        "brokerClass": "MTChannelBasedBroker",
                        "apiVersion": "v1",
                        "kind": "ConfigMap",
                        "name": "config-br-default-channel",
                        "namespace": "knative-eventing",
                    },
                    "namespaceDefaults": {"team-a": {"brokerClass": "Kafka"}},
                }
            },
            "config-logging": {"loglevel.controller": "debug"},
            "config-autoscaler": {"enable-scale-to-zero": False, "stable-window": "2m"},
            "config-kafka": {"bootstrap.servers": "kafka:9092"},
        },
        extra_schema=KAFKA,
    )
    path = tmp_path / "shown.yaml"
    path.write_text(cfg.to_yaml())
    again = load_config(path, extra_schema=KAFKA)
    assert again == cfg
    assert again.domain_for("x", {"app": "nonprofit"}) == "example.org"
    assert again.br_defaults.broker_class_for("team-a") == "Kafka"
    assert again.logging.level_for("controller") == "debug"
    assert "example.org: |" in cfg.to_yaml()  # embedded YAML written as a readable block


def test_operator_config_compares_by_values() -> None:
    a = OperatorConfig({"s": {"k": "v"}})
    assert a == OperatorConfig({"s": {"k": "v"}})
    assert a != OperatorConfig({"s": {"k": "w"}})
    with pytest.raises(TypeError):
        a.sections["s"]["k"] = "x"  # type: ignore[index]


def test_get_is_key_error_free_for_known_keys_and_names_unknown_ones() -> None:
    cfg = load_config(None)
    for section, keys in core_schema().items():
        for key in keys:
            if "*" not in key:
                cfg.get(section, key)
    with pytest.raises(KeyError, match="config-network.nope"):
        cfg.get("config-network", "nope")
