"""pyknative-scaler-hpa: Knative's HPA class (``hpa.autoscaling.knative.dev``) as a pyknative scaler plugin.

``HPAScaler().decide(inp, state)`` applies the Kubernetes HorizontalPodAutoscaler rule to the CPU or memory
the core measured (``measure(pids, previous, instances)``, leaving out the CPU of instances still starting, as
Kubernetes' CPU initialization period does) and puts in ``ScaleInput.resources``;
``HPAScaler().validate(annotations, path)`` checks a revision's HPA annotations; ``make_hpa(...)`` renders the
``autoscaling/v2`` HorizontalPodAutoscaler a Kubernetes deployment would use.
"""

from pyknative_scaler_hpa.keys import HPA_CLASS
from pyknative_scaler_hpa.manifest import make_hpa
from pyknative_scaler_hpa.measure import MeasureState, measure
from pyknative_scaler_hpa.quantity import binary_si, decimal_si, parse_quantity
from pyknative_scaler_hpa.scaler import CPU_PERCENT, CPU_REQUEST_CORES, MEMORY_BYTES, HPAScaler
from pyknative_scaler_hpa.spec import HPASpec, resolve_spec, spec_from
from pyknative_scaler_hpa.state import HPAState
from pyknative_scaler_hpa.validation import validate_annotations

__all__ = [
    "CPU_PERCENT",
    "CPU_REQUEST_CORES",
    "HPA_CLASS",
    "MEMORY_BYTES",
    "HPAScaler",
    "HPASpec",
    "HPAState",
    "MeasureState",
    "binary_si",
    "decimal_si",
    "make_hpa",
    "measure",
    "parse_quantity",
    "resolve_spec",
    "spec_from",
    "validate_annotations",
]
