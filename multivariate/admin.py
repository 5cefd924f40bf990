"""Admin of multivariate groups: members inline, and the "calculate phase I limits" action
with a baseline form and a message per group (bad input is a message, never a 500)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from hierarchy.scoping import ScopedAdminMixin
from multivariate.forms import BaselineForm, MemberFormSet
from multivariate.models import GroupMember, MultivariateGroup
from multivariate.services import calculate_limits
from spc.core.errors import InputError


class MemberInline(admin.TabularInline[GroupMember, MultivariateGroup]):
    """The group's 2–10 characteristics, in T² vector order."""

    model = GroupMember
    formset = MemberFormSet
    extra = 2
    autocomplete_fields = ["characteristic"]


@admin.register(MultivariateGroup)
class MultivariateGroupAdmin(ScopedAdminMixin, admin.ModelAdmin[MultivariateGroup]):
    """Groups with their limits (read-only: set by the action or the API)."""

    list_display = ["name", "hierarchy", "phase", "alpha", "ucl", "baseline_count", "limits_at"]
    list_filter = ["phase", "active"]
    search_fields = ["name"]
    autocomplete_fields = ["hierarchy"]
    inlines = [MemberInline]
    actions = ["calculate_phase_one_limits"]
    readonly_fields = [
        "mean",
        "covariance",
        "inverse_covariance",
        "ucl",
        "phase_one_ucl",
        "baseline_count",
        "baseline",
        "limits_at",
        "limits_by",
    ]

    @admin.action(description="Calculate phase I limits")
    def calculate_phase_one_limits(
        self, request: HttpRequest, queryset: QuerySet[MultivariateGroup]
    ) -> HttpResponse | None:
        """Ask for the baseline, then calculate each selected group's limits."""
        form = BaselineForm(request.POST if "apply" in request.POST else None)
        if "apply" not in request.POST or not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": _("Calculate phase I limits"),
                "form": form,
                "groups": queryset,
                "action": "calculate_phase_one_limits",
                "opts": self.model._meta,
                "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            }
            return TemplateResponse(request, "multivariate/admin_baseline.html", context)
        for group in queryset:
            self._calculate(request, group, form.cleaned_data)
        return None

    def _calculate(
        self, request: HttpRequest, group: MultivariateGroup, data: dict[str, Any]
    ) -> None:
        try:
            result = calculate_limits(
                group,
                last_n=data.get("last_n"),
                start=data.get("start"),
                end=data.get("end"),
                user=request.user,
            )
        except InputError as exc:
            self.message_user(request, f"{group.name}: {exc.message}", messages.ERROR)
            return
        self.message_user(
            request,
            _(
                "%(name)s: UCL %(ucl).3f from %(m)d complete observations "
                "(%(incomplete)d incomplete left out); %(signals)d of %(points)d points above it."
            )
            % {
                "name": group.name,
                "ucl": result.ucl,
                "m": result.baseline_count,
                "incomplete": result.incomplete_count,
                "signals": result.signals,
                "points": result.points,
            },
            messages.SUCCESS,
        )
