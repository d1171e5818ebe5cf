"""``serve``, ``plugins`` and ``config show``: the CLI side of modules other parts of pyknative provide.

Those modules are replaced in ``sys.modules`` here with tiny stand-ins honouring their documented contracts
(``platform.main``, ``plugins.report``/``load``/``config_schema``, ``config.load_config``), so these tests check the
CLI's wiring, output and exit codes on their own; one runs ``config show`` on the real loader.
"""

from __future__ import annotations

import sys
import types

from click.testing import CliRunner

from pyknative.cli import cli
from pyknative.cli.local import plugins_text
from pyknative.errors import ConfigError, FieldError

ROWS = [
    {
        "name": "sqlite",
        "role": "store",
        "distribution": "pyknative-core",
        "status": "loaded",
        "error": None,
        "extra": None,
        "kinds": [],
    },
    {
        "name": "kafka",
        "role": "channel",
        "distribution": "pyknative-kafka",
        "status": "failed",
        "error": "No module named 'aiokafka'",
        "extra": "kafka",
        "kinds": ["KafkaChannel"],
    },
]


def _module(monkeypatch, name: str, **attrs) -> None:
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    monkeypatch.setitem(sys.modules, name, module)


def test_plugins_table_shows_failures_with_the_extra_that_fixes_them(monkeypatch):
    async def findings(_plugins, config):
        assert config.get("pyknative", "runtime") == "auto"
        return {"runtime/container": "podman 4.3.1 at unix:///run/podman/podman.sock"}

    _module(
        monkeypatch, "pyknative.plugins", report=lambda _plugins=None: ROWS, load=lambda: None, findings=findings,
        config_schema=lambda _plugins: {}, uninstalled_sections=lambda _schema: {},
    )
    r = CliRunner().invoke(cli, ["plugins"])
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["NAME", "ROLE", "DISTRIBUTION", "STATUS", "PROVIDES", "KINDS"]
    assert lines[1].split() == ["sqlite", "store", "pyknative-core", "loaded", "-", "-"]
    assert lines[2].split() == ["kafka", "channel", "pyknative-kafka", "failed", "-", "KafkaChannel"]
    assert "channel/kafka failed to load: No module named 'aiokafka'" in lines
    # then what each plugin found on this machine
    assert lines[-1].split() == ["runtime/container", "podman", "4.3.1", "at", "unix:///run/podman/podman.sock"]
    assert "  fix: pip install 'pyknative[kafka]'" in lines
    assert plugins_text([]) == "No plugins found."


def test_config_show_prints_yaml_or_every_error(monkeypatch, tmp_path):
    seen = []

    class Loaded:
        def to_yaml(self) -> str:
            return "store:\n  backend: sqlite\n"

    def load_config(path, *, extra_schema=None, uninstalled=None):
        seen.append(path)
        assert extra_schema == {"config-kafka": {"bootstrap.servers": "localhost:9092"}}
        assert uninstalled == {"config-nats": "nats"}
        if path and path.endswith("bad.yaml"):
            raise ConfigError(
                [
                    FieldError("store.backend", "unknown backend 'x'"),
                    FieldError("gateway.port", "expected an integer"),
                ]
            )
        return Loaded()

    _module(monkeypatch, "pyknative.config", load_config=load_config)
    # the plugins' sections are part of the config
    _module(monkeypatch, "pyknative.plugins", load=lambda: "loaded plugins",
            config_schema=lambda p: {"config-kafka": {"bootstrap.servers": "localhost:9092"}} if p == "loaded plugins" else {},
            uninstalled_sections=lambda schema: {"config-nats": "nats"} if "config-kafka" in schema else {})
    r = CliRunner().invoke(cli, ["config", "show"])
    assert r.exit_code == 0 and r.stdout == "store:\n  backend: sqlite\n" and seen == [None]
    r = CliRunner().invoke(cli, ["config", "show", "--config", str(tmp_path / "bad.yaml")])
    assert r.exit_code == 1
    assert r.stderr.splitlines() == [
        "error: store.backend: unknown backend 'x'",
        "error: gateway.port: expected an integer",
    ]


def test_config_show_takes_the_activation_scale_key_of_config_autoscaler(tmp_path):
    ops = tmp_path / "ops.yaml"
    ops.write_text('config-autoscaler:\n  activation-scale: "2"\n')
    r = CliRunner().invoke(cli, ["config", "show", "--config", str(ops)])
    assert r.exit_code == 0, r.output
    assert "  activation-scale: '2'" in r.stdout.splitlines()
    ops.write_text('config-autoscaler:\n  activation-scale: "0"\n')
    r = CliRunner().invoke(cli, ["config", "show", "--config", str(ops)])
    assert r.exit_code == 1
    assert "error: config-autoscaler.activation-scale: must be at least 1, got 0" in r.stderr.splitlines()


def test_serve_calls_the_serve_main_and_exits_with_its_code(monkeypatch):
    calls = []

    def main(config_path, data_dir, gateway_port, admin_port, eventing_port):
        calls.append((config_path, data_dir, gateway_port, admin_port, eventing_port))
        return 3

    _module(monkeypatch, "pyknative.cli.serve", main=main)
    r = CliRunner().invoke(
        cli,
        [
            "serve",
            "--config",
            "op.yaml",
            "--data-dir",
            "/tmp/d",
            "--gateway-port",
            "8080",
            "--admin-port",
            "0",
            "--eventing-port",
            "0",
        ],
    )
    assert r.exit_code == 3
    assert calls == [("op.yaml", "/tmp/d", 8080, 0, 0)]
    r = CliRunner().invoke(cli, ["serve", "--admin-port", "70000"])
    assert r.exit_code == 2
