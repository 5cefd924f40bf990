"""Old → new values of an audit entry as readable rows, for the audit-trail page.

:func:`change_rows` turns an entry's stored JSON into ``ChangeRow(label, old, new)``: the
field's verbose name (read from the model named by ``object_type``, found through the app
registry, so the trail imports no app), and values as text (choices by their label, yes/no,
"—" for empty). A field whose JSON needs the owning app's knowledge to read (a
characteristic's run rules) gets a formatter the app registers with
:func:`register_formatter`; it returns rows of its own ("Rule 2: 9 in a row → 8 in a row").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.utils import dateformat
from django.utils.text import capfirst

from audit.models import AuditEntry

EMPTY = "—"


@dataclass(frozen=True)
class ChangeRow:
    """One changed value: the field's label and its old and new value as text."""

    label: str
    old: str
    new: str


Formatter = Callable[[Any, Any], list[ChangeRow]]
_formatters: dict[tuple[str, str], Formatter] = {}


def register_formatter(object_type: str, field: str, formatter: Formatter) -> None:
    """Let ``formatter(old, new) -> rows`` show ``field`` of ``object_type`` entries
    (a model label such as ``"spc.Characteristic"``)."""
    _formatters[(object_type, field)] = formatter


def _field(object_type: str, name: str) -> Any:
    try:
        return apps.get_model(object_type)._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return None


def _moment(text: str) -> str | None:
    """A stored moment (ISO 8601 with offset) as the pages show times: in the plant's zone
    with the zone named (``settings.DATETIME_FORMAT``, as ``|plant_time``); else None."""
    if len(text) < 19 or text[10] != "T":
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    return dateformat.format(local, settings.DATETIME_FORMAT)


def value_text(value: Any, field: Any = None) -> str:
    """A stored value as text: choices by label, yes/no, times in the plant's zone, "—" for
    None or ""."""
    if value is None or value == "" or value == {} or value == []:
        return EMPTY
    if isinstance(value, str) and (moment := _moment(value)):
        return moment
    if isinstance(value, bool):
        return "yes" if value else "no"
    choices = dict(getattr(field, "flatchoices", None) or ())
    if isinstance(value, str | int) and value in choices:
        return str(choices[value])
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def change_rows(entry: AuditEntry) -> list[ChangeRow]:
    """The entry's values as rows, in field order of the stored JSON (sorted keys). For a
    creation only the values that were set, for a deletion those the row held."""
    old = entry.old if isinstance(entry.old, dict) else {}
    new = entry.new if isinstance(entry.new, dict) else {}
    keys = sorted(old.keys() | new.keys())
    if entry.old is None or entry.new is None:
        keys = [k for k in keys if k != "id" and value_text(old.get(k, new.get(k))) != EMPTY]
    rows: list[ChangeRow] = []
    for key in keys:
        formatter = _formatters.get((entry.object_type, key))
        if formatter is not None:
            rows.extend(formatter(old.get(key), new.get(key)))
            continue
        field = _field(entry.object_type, key)
        label = capfirst(str(field.verbose_name)) if field is not None else key
        before, after = value_text(old.get(key), field), value_text(new.get(key), field)
        rows.append(ChangeRow(label, before, after))
    return rows
