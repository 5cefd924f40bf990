"""The msa app's records: gauges, per-site thresholds, studies and their rows."""

from msa.models.gauges import Gauge
from msa.models.studies import CrossedMethod, GaugeStudy, StudyKind, StudyMeasurement
from msa.models.thresholds import MsaThresholds

__all__ = [
    "CrossedMethod",
    "Gauge",
    "GaugeStudy",
    "MsaThresholds",
    "StudyKind",
    "StudyMeasurement",
]
