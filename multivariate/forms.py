"""Forms of the multivariate app: the baseline of a phase I limit calculation and the
member inline's count check."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from multivariate.models import check_member_count
from multivariate.services import MAX_BASELINE
from openspc.api_filters import UTCDateTimeField


class BaselineForm(forms.Form):
    """Which complete observations form the baseline (default: the newest 100)."""

    last_n = forms.IntegerField(
        label=_("Newest complete observations"),
        required=False,
        min_value=1,
        max_value=MAX_BASELINE,
        help_text=_("Leave empty to use the time range, or the newest 100."),
    )
    start = UTCDateTimeField(label=_("From"), required=False)
    end = UTCDateTimeField(label=_("To"), required=False)

    def clean(self) -> dict[str, Any]:
        """The end comes after the start."""
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise ValidationError({"end": _("The end of the baseline is before its start.")})
        return data


class MemberFormSet(forms.BaseInlineFormSet):
    """A group keeps 2 to 10 members."""

    def clean(self) -> None:
        """Count the members that stay after this save."""
        super().clean()
        if any(self.errors):
            return
        kept = [
            f
            for f in self.forms
            if f.cleaned_data
            and not f.cleaned_data.get("DELETE")
            and f.cleaned_data.get("characteristic")
        ]
        check_member_count(len(kept))
