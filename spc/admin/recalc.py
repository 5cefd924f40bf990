"""The engineer's limit recalculation in the admin: choose a baseline, preview, then store.

The preview says at which sample size an attribute chart's limits are stated, how many
samples stored without limits will be evaluated against the new ones (the box "evaluate the
baseline against these limits", shown while there are such samples, on by default), and
how many open violations will be closed as superseded; storing reports what it did.
The limit width k and the X-bar charts' variable-n method are chosen here (they start at
the characteristic's) and stored with the limits; a p′ or u′ chart's preview shows σ_Z.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from audit.signatures import LIMIT_CHANGE, ChangeRefused, require_reason, sign
from openspc.api_filters import UTCDateTimeField
from spc.choices import VARIABLE_N_CHOICES
from spc.core.errors import InputError
from spc.core.types import ChartType
from spc.core.widths import MAX_LIMIT_SIGMA
from spc.models import Characteristic
from spc.pipeline.limit_changes import LimitPreview, recalculate_limits
from spc.pipeline.phase_one import phase_one_count

ATTRIBUTE_CHARTS = [c.value for c in ChartType if c.is_attribute]


class RecalculateForm(forms.Form):
    """Baseline choice for a recalculation: the last N samples and/or a date range."""

    last_n = forms.IntegerField(
        label="Last N samples", min_value=2, max_value=10_000, required=False, initial=25
    )
    start = UTCDateTimeField(required=False, help_text="Baseline from (optional).")
    end = UTCDateTimeField(required=False, help_text="Baseline to (optional).")
    limit_sigma = forms.FloatField(
        label="Limit width k (σ)",
        min_value=0.01,
        max_value=MAX_LIMIT_SIGMA,
        required=False,
        help_text="Limits at CL ± k σ (default 3); stored on the characteristic with them.",
    )
    variable_n_method = forms.ChoiceField(
        label="Variable-n method",
        choices=VARIABLE_N_CHOICES,
        required=False,
        help_text="X̄ charts whose subgroup sizes vary (Montgomery's A3(n_i)·s̄: X̄-S only).",
    )
    exclude_out_of_control = forms.BooleanField(
        required=False,
        label="Drop out-of-control points",
        help_text="Recompute until no baseline point lies beyond the limits.",
    )
    evaluate_baseline = forms.BooleanField(
        required=False,
        initial=True,
        label="Evaluate the baseline against these limits",
        help_text="The samples stored before any limits (Phase I) get these limits and are "
        "checked by the rules in order; their violations are stored like any other.",
    )
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why the change (required to store).",
    )
    signature_password = forms.CharField(
        required=False,
        label="Your password (signature)",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Storing limits is signed electronically: re-enter your password.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            raise forms.ValidationError("The start must be before the end.")
        return cleaned


def recalculate_view(
    request: HttpRequest, char: Characteristic, context: dict[str, Any]
) -> HttpResponse:
    """GET: the form. POST with ``preview``: the limits without storing. POST ``store``:
    store, with a reason and the password re-entered as the electronic signature."""
    form = RecalculateForm(
        request.POST or None,
        initial={"limit_sigma": char.limit_sigma, "variable_n_method": char.variable_n_method},
    )
    if ChartType(char.chart_type) not in (ChartType.XBAR_R, ChartType.XBAR_S):
        del form.fields["variable_n_method"]
    if not phase_one_count(char):
        del form.fields["evaluate_baseline"]  # nothing stored without limits
    preview: LimitPreview | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        store = "store" in request.POST
        try:
            signature = None
            if store:
                require_reason(data["reason"])
                signature = sign(request.user, data["signature_password"], LIMIT_CHANGE)
            preview = recalculate_limits(
                char,
                last_n=data["last_n"],
                start=data["start"],
                end=data["end"],
                exclude_out_of_control=data["exclude_out_of_control"],
                dry_run=not store,
                user=request.user,
                reason=data["reason"].strip(),
                signature=signature,
                evaluate_baseline=bool(data.get("evaluate_baseline")),
                limit_sigma=data.get("limit_sigma"),
                variable_n_method=data.get("variable_n_method") or None,
            )
        except (InputError, ChangeRefused) as exc:
            target = exc.field if exc.field in form.fields else None
            form.add_error(target, exc.message)
        else:
            if store:
                messages.success(request, stored_message(preview))
                return redirect("admin:spc_characteristic_change", char.pk)
    return TemplateResponse(
        request,
        "admin/spc/characteristic/recalculate.html",
        {
            **context,
            "form": form,
            "preview": preview,
            "original": char,
            "attribute_charts": ATTRIBUTE_CHARTS,
            "title": f"Recalculate limits: {char}",
        },
    )


def stored_message(preview: LimitPreview) -> str:
    """What storing did, for the admin's success message."""
    parts = [
        f"Limits stored from {preview.baseline_count} samples: CL {preview.center_line:.6g}, "
        f"UCL {preview.ucl:.6g}, LCL {preview.lcl:.6g}"
        + (f" (at n = {preview.summary_sample_size:g})" if preview.sample_size_basis else "")
        + f", at {preview.limit_sigma:g}σ"
        + (f", σ_Z {preview.sigma_z:.4g}" if preview.sigma_z is not None else "")
        + "."
    ]
    if preview.baseline_violations is not None:
        parts.append(
            f"The baseline evaluation judged {preview.phase_one_samples} samples stored "
            f"before these limits and raised {preview.baseline_violations} violation(s)."
        )
    if preview.superseded_violations:
        parts.append(
            f"{preview.superseded_violations} open violation(s) raised under the old limits "
            "were closed as superseded."
        )
    return " ".join(parts)
