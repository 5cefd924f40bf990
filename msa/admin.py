"""Admin of gauges, studies (with their readings) and per-plant thresholds."""

from __future__ import annotations

from django.contrib import admin

from msa.models import Gauge, GaugeStudy, MsaThresholds, StudyMeasurement


@admin.register(Gauge)
class GaugeAdmin(admin.ModelAdmin[Gauge]):
    """Gauges with their calibration due date."""

    list_display = ["code", "name", "gauge_type", "kind", "site", "location", "calibration_due"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name", "location"]
    autocomplete_fields = ["site"]


class MeasurementInline(admin.TabularInline[StudyMeasurement, GaugeStudy]):
    """The readings, read-only: they are entered on the tablet grid or the API."""

    model = StudyMeasurement
    extra = 0
    can_delete = False
    readonly_fields = ["part", "operator", "trial", "value", "rating", "entered_by", "entered_at"]

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        """Readings come from the entry grid or the API, once each."""
        return False


@admin.register(GaugeStudy)
class GaugeStudyAdmin(admin.ModelAdmin[GaugeStudy]):
    """Study plans and their stored verdicts."""

    list_display = ["name", "kind", "gauge", "characteristic", "verdict", "pct_grr", "ndc"]
    list_filter = ["kind", "verdict"]
    search_fields = ["name", "gauge__code"]
    readonly_fields = ["completed_at", "verdict", "pct_grr", "ndc"]
    autocomplete_fields = ["gauge", "characteristic"]
    inlines = [MeasurementInline]


@admin.register(MsaThresholds)
class MsaThresholdsAdmin(admin.ModelAdmin[MsaThresholds]):
    """%GRR and ndc limits of a plant (AIAG: 10 %, 30 %, ndc 5)."""

    list_display = ["site", "acceptable_below", "unacceptable_above", "min_ndc"]
    autocomplete_fields = ["site"]
