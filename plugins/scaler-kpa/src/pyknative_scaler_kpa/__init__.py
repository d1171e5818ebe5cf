"""pyknative-scaler-kpa: Knative's Pod Autoscaler (``kpa.autoscaling.knative.dev``) as a pyknative scaler plugin.

``KPAScaler().decide(inp, state)`` is a pure function of a :class:`pyknative.scaling.ScaleInput` and the
previous :class:`KPAState`; ``KPAScaler().validate(annotations, path)`` checks a revision's KPA annotations.
"""

from pyknative_scaler_kpa.durations import parse_duration
from pyknative_scaler_kpa.keys import KPA_CLASS
from pyknative_scaler_kpa.scaler import KPAScaler
from pyknative_scaler_kpa.spec import KPASpec, resolve_spec, spec_from
from pyknative_scaler_kpa.state import KPAState

__all__ = ["KPA_CLASS", "KPAScaler", "KPASpec", "KPAState", "parse_duration", "resolve_spec", "spec_from"]
