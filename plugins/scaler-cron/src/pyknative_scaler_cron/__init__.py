"""pyknative-scaler-cron: scheduled floors on a revision's scale, composed with any autoscaler class.

A revision template's ``autoscaling.pyknative.dev/schedules`` annotation lists windows (a cron expression in a
time zone, a duration, a replica count); while one is open the revision keeps at least that many instances and
still scales above them with load. ``floor_at(schedules, wall)`` is the pure rule; ``parse_schedules`` and
``validate_annotations`` read and admit the annotation; the plugin answers the core's ``pyknative_scale_floor``
and ``pyknative_validate_annotations`` hooks.
"""

from pyknative_scaler_cron.floor import floor_at, floor_for
from pyknative_scaler_cron.keys import SCHEDULES
from pyknative_scaler_cron.parse import parse_schedules
from pyknative_scaler_cron.schedule import Schedule
from pyknative_scaler_cron.validation import validate_annotations

__all__ = ["SCHEDULES", "Schedule", "floor_at", "floor_for", "parse_schedules", "validate_annotations"]
