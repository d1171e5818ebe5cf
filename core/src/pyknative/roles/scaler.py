"""The scaler role: a PodAutoscaler class decides a revision's scale from its metrics (pure where it can be).
Defined in :mod:`pyknative.scaling`; this is its public home."""

from pyknative.scaling import MeasuringScaler, MetricSample, ScaleDecision, ScaleFloor, ScaleInput, Scaler

__all__ = ["MeasuringScaler", "MetricSample", "ScaleDecision", "ScaleFloor", "ScaleInput", "Scaler"]
