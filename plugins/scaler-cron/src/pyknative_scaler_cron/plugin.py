"""The ``pyknative.scaler`` entry point ``cron``: scheduled floors for every autoscaler class.

It serves no class; it answers ``pyknative_scale_floor`` (the floor the revision's schedules set now) and
``pyknative_validate_annotations`` (admission of the schedules annotation).
"""

from __future__ import annotations

from collections.abc import Mapping

from pyknative import FieldError, hookimpl
from pyknative.scaling import ScaleFloor, ScaleInput
from pyknative_scaler_cron.floor import floor_for
from pyknative_scaler_cron.validation import validate_annotations


class CronPlugin:
    @hookimpl
    def pyknative_scale_floor(self, inp: ScaleInput) -> ScaleFloor | None:
        return floor_for(inp.annotations, inp.wall)

    @hookimpl
    def pyknative_validate_annotations(self, annotations: Mapping[str, str], path: str) -> list[FieldError]:
        return validate_annotations(annotations, path)


plugin = CronPlugin()
