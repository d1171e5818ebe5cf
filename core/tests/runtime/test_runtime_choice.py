"""Which runtime runs a revision (``pyknative: runtime`` / ``image-runtime``, the ``pyknative.dev/runtime``
annotation, the recorded choice) and what a revision is told when that runtime is not here."""

from __future__ import annotations

import pytest

from pyknative.api.serving import Revision
from pyknative.runtime.api import InstancesStatus, NotRunnableError
from pyknative.runtime.choice import choose_runtime, wanted_runtime
from pyknative.runtime.runtime_set import RuntimeSet


def _rev(*containers: dict, annotations: dict | None = None, recorded: str | None = None) -> Revision:
    doc: dict = {
        "metadata": {"name": "r-00001", "namespace": "default", "annotations": annotations or {}},
        "spec": {"containers": list(containers)},
    }
    if recorded:
        doc["status"] = {"annotations": {"pyknative.dev/runtime": recorded}}
    return Revision.from_dict(doc)


SRC = {"image": "x", "command": ["python", "app.py"]}
IMG = {"image": "ghcr.io/knative/helloworld-go"}


@pytest.mark.parametrize(
    ("rev", "default", "want"),
    [
        (_rev(SRC), "auto", "local"),  # a command runs from source
        (_rev(IMG), "auto", "container"),  # only an image: the image runtime
        (_rev(SRC, IMG), "auto", "container"),  # a sidecar with only an image: the whole pod in containers
        (_rev(SRC, annotations={"pyknative.dev/runtime": "container"}), "auto", "container"),
        (_rev(IMG, annotations={"pyknative.dev/runtime": "local"}), "auto", "local"),
        (_rev(IMG), "kubernetes", "kubernetes"),  # the operator names one for all
        (_rev(IMG, annotations={"pyknative.dev/runtime": "local"}), "kubernetes", "local"),  # the revision asks
        (_rev(IMG, recorded="local"), "auto", "local"),  # a revision keeps the runtime it started on
    ],
)
def test_wanted_runtime(rev, default, want):
    assert wanted_runtime(rev, default=default, image_runtime="container") == want


def test_an_image_without_a_container_runtime_says_how_to_get_one():
    with pytest.raises(NotRunnableError) as e:
        choose_runtime(_rev(IMG), {"local"}, default="auto", image_runtime="container")
    assert e.value.reason == "ImageNotRunnableLocally"
    assert "pyknative[container]" in str(e.value) and "podman" in str(e.value).lower()
    assert "'ghcr.io/knative/helloworld-go'" in str(e.value)


def test_an_annotation_naming_a_runtime_that_is_not_here():
    with pytest.raises(NotRunnableError) as e:
        choose_runtime(_rev(SRC, annotations={"pyknative.dev/runtime": "wasm"}), {"local"}, default="auto",
                       image_runtime="container")
    assert e.value.reason == "RuntimeNotAvailable"
    assert "pyknative.dev/runtime" in str(e.value) and "'wasm'" in str(e.value) and "local" in str(e.value)


class _Recorder:
    def __init__(self, name: str) -> None:
        self.name, self.calls = name, []
        self.on_change = self.pre_stop = None

    def check(self, rev):
        self.calls.append(("check", rev.key))

    async def scale(self, rev, n):
        self.calls.append(("scale", rev.key, n))

    def status(self, key):
        scaled = [c for c in self.calls if c[0] == "scale" and c[1] == key]
        return InstancesStatus(desired=scaled[-1][2], total=scaled[-1][2]) if scaled else InstancesStatus()

    async def remove(self, key):
        self.calls.append(("remove", key))

    def logs(self, key, tail=None):
        return [f"{self.name}: {key}"]

    async def aclose(self):
        self.calls.append(("aclose",))


async def test_the_set_sends_each_revision_to_its_runtime_and_hands_down_the_callbacks():
    local, container = _Recorder("local"), _Recorder("container")
    rs = RuntimeSet({"local": local, "container": container})
    rs.on_change = print
    assert local.on_change is print and container.on_change is print
    src, img = _rev(SRC), Revision.from_dict({**_rev(IMG).to_dict(), "metadata": {"name": "i", "namespace": "d"}})
    rs.check(src)
    rs.check(img)
    await rs.scale(src, 2)
    await rs.scale(img, 1)
    assert local.calls == [("check", "default/r-00001"), ("scale", "default/r-00001", 2)]
    assert container.calls == [("check", "d/i"), ("scale", "d/i", 1)]
    assert (rs.status("default/r-00001").desired, rs.status("d/i").desired) == (2, 1)
    assert rs.logs("d/i") == ["container: d/i"]
    await rs.remove("d/i")
    assert container.calls[-1] == ("remove", "d/i") and ("remove", "d/i") not in local.calls
    # A revision the set has not seen (the platform restarted) is looked for in every runtime.
    await rs.remove("x/unknown")
    assert ("remove", "x/unknown") in local.calls and ("remove", "x/unknown") in container.calls
    await rs.aclose()
    assert local.calls[-1] == container.calls[-1] == ("aclose",)
