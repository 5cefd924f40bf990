"""Annotations of a chart: written, changed and removed here (pages, API and admin alike).

Each write is recorded in the audit trail (``spc.Annotation`` is in
``AUDIT_CONFIG_MODELS``) and touches the chart's data token, so the cached chart shows the
note at once (``spc.pipeline.chart_revisions``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from spc.core.errors import InputError
from spc.models import Characteristic, Sample
from spc.pipeline import chart_revisions
from spc.quality_records import TEXT_MAX, Annotation


def _checked(
    char: Characteristic,
    *,
    text: str | None,
    kind: str | None,
    sample: Sample | None,
    start: datetime | None,
    end: datetime | None,
) -> dict[str, Any]:
    """The annotation's fields, or ``InputError`` on the field at fault."""
    text = (text or "").strip()
    if not text:
        raise InputError("text", "Write the note.")
    if len(text) > TEXT_MAX:
        raise InputError("text", f"At most {TEXT_MAX} characters.")
    kind = kind or Annotation.Kind.OTHER
    if kind not in Annotation.Kind.values:
        raise InputError("kind", f"One of {', '.join(Annotation.Kind.values)}.")
    if sample is not None:
        if sample.characteristic_id != char.pk:
            raise InputError("sample", "The sample is of another characteristic.")
        start = start or sample.timestamp
    if start is None:
        raise InputError("start", "Choose a point or the start of a range.")
    if end is not None and end < start:
        raise InputError("end", "The end must not be before the start.")
    return {"text": text, "kind": kind, "sample": sample, "start": start, "end": end}


def add_annotation(
    char: Characteristic,
    *,
    user: Any,
    text: str | None,
    kind: str | None = None,
    sample: Sample | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Annotation:
    """Annotate one point (``sample``) or the range ``start``..``end`` (``end`` optional)."""
    fields = _checked(char, text=text, kind=kind, sample=sample, start=start, end=end)
    with transaction.atomic():
        note = Annotation.objects.create(
            characteristic=char, created_by=user if getattr(user, "pk", None) else None, **fields
        )
        chart_revisions.touch([char.pk])
    return note


def change_annotation(note: Annotation, **changes: Any) -> Annotation:
    """Change an annotation's text, kind, point or range (checked as when adding)."""
    current: dict[str, Any] = {
        "text": note.text,
        "kind": note.kind,
        "sample": note.sample,
        "start": note.start,
        "end": note.end,
    }
    current.update({k: v for k, v in changes.items() if k in current})
    fields = _checked(note.characteristic, **current)
    with transaction.atomic():
        for name, value in fields.items():
            setattr(note, name, value)
        note.save()
        chart_revisions.touch([note.characteristic_id])
    return note


def remove_annotation(note: Annotation) -> None:
    """Delete an annotation (recorded in the audit trail with its content)."""
    with transaction.atomic():
        char_id = note.characteristic_id
        note.delete()
        chart_revisions.touch([char_id])
