"""Admission of the ``autoscaling.pyknative.dev/schedules`` annotation, whatever the revision's autoscaler class.

Every problem of the list is an error naming its field, e.g.
``spec.template.metadata.annotations[autoscaling.pyknative.dev/schedules][0].schedule``. A schedule whose
``replicas`` exceed the template's own ``autoscaling.knative.dev/max-scale`` is refused too (as Knative refuses
a min-scale above max-scale); a max-scale from ``config-autoscaler`` is not known here, and the core clamps the
floor to it at run time.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyknative import FieldError
from pyknative.api.annotations import first_present
from pyknative.autoscaling_settings import resolve
from pyknative.config import AutoscalerConfig
from pyknative_scaler_cron import keys as k
from pyknative_scaler_cron.parse import parse_schedules


def validate_annotations(annotations: Mapping[str, str], path: str) -> list[FieldError]:
    """Errors for the schedules annotation under ``path`` (the annotations map's path); [] without it."""
    text = annotations.get(k.SCHEDULES)
    if text is None:
        return []
    where = f"{path}[{k.SCHEDULES}]"
    schedules, errors = parse_schedules(text, where)
    if errors:
        return errors
    cap = _max_scale(annotations)
    if cap is not None:
        key, limit = cap
        for i, schedule in enumerate(schedules):
            if schedule.replicas > limit:
                errors.append(
                    FieldError(f"{where}[{i}].{k.REPLICAS}", f"{schedule.replicas} must not be greater than {key} {limit}")
                )
    return errors


def _max_scale(annotations: Mapping[str, str]) -> tuple[str, int] | None:
    """``(key, value)`` of a max-scale annotation that bounds the scale (a valid positive count), else None; the
    core's resolution reads it (an invalid one is left to the class's own validation)."""
    settings = resolve(annotations, AutoscalerConfig.from_values())
    found = first_present(annotations, k.MAX_SCALE)
    if found is None or "max_scale" not in settings.annotated or settings.max_scale == 0:
        return None
    return found[0], settings.max_scale
