"""How a file's columns become subgroups: the mapping, its checks and a first guess.

Two layouts: ``wide`` (one row per subgroup, one column per measurement) and ``long``
(one row per measurement; rows of one characteristic with the same subgroup key, one after
another, form one subgroup). Attribute charts read a count column and a sample size
column. The characteristic is fixed for the whole file or read per row from a column
holding its id, name or MQTT topic.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from typing import Any

from django.conf import settings

from ingest.imports.cells import CellError, zone_named
from spc.core.errors import InputError

LAYOUTS = ("wide", "long")
COLUMN_FIELDS = (
    "timestamp_column",
    "characteristic_column",
    "value_column",
    "subgroup_column",
    "count_column",
    "sample_size_column",
    "batch_column",
    "operator_column",
    "part_column",
)


@dataclass(frozen=True)
class Mapping:
    """Which column holds what, and how to read the cells."""

    timestamp_column: str
    characteristic: int | None = None
    characteristic_column: str = ""
    layout: str = "wide"
    value_columns: tuple[str, ...] = ()
    value_column: str = ""
    subgroup_column: str = ""
    count_column: str = ""
    sample_size_column: str = ""
    batch_column: str = ""
    operator_column: str = ""
    part_column: str = ""  # short-run charts (DNOM, Z-MR): the part number
    time_zone: str = ""
    date_format: str = ""
    delimiter: str = ""
    decimal: str = ""
    sheet: str = ""

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Mapping:
        """A mapping from plain values (form, JSON, command options); ``InputError`` on
        the field that is wrong."""
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for name in known:
            value = data.get(name)
            if value in (None, ""):
                continue
            if name == "value_columns":
                if isinstance(value, str):
                    value = [v for v in (p.strip() for p in value.split(",")) if v]
                if not isinstance(value, list | tuple) or any(
                    not isinstance(v, str) for v in value
                ):
                    raise InputError(name, "A list of column names.")
                values[name] = tuple(v.strip() for v in value if v.strip())
            elif name == "characteristic":
                try:
                    values[name] = int(str(value))
                except (TypeError, ValueError) as exc:
                    raise InputError(name, "The id of a characteristic.") from exc
            else:
                if not isinstance(value, str):
                    raise InputError(name, "Text.")
                values[name] = value if name == "delimiter" else value.strip()
        if not values.get("timestamp_column"):
            raise InputError("timestamp_column", "Choose the column that holds each row's time.")
        mapping = cls(**values)
        mapping.check()
        return mapping

    def check(self) -> None:
        """Checks that need no file."""
        if self.layout not in LAYOUTS:
            raise InputError("layout", "Choose wide (a column per measurement) or long.")
        if (self.characteristic is None) == (not self.characteristic_column):
            raise InputError(
                "characteristic",
                "Choose one characteristic for the whole file or the column that names it.",
            )
        if self.decimal not in ("", ".", ","):
            raise InputError("decimal", "The decimal separator is '.' or ','.")
        try:
            zone_named(self.zone_name)
        except CellError as exc:
            raise InputError("time_zone", str(exc)) from exc
        if self.layout == "long" and self.value_column and not self.subgroup_column:
            raise InputError("subgroup_column", "The long layout needs a subgroup key column.")
        if not (self.value_columns or self.value_column or self.count_column):
            raise InputError(
                "value_columns",
                "Choose the measurement columns, the value column, or a count column.",
            )

    @property
    def zone_name(self) -> str:
        """The zone of times without an offset (the plant's by default)."""
        return self.time_zone or settings.TIME_ZONE

    def decimal_for(self, delimiter: str) -> str:
        """The decimal separator: as given, else ',' for ';'-separated files."""
        return self.decimal or ("," if delimiter == ";" else ".")

    def measurement_columns(self) -> tuple[str, ...]:
        """The columns holding measurements in this layout."""
        if self.layout == "long":
            return (self.value_column,) if self.value_column else ()
        return self.value_columns

    def check_columns(self, header: list[str]) -> None:
        """Every named column is in the header (``InputError`` names the missing one)."""
        present = set(header)
        listed = ", ".join(h for h in header if h) or "none"
        for name in COLUMN_FIELDS:
            column = getattr(self, name)
            if column and column not in present:
                raise InputError(name, f"No column named {column!r}; the file has {listed}.")
        for column in self.value_columns:
            if column not in present:
                raise InputError(
                    "value_columns", f"No column named {column!r}; the file has {listed}."
                )

    def as_dict(self) -> dict[str, Any]:
        """Plain values for the Import record."""
        data = asdict(self)
        data["value_columns"] = list(self.value_columns)
        return {k: v for k, v in data.items() if v not in ("", None, [])}


_TIME = re.compile(r"time|date|zeit|datum|stamp", re.IGNORECASE)
_CHAR = re.compile(r"characteristic|merkmal|topic|^char", re.IGNORECASE)
_ROLES = {
    "subgroup_column": re.compile(r"subgroup|group|key|gruppe", re.IGNORECASE),
    "count_column": re.compile(r"count|defect|fehler|anzahl", re.IGNORECASE),
    "sample_size_column": re.compile(r"sample.?size|^n$|inspected|stichprobe", re.IGNORECASE),
    "batch_column": re.compile(r"batch|lot|charge", re.IGNORECASE),
    "operator_column": re.compile(r"operator|werker|user|bediener", re.IGNORECASE),
    "part_column": re.compile(r"part.?(no|nr|num)|^part$|teil|artikel", re.IGNORECASE),
}


def guess(header: list[str]) -> dict[str, Any]:
    """A first mapping from the column names, for the page to start from."""
    found: dict[str, Any] = {"layout": "wide"}
    rest = [h for h in header if h]
    for column in rest:
        if "timestamp_column" not in found and _TIME.search(column):
            found["timestamp_column"] = column
        elif "characteristic_column" not in found and _CHAR.search(column):
            found["characteristic_column"] = column
        else:
            for role, pattern in _ROLES.items():
                if role not in found and pattern.search(column):
                    found[role] = column
                    break
    used = {v for k, v in found.items() if k.endswith("_column")}
    found["value_columns"] = [h for h in rest if h not in used]
    if "subgroup_column" in found and len(found["value_columns"]) == 1:
        found["layout"] = "long"
        found["value_column"] = found.pop("value_columns")[0]
    return found
