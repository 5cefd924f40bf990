"""What a report covers: a part of the plant (a hierarchy subtree) and a period."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from alerts.models import Violation, ViolationQuerySet
from hierarchy.models import Node
from hierarchy.scoping import granted_paths
from spc.core.errors import InputError
from spc.models import Characteristic, CharacteristicQuerySet, Sample, SampleQuerySet


@dataclass(frozen=True)
class ReportScope:
    """A subtree (``node`` and everything below it; None = the whole plant) and a period.

    ``start`` and ``end`` are inclusive bounds on the sample timestamp (source time) and
    on the violation's creation time; None leaves that side open.
    """

    node: Node | None = None
    start: datetime | None = None
    end: datetime | None = None
    paths: tuple[str, ...] | None = None  # the requesting user's sites; None: everything

    def characteristics(self) -> CharacteristicQuerySet:
        """Characteristics in the subtree (and the user's sites), in plant order."""
        qs = Characteristic.objects.select_related("hierarchy")
        qs = qs.in_subtree(self.node) if self.node is not None else qs.all()
        if self.paths is not None:
            qs = qs.filter(pk__in=[]) if not self.paths else qs.filter(_under(self.paths))
        return qs

    def samples(self) -> SampleQuerySet:
        """Samples of the subtree's characteristics taken within the period (all of them,
        excluded ones too: exports show the flag; capability leaves them out)."""
        qs = Sample.objects.filter(characteristic__in=self.characteristics().values("pk"))
        if self.start is not None:
            qs = qs.filter(timestamp__gte=self.start)
        if self.end is not None:
            qs = qs.filter(timestamp__lte=self.end)
        return qs

    def violations(self) -> ViolationQuerySet:
        """Violations of the subtree's characteristics raised within the period."""
        qs = Violation.objects.filter(characteristic__in=self.characteristics().values("pk"))
        if self.start is not None:
            qs = qs.filter(created_at__gte=self.start)
        if self.end is not None:
            qs = qs.filter(created_at__lte=self.end)
        return qs

    def label(self) -> str:
        """Human description, e.g. "Line 1, 2026-11-01 to 2026-11-30"."""
        where = self.node.name if self.node is not None else "Whole plant"
        start = self.start.date().isoformat() if self.start else "the beginning"
        end = self.end.date().isoformat() if self.end else "now"
        return f"{where}, {start} to {end}"

    def slug(self) -> str:
        """A filename fragment: node code and dates."""
        parts = [self.node.code if self.node is not None else "plant"]
        parts += [d.strftime("%Y%m%d") for d in (self.start, self.end) if d is not None]
        return "_".join(parts)

    def to_params(self) -> dict[str, Any]:
        """JSON-able form (for celery task arguments); the inverse of :func:`scope_from_params`."""
        return {
            "node": self.node.pk if self.node is not None else None,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "paths": list(self.paths) if self.paths is not None else None,
        }


def _under(paths: tuple[str, ...]) -> Q:
    return reduce(or_, (Q(hierarchy__path__startswith=p) for p in paths))


def scope_params_for(user: Any, params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` limited to ``user``'s sites: adds ``paths`` (None for the whole plant)."""
    plain = {key: params.get(key) for key in params}  # a QueryDict's ** would give lists
    return {**plain, "paths": granted_paths(user)}


def user_scope(user: Any, params: Mapping[str, Any]) -> ReportScope:
    """The scope of ``params`` for ``user``: a node outside their sites is unknown."""
    return scope_from_params(scope_params_for(user, params))


def scope_from_params(params: Mapping[str, Any]) -> ReportScope:
    """Parse ``node`` (id), ``start`` and ``end`` (ISO date or date-time) and ``paths`` (the
    user's sites, None for all; see :func:`user_scope`) into a scope.

    A date alone means the whole day: ``start`` at 00:00 and ``end`` at 23:59:59.999999,
    in the current time zone. Raises ``InputError`` for an unknown node, an unreadable
    date or a start after the end.
    """
    node = None
    if params.get("node") not in (None, ""):
        try:
            node = Node.objects.get(pk=int(params["node"]))
        except (TypeError, ValueError, Node.DoesNotExist) as exc:
            raise InputError("node", "Unknown plant node.") from exc
    raw_paths = params.get("paths")
    paths = tuple(str(p) for p in raw_paths) if raw_paths is not None else None
    if node is not None and paths is not None and not any(node.path.startswith(p) for p in paths):
        raise InputError("node", "Unknown plant node.")
    start = _moment(params.get("start"), "start", end_of_day=False)
    end = _moment(params.get("end"), "end", end_of_day=True)
    if start is not None and end is not None and start > end:
        raise InputError("start", "The start must be before the end.")
    return ReportScope(node=node, start=start, end=end, paths=paths)


def _moment(value: Any, field: str, *, end_of_day: bool) -> datetime | None:
    """An aware datetime from an ISO date-time or date string (None for empty)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment: datetime | None = value
    else:
        text = str(value).strip()
        try:  # a plain date first: parse_datetime would read it as midnight
            day: date | None = parse_date(text)
            moment = None if day is not None else parse_datetime(text)
        except ValueError as exc:
            raise InputError(field, "Use a date like 2026-11-30 or 2026-11-30T08:00.") from exc
        if moment is None and day is not None:
            moment = datetime.combine(day, time.min)
            if end_of_day:
                moment += timedelta(days=1, microseconds=-1)
    if moment is None:
        raise InputError(field, "Use a date like 2026-11-30 or 2026-11-30T08:00.")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
