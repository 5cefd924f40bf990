"""Admin for characteristics (grouped by hierarchy, with a rule grid), samples and limits."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path

from audit.trail import signed_by
from hierarchy.scoping import ScopedAdminMixin
from spc.admin.forms import RULE_ROWS, CharacteristicAdminForm
from spc.admin.recalc import recalculate_view
from spc.core import rule_presets
from spc.core.shortrun import SHORT_RUN
from spc.jobs.policies import POLICY_MAX
from spc.models import Characteristic, LimitSet, Measurement, PartTarget, Sample
from spc.pipeline.limit_changes import LIMIT_COLUMNS, record_limit_edit

LIMIT_HISTORY_FIELDS = (
    "created_at",
    "created_by",
    "method",
    "center_line",
    "ucl",
    "lcl",
    "sigma",
    "limit_sigma",
    "sigma_z",
    "baseline_count",
    "reason",
)


class LimitSetInline(admin.TabularInline[LimitSet, Characteristic]):
    """The limit history, read-only: rows are written by the limit services only."""

    model = LimitSet
    extra = 0
    can_delete = False
    fields = LIMIT_HISTORY_FIELDS
    readonly_fields = LIMIT_HISTORY_FIELDS
    ordering = ["-created_at"]
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PartTargetInline(admin.TabularInline[PartTarget, Characteristic]):
    """The part table of a short-run chart (DNOM, Z-MR): each part number's target and
    sigma (Z-MR needs it); samples of a part not listed here are refused. Shown once the
    characteristic is saved with a short-run chart type."""

    model = PartTarget
    extra = 0
    fields = ["part_number", "target", "sigma"]
    verbose_name_plural = "part targets (DNOM and Z-MR charts)"


@admin.register(Characteristic)
class CharacteristicAdmin(ScopedAdminMixin, admin.ModelAdmin[Characteristic]):
    """Characteristics grouped by their place in the plant, filterable and searchable."""

    form = CharacteristicAdminForm
    # Few, narrow columns so that the list fits 1280 px beside the admin's navigation and
    # the filters (issue 27): chart type and subgroup size share one column; the subgroup
    # mode is a filter.
    list_display = ["name", "location", "chart", "provider", "limits_state", "active"]
    list_filter = [
        "chart_type",
        "provider",
        "subgroup_mode",
        "active",
        ("hierarchy", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["hierarchy"]
    search_fields = ["name", "description", "hierarchy__name", "mqtt_topic", "sparkplug_metric"]
    ordering = ["hierarchy__path", "name"]
    autocomplete_fields = ["hierarchy", "gauge"]
    save_on_top = True
    readonly_fields = ["preset_in_force"]
    inlines = [PartTargetInline, LimitSetInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "hierarchy",
                    "name",
                    "description",
                    ("unit", "decimal_places"),
                    "gauge",
                    "active",
                ]
            },
        ),
        (
            "Chart",
            {
                "fields": [
                    "chart_type",
                    ("subgroup_size", "subgroup_mode"),
                    ("min_measurements", "warn_below_count"),
                ]
            },
        ),
        ("Specification", {"fields": [("lsl", "target", "usl")]}),
        (
            "Data quality",
            {
                "fields": [("plausible_low", "plausible_high")],
                "description": "Reasonable limits: a value outside them is refused from "
                "every source (a typing or gauge error, not a measurement).",
            },
        ),
        (
            "Control limits",
            {
                "fields": [
                    ("lcl", "center_line", "ucl"),
                    "sigma",
                    ("limit_sigma", "variable_n_method"),
                    ("secondary_lcl", "secondary_center_line", "secondary_ucl"),
                ],
                "description": "Normally set by a recalculation from a baseline; edits here are "
                "manual limits. Leave empty while collecting a Phase I baseline.",
            },
        ),
        (
            "Run rules",
            {
                "fields": ["preset_in_force", "rule_preset", *RULE_ROWS],
                "description": "Switch each Nelson rule on or off, set its severity and "
                "parameters (blank: Nelson's), choose which also judge the R, S or MR pane "
                "(X̄-R, X̄-S, I-MR; stored as rule 100 + k); or apply a published preset. "
                "Informational violations are shown but need no acknowledgement.",
            },
        ),
        (
            "Sign the change",
            {
                "fields": ["change_reason", "signature_password"],
                "description": "Changes of the run rules or the control limits are recorded "
                "in the audit trail with your reason and electronic signature.",
            },
        ),
        (
            "Small-shift charts",
            {
                "fields": [("ewma_lambda", "ewma_l"), ("cusum_k", "cusum_h")],
                "classes": ["collapse"],
            },
        ),
        (
            "Data source",
            {
                "fields": [
                    "provider",
                    "mqtt_topic",
                    ("sparkplug_group", "sparkplug_edge_node", "sparkplug_device"),
                    "sparkplug_metric",
                    ("trigger_strategy", "trigger_tag"),
                    ("buffer_timeout_seconds", "partial_policy"),
                    ("mqtt_rate_limit", "mqtt_max_held", "mqtt_backpressure"),
                ]
            },
        ),
        (
            "Schedules and retention",
            {
                "fields": [
                    "sampling_interval_minutes",
                    "retention_days",
                    "recalc_every_days",
                    "late_horizon",
                ],
                "description": "All optional: leave a field empty to switch the policy off. "
                "Celery beat checks overdue sampling every minute, recalculates limits "
                "hourly where due and purges expired samples nightly.",
            },
        ),
    ]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        """Policy fields accept 1 up to ``spc.jobs.policies.POLICY_MAX`` (see there why)."""
        if db_field.name in POLICY_MAX:
            kwargs.update(min_value=1, max_value=POLICY_MAX[db_field.name])
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        """The part table only on a saved short-run characteristic (DNOM, Z-MR)."""
        inlines = super().get_inline_instances(request, obj)
        if obj is not None and obj.chart_type in SHORT_RUN:
            return inlines
        return [inline for inline in inlines if not isinstance(inline, PartTargetInline)]

    def get_urls(self) -> list[URLPattern]:
        custom = [
            path(
                "<int:pk>/recalculate/",
                self.admin_site.admin_view(self.recalculate),
                name="spc_characteristic_recalculate",
            )
        ]
        return custom + super().get_urls()

    def recalculate(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Recalculate limits from a baseline with a preview (needs change permission)."""
        char = get_object_or_404(Characteristic.objects.select_related("hierarchy"), pk=pk)
        if not self.has_change_permission(request, char):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.model._meta}
        return recalculate_view(request, char, context)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        """The form, knowing who signs a rule or limit change."""
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"signer": request.user})

    def save_model(
        self, request: HttpRequest, obj: Characteristic, form: Any, change: bool
    ) -> None:
        """Save; limits typed in by hand are recorded in the limit history as MANUAL. A rule
        or limit change is recorded with the reason and signature the form checked."""
        reason, signature = form.signed
        with signed_by(reason, signature):
            super().save_model(request, obj, form, change)
            if form.limits_changed:
                old = {name: form.initial.get(name) for name in LIMIT_COLUMNS}
                record_limit_edit(
                    obj,
                    user=request.user,
                    reason=reason or "Edited in the admin",
                    signature=signature,
                    old=old,
                )

    @admin.display(description="Rules set from")
    def preset_in_force(self, obj: Characteristic) -> str:
        """The preset and version the rules were set from, or that they were edited."""
        if obj is None or not obj.pk:
            return "—"
        if not obj.rule_preset:
            return "edited by hand (no preset)"
        try:
            preset = rule_presets.get(obj.rule_preset)
        except KeyError:
            return obj.rule_preset
        return f"{preset.name} ({preset.ident}) — {preset.source}"

    @admin.display(description="Location", ordering="hierarchy__path")
    def location(self, obj: Characteristic) -> str:
        return " › ".join(node.name for node in obj.hierarchy.breadcrumbs()[1:])

    @admin.display(description="Chart", ordering="chart_type")
    def chart(self, obj: Characteristic) -> str:
        """The chart's short name ("X̄-R" of "X̄-R (mean and range)") and subgroup size."""
        name = obj.get_chart_type_display().split(" (")[0]
        return f"{name}, n = {obj.subgroup_size}" if obj.subgroup_size > 1 else name

    @admin.display(description="Limits", boolean=True)
    def limits_state(self, obj: Characteristic) -> bool:
        return obj.has_limits


