"""The msa app's records: gauges, per-site thresholds, studies and their rows."""

from msa.models.gauges import Gauge

__all__ = ["Gauge"]
