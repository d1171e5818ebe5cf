"""The plugin as an operator meets it: `pyknative plugins` names the engine found (or everything it tried), and
the operator config's `config-container: engine-host` is where it looks first."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

BIN = Path(sys.executable).parent


def plugins(*args: str, env: dict[str, str]) -> str:
    res = subprocess.run([str(BIN / "pyknative"), "plugins", *args], capture_output=True, text=True, timeout=60,
                         env=env)
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_plugins_names_the_engine_found(podman, tmp_path):
    out = plugins(env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DOCKER_HOST": podman.url})
    line = next(x for x in out.splitlines() if "runtime/container" in x)
    assert "Podman Engine" in line and podman.url in line


def test_plugins_says_why_no_engine(tmp_path):
    out = plugins(env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_RUNTIME_DIR": str(tmp_path),
                       "DOCKER_HOST": f"unix://{tmp_path}/none.sock"})
    line = next(x for x in out.splitlines() if "runtime/container" in x)
    assert "no container engine answered" in line and "none.sock" in line and "apt install podman" in line


def test_operator_config_engine_host_comes_first(podman, tmp_path):
    config = tmp_path / "ops.yaml"
    config.write_text(yaml.safe_dump({"config-container": {"engine-host": podman.url}}))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DOCKER_HOST": f"unix://{tmp_path}/none.sock"}
    out = plugins("--config", str(config), env=env)
    assert "Podman Engine" in next(x for x in out.splitlines() if "runtime/container" in x)
