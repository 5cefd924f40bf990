"""The one write path for samples: manual entry, REST, MQTT and imports all call ``process``.

``process`` validates a subgroup for its characteristic, evaluates it in the pure SPC core
against the characteristic's rolling window, stores the sample, its measurements and its
violations in one transaction, and after commit publishes one ``sample.processed`` event.
A repeated idempotency key returns the stored result and stores nothing.

Concurrency: submissions for one characteristic are serialised by a per-process lock and,
across processes, by locking the characteristic row inside the transaction; the window is
checked against the database under that lock (see ``spc.windows``), so two processes
writing one characteristic get the rule results one process would.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from alerts.models import Violation
from alerts.services import card_state, open_counts
from spc import events
from spc.core.errors import InputError
from spc.core.evaluate import CharacteristicConfig, Evaluation, evaluate, window_capacity
from spc.core.limits import limits_from_stored
from spc.core.rules import RULE_NAMES, ruleset_from_mapping
from spc.core.types import ChartLimits, ChartType, RuleId, Signal, Subgroup, SubgroupMode
from spc.core.window import RollingWindow
from spc.models import Characteristic, Measurement, Sample
from spc.windows import windows

MAX_MEASUREMENTS = 1000
TEXT_LIMITS = {"operator": 120, "batch_number": 120, "idempotency_key": 128}
SOURCES = ("MANUAL", "REST", "MQTT", "IMPORT")


class CharacteristicInactive(InputError):  # noqa: N818 - the contract name
    """The characteristic is switched off and accepts no samples."""


@dataclass(frozen=True)
class SubgroupInput:
    """One subgroup from any provider, in plain values."""

    characteristic_id: int
    measurements: tuple[float, ...] = ()
    count: float | None = None
    sample_size: float | None = None
    timestamp: datetime | None = None
    idempotency_key: str | None = None
    operator: str = ""
    batch_number: str = ""
    source: str = "MANUAL"
    user_id: int | None = None


@dataclass(frozen=True)
class ProcessResult:
    """The stored sample, the violations it raised and the event describing it."""

    sample: Sample
    violations: list[Violation]
    created: bool
    event: dict[str, Any] = field(default_factory=dict)


def config_for(char: Characteristic) -> CharacteristicConfig:
    """The core's view of a characteristic: chart, mode, limits in force and rules."""
    chart_type = ChartType(char.chart_type)
    secondary = None
    if None not in (char.secondary_center_line, char.secondary_ucl, char.secondary_lcl):
        secondary = ChartLimits(
            center_line=char.secondary_center_line,  # type: ignore[arg-type]
            ucl=char.secondary_ucl,  # type: ignore[arg-type]
            lcl=char.secondary_lcl,  # type: ignore[arg-type]
        )
    limits = limits_from_stored(
        chart_type,
        char.subgroup_size,
        char.center_line,
        char.ucl,
        char.lcl,
        char.sigma,
        secondary,
        ewma_lambda=char.ewma_lambda,
        ewma_l=char.ewma_l,
        cusum_h=char.cusum_h,
    )
    return CharacteristicConfig(
        chart_type=chart_type,
        subgroup_size=char.subgroup_size,
        subgroup_mode=SubgroupMode(char.subgroup_mode),
        min_measurements=char.min_measurements,
        warn_below_count=char.warn_below_count,
        limits=limits,
        ruleset=ruleset_from_mapping(char.rules or {}),
        ewma_lambda=char.ewma_lambda,
        ewma_l=char.ewma_l,
        cusum_k=char.cusum_k,
        cusum_h=char.cusum_h,
        target=char.target,
    )


def _clean_input(data: SubgroupInput) -> tuple[Subgroup, datetime]:
    """Checks that do not need the characteristic: sizes, text lengths, time."""
    if len(data.measurements) > MAX_MEASUREMENTS:
        raise InputError("measurements", f"At most {MAX_MEASUREMENTS} values in one subgroup.")
    values: list[float] = []
    for value in data.measurements:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError("measurements", "Every measurement must be a number.")
        if not math.isfinite(value):
            raise InputError("measurements", "Measurements must be finite numbers.")
        values.append(float(value))
    for name, limit in TEXT_LIMITS.items():
        text = getattr(data, name) or ""
        if len(text) > limit:
            raise InputError(name, f"At most {limit} characters.")
    if data.source not in SOURCES:
        raise InputError("source", f"Unknown source {data.source!r}.")
    stamp = data.timestamp or timezone.now()
    if timezone.is_naive(stamp):
        stamp = stamp.replace(tzinfo=UTC)
    return Subgroup(tuple(values), data.count, data.sample_size), stamp


def _replay(char: Characteristic, key: str) -> ProcessResult | None:
    sample = (
        Sample.objects.filter(characteristic=char, idempotency_key=key)
        .prefetch_related("measurements")
        .first()
    )
    if sample is None:
        return None
    violations = list(sample.violations.order_by("rule"))
    return ProcessResult(sample, violations, False, build_event(char, sample, violations))


