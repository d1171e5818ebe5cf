"""Plugin discovery: entry points load into one pluggy manager; failures are reported with the extra to install."""

from __future__ import annotations

import sys
import textwrap

import pytest
from stevedore import ExtensionManager

from pyknative import hookimpl, plugins


@pytest.fixture
def broken_distribution(tmp_path, monkeypatch):
    """A real installed distribution whose entry point fails to import (its SDK is missing)."""
    dist = tmp_path / "pyknative_channel_kafka-0.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: pyknative-channel-kafka\nVersion: 0.1.0\n")
    (dist / "entry_points.txt").write_text("[pyknative.channel]\nkafka = broken_kafka_plugin:plugin\n")
    (tmp_path / "broken_kafka_plugin.py").write_text("import aiokafka_that_is_not_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    # stevedore memoises entry points per group for the life of the process
    monkeypatch.setattr(ExtensionManager, "ENTRY_POINT_CACHE", {})
    yield
    sys.modules.pop("broken_kafka_plugin", None)


def test_core_defaults_load_through_entry_points():
    report = {(r["role"], r["name"]): r for r in plugins.report()}
    assert report[("store", "sqlite")]["provides"] == ["sqlite"]
    assert report[("runtime", "local")]["provides"] == ["local"]
    assert report[("ingress", "embedded")]["provides"] == ["embedded.ingress.networking.knative.dev", "embedded"]
    assert "Service.serving.knative.dev" in report[("kinds", "serving")]["kinds"]
    assert report[("controllers", "core")]["status"] == "loaded"
    loaded = plugins.load()
    assert loaded.provided("data-plane") == {"embedded": "embedded"}
    assert "embedded" not in loaded.provided("ingress")  # a name is provided for the role it is declared under
    assert all(r["status"] == "loaded" for r in report.values() if r["distribution"] == "pyknative-core")


def test_a_plugin_that_fails_to_import_is_reported_with_its_extra(broken_distribution):
    report = {(r["role"], r["name"]): r for r in plugins.report()}
    rec = report[("channel", "kafka")]
    assert rec["status"] == "failed"
    assert "aiokafka_that_is_not_installed" in rec["error"]
    assert rec["extra"] == "kafka"
    assert rec["distribution"] == "pyknative-channel-kafka"


async def test_make_picks_the_provider_and_awaits_async_implementations():
    class Declines:
        @hookimpl
        async def pyknative_make_ingress(self, ingress_class):
            return None

    class Serves:
        @hookimpl
        async def pyknative_make_ingress(self, ingress_class):
            return f"backend for {ingress_class}" if ingress_class == "x.example.com" else None

    loaded = plugins.load([("ingress", "serves", Serves()), ("ingress", "declines", Declines())], autoload=False)
    got = await loaded.make("pyknative_make_ingress", role="ingress", config_key="config-network.ingress-class",
                            value="x.example.com", ingress_class="x.example.com", platform=None)
    assert got == "backend for x.example.com"


async def test_a_backend_nobody_provides_names_the_key_and_the_extra():
    loaded = plugins.load(autoload=False)
    with pytest.raises(Exception) as e:
        await loaded.make("pyknative_make_ingress", role="ingress", config_key="config-network.ingress-class",
                          value="istio.ingress.networking.knative.dev", ingress_class="istio.ingress.networking.knative.dev",
                          platform=None)
    assert str(e.value) == textwrap.dedent("""\
        config-network.ingress-class: 'istio.ingress.networking.knative.dev' is not provided by any installed plugin; \
install it with: pip install 'pyknative[istio]'""")


def test_config_schema_gathers_plugin_sections_and_names_the_missing_ones():
    class Kafka:
        @hookimpl
        def pyknative_config_schema(self):
            return {"config-kafka": {"bootstrap.servers": "localhost:9092"}}

    schema = plugins.config_schema(plugins.load([("channel", "kafka", Kafka())], autoload=False))
    assert schema == {"config-kafka": {"bootstrap.servers": "localhost:9092"}}
    missing = plugins.uninstalled_sections(schema)
    assert "config-kafka" not in missing
    assert missing["config-nats"] == "nats"


@pytest.mark.parametrize(
    ("ops", "key"),
    [
        ("config-br-default-channel:\n  channel-template-spec: |\n    apiVersion: example.com/v1\n    kind: ExampleChannel\n",
         "config-br-default-channel.channel-template-spec"),
        ("default-ch-webhook:\n  default-ch-config: |\n    namespaceDefaults:\n      team-a:\n"
         "        apiVersion: example.com/v1\n        kind: ExampleChannel\n",
         "default-ch-webhook.default-ch-config"),
    ],
)
def test_a_default_channel_kind_nobody_provides_fails_start_up_naming_the_key(tmp_path, ops, key):
    from pyknative.errors import BackendNotInstalledError
    from pyknative.platform import Platform

    config = tmp_path / "ops.yaml"
    config.write_text(ops)
    platform = Platform.from_config(config, overrides={"data-dir": str(tmp_path / "data")})
    with pytest.raises(BackendNotInstalledError) as e:
        platform.check_backends()
    assert str(e.value) == f"{key}: 'ExampleChannel' is not provided by any installed plugin"
