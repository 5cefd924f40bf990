"""Measurement systems analysis: gauges, gauge studies, their verdicts (issue 29)."""