class MeasurementInline(admin.TabularInline[Measurement, Sample]):
    model = Measurement
    extra = 0
    can_delete = False
    readonly_fields = ["position", "value"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Sample)
class SampleAdmin(ScopedAdminMixin, admin.ModelAdmin[Sample]):
    """Samples are stored by the processing pipeline; the admin shows them read-only."""

    list_display = [
        "id",
        "characteristic",
        "timestamp",
        "value",
        "actual_n",
        "is_undersized",
        "is_excluded",
        "source",
        "operator",
        "batch_number",
    ]
    list_filter = ["source", "is_excluded", "is_undersized", "characteristic__chart_type"]
    search_fields = [
        "characteristic__name",
        "batch_number",
        "operator",
        "idempotency_key",
        "part_number",
    ]
    list_select_related = ["characteristic"]
    date_hierarchy = "timestamp"
    inlines = [MeasurementInline]
    readonly_fields = [f.name for f in Sample._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """A sample is a quality record: never deleted here. Exclude it (signed, with a
        reason) or correct it from the chart page or the API instead (issue 23)."""
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Sample]:
        return super().get_queryset(request)


@admin.register(LimitSet)
class LimitSetAdmin(ScopedAdminMixin, admin.ModelAdmin[LimitSet]):
    """The control-limit history: who changed the limits, when and from what baseline."""

    list_display = [
        "characteristic",
        "created_at",
        "created_by",
        "method",
        "center_line",
        "ucl",
        "lcl",
        "sigma",
        "baseline_count",
    ]
    list_filter = ["method", "exclude_out_of_control"]
    search_fields = ["characteristic__name", "reason"]
    date_hierarchy = "created_at"
    list_select_related = ["characteristic", "created_by"]
    readonly_fields = [f.name for f in LimitSet._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