def process(data: SubgroupInput) -> ProcessResult:
    """Validate, evaluate, store and announce one subgroup. See the module docstring.

    Raises ``InputError`` for bad input, ``CharacteristicInactive`` for a switched-off
    characteristic and ``Characteristic.DoesNotExist`` for an unknown id.
    """
    subgroup, stamp = _clean_input(data)
    key = data.idempotency_key or None
    if key is not None:
        replay = _replay_by_id(data.characteristic_id, key)
        if replay is not None:
            return replay

    with windows.lock(data.characteristic_id):
        try:
            with transaction.atomic():
                char = (
                    Characteristic.objects.select_related("hierarchy")
                    .select_for_update(of=("self",))
                    .get(pk=data.characteristic_id)
                )
                if not char.active:
                    raise CharacteristicInactive(
                        "characteristic", "This characteristic is not active."
                    )
                if key is not None and (replay := _replay(char, key)) is not None:
                    return replay
                config = config_for(char)
                capacity = window_capacity(config)
                window = windows.current(char, capacity)
                evaluation = evaluate(window, subgroup, config)
                sample = _store_sample(char, data, subgroup, stamp, key, evaluation)
                violations = _store_violations(char, sample, window, evaluation.signals)
                event = build_event(char, sample, violations)
                events.publish(events.groups_for(char.pk, char.hierarchy.path), event)
        except IntegrityError:
            # Another process stored the same idempotency key between our checks.
            if key is not None and (replay := _replay_by_id(data.characteristic_id, key)):
                return replay
            raise
        window.append(evaluation.point, sample.pk)
        windows.put(char.pk, char.revision, capacity, window)
    return ProcessResult(sample, violations, True, event)


def _replay_by_id(characteristic_id: int, key: str) -> ProcessResult | None:
    char = Characteristic.objects.select_related("hierarchy").get(pk=characteristic_id)
    return _replay(char, key)


def _store_sample(
    char: Characteristic,
    data: SubgroupInput,
    subgroup: Subgroup,
    stamp: datetime,
    key: str | None,
    evaluation: Evaluation,
) -> Sample:
    point = evaluation.point
    sample = Sample.objects.create(
        characteristic=char,
        timestamp=stamp,
        source=data.source,
        idempotency_key=key,
        operator=data.operator or "",
        created_by_id=data.user_id,
        batch_number=data.batch_number or "",
        actual_n=point.n,
        is_undersized=point.is_undersized,
        mean=point.mean,
        range=point.range,
        std_dev=point.std_dev,
        count=subgroup.count,
        sample_size=subgroup.sample_size,
        value=point.value,
        secondary_value=point.secondary_value,
        center_line=point.center_line,
        ucl=point.ucl,
        lcl=point.lcl,
        z_score=point.z,
        zone=point.zone.value if point.zone else "",
        state=list(point.state),
    )
    if subgroup.measurements:
        Measurement.objects.bulk_create(
            Measurement(sample=sample, position=i, value=v)
            for i, v in enumerate(subgroup.measurements)
        )
    sample.measurement_values = list(subgroup.measurements)  # type: ignore[attr-defined]
    return sample


def _key_of(window: RollingWindow, index: int, new_key: int) -> int:
    """Map a core signal index (``window.total`` = the new point) to a sample id."""
    if index == window.total:
        return new_key
    keys = window.keys()
    position = index - (window.total - len(keys))
    return int(keys[position])  # type: ignore[call-overload]


def _store_violations(
    char: Characteristic, sample: Sample, window: RollingWindow, signals: tuple[Signal, ...]
) -> list[Violation]:
    if not signals:
        return []
    previous = int(window.keys()[-1]) if len(window) else None  # type: ignore[call-overload]
    stored: list[Violation] = []
    for signal in signals:
        involved = [_key_of(window, i, sample.pk) for i in signal.involved]
        episode = None
        if previous is not None:
            episode = (
                Violation.objects.unacknowledged()
                .filter(characteristic=char, sample_id=previous, rule=int(signal.rule))
                .values_list("episode", flat=True)
                .first()
            )
        violation = Violation.objects.create(
            sample=sample,
            characteristic=char,
            rule=int(signal.rule),
            severity=signal.severity.value,
            created_at=sample.received_at,
            involved_sample_ids=involved,
            episode=episode,
        )
        if episode is None:
            violation.episode = violation.pk
            Violation.objects.filter(pk=violation.pk).update(episode=violation.pk)
        stored.append(violation)
    return stored


def build_event(
    char: Characteristic, sample: Sample, violations: list[Violation]
) -> dict[str, Any]:
    """The ``sample.processed`` event: everything a chart point, a card and a toast need."""
    counts = open_counts([char.pk])[char.pk]
    return {
        "type": events.SAMPLE_PROCESSED,
        "characteristic": {
            "id": char.pk,
            "name": char.name,
            "node_id": char.hierarchy_id,
            "chart_type": char.chart_type,
            "decimal_places": char.decimal_places,
            "unit": char.unit,
            "usl": char.usl,
            "lsl": char.lsl,
        },
        "sample": sample_payload(sample),
        "violations": [
            {
                "id": v.pk,
                "rule": v.rule,
                "severity": v.severity,
                "rule_name": RULE_NAMES[RuleId(v.rule)],
                "episode": v.episode,
            }
            for v in violations
        ],
        "state": card_state(counts, sample.timestamp),
        "open_violations": counts,
    }


def measurement_values(sample: Sample) -> list[float]:
    """The sample's measured values, without a query when the pipeline just stored them."""
    known = getattr(sample, "measurement_values", None)
    if known is not None:
        return list(known)
    return [m.value for m in sample.measurements.all()]


def sample_payload(sample: Sample) -> dict[str, Any]:
    """A stored sample as plain JSON-able data (the event's and chart data's point)."""
    return {
        "id": sample.pk,
        "timestamp": sample.timestamp.isoformat(),
        "value": sample.value,
        "secondary_value": sample.secondary_value,
        "center_line": sample.center_line,
        "ucl": sample.ucl,
        "lcl": sample.lcl,
        "z": sample.z_score,
        "zone": sample.zone or None,
        "n": sample.actual_n,
        "is_undersized": sample.is_undersized,
        "is_excluded": sample.is_excluded,
        "measurements": measurement_values(sample),
        "operator": sample.operator,
        "batch_number": sample.batch_number,
    }
