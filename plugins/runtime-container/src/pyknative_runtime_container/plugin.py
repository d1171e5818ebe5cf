"""The entry point: the runtime ``container`` (images in Docker or Podman), its operator-config section
``config-container`` and what ``pyknative plugins`` says of the engine found."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyknative import hookimpl
from pyknative_runtime_container import engine as engines

NAME = "container"
SECTION = "config-container"
CONFIG_KEYS = {
    # the engine's API endpoint (unix:///path/to.sock, tcp://host:port, or a socket path); empty: DOCKER_HOST,
    # CONTAINER_HOST, then Docker's and Podman's usual sockets
    "engine-host": "",
}


class ContainerRuntimePlugin:
    @hookimpl
    def pyknative_provides(self) -> Mapping[str, list[str]]:
        return {"runtime": [NAME]}

    @hookimpl
    def pyknative_config_schema(self) -> Mapping[str, Mapping[str, Any]]:
        return {SECTION: CONFIG_KEYS}

    @hookimpl
    def pyknative_make_runtime(self, name: str, platform: Any) -> Any:
        if name != NAME:
            return None
        from pyknative_runtime_container.runtime import ContainerRuntime

        return ContainerRuntime(
            data_dir=platform.data_dir,
            engine_host=platform.config.get(SECTION, "engine-host"),
            store=platform.cache,
            skip_resolving=platform.config.deployment.registries_skipping_tag_resolving,
        )

    @hookimpl
    async def pyknative_plugin_report(self, config: Any) -> Mapping[str, str]:
        try:
            info = await engines.discover(config.get(SECTION, "engine-host"))
        except engines.EngineUnavailable as exc:
            return {f"runtime/{NAME}": str(exc)}
        return {f"runtime/{NAME}": info.describe()}


plugin = ContainerRuntimePlugin()
