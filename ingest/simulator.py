"""Live simulated data for the demo plant: a process model per characteristic.

Each model draws normal noise around its target; now and then a disturbance starts (a
shift of 1.5 to 3 σ, or a drift) and lasts a while, so the run rules fire. Attribute
characteristics draw counts (binomial for p/np, Poisson for c/u).

Two outputs:

* :class:`InProcessSimulator` calls ``spc.pipeline.processing.process`` from a background thread
  (the embedded default: no broker, the in-memory channel layer reaches the browsers);
* :func:`mqtt_messages` yields plain JSON or Sparkplug B messages for a broker
  (``manage.py simulate``, the load bench).
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
from django.db import close_old_connections, connection

from ingest.sparkplug import DOUBLE, UINT64, Metric, Payload, encode_payload
from spc.demo_plant import CHARACTERISTICS, DemoCharacteristic
from spc.models import Characteristic
from spc.pipeline.processing import SubgroupInput, process

logger = logging.getLogger(__name__)

ATTRIBUTE = frozenset({"P", "NP", "C", "U"})
SPARKPLUG_GROUP = "OpenSPC"
SPARKPLUG_DEVICE = "sim"


@dataclass
class ProcessModel:
    """One characteristic's process: target, spread, and the disturbance in progress."""

    characteristic_id: int
    chart_type: str
    subgroup_size: int
    mean: float
    sigma: float
    sample_size: float = 1.0
    disturbance_rate: float = 0.02
    offset: float = 0.0
    drift: float = 0.0
    remaining: int = 0
    rng: np.random.Generator = field(default_factory=np.random.default_rng)

    @property
    def attribute(self) -> bool:
        """True for p, np, c and u charts."""
        return self.chart_type in ATTRIBUTE

    def _step_disturbance(self) -> None:
        if self.remaining > 0:
            self.remaining -= 1
            self.offset += self.drift
            if self.remaining == 0:
                self.offset, self.drift = 0.0, 0.0
            return
        if self.rng.random() < self.disturbance_rate:
            self.remaining = int(self.rng.integers(8, 20))
            if self.rng.random() < 0.5:
                self.offset = float(self.rng.choice([-1, 1]) * self.rng.uniform(1.5, 3.0))
            else:
                self.drift = float(self.rng.choice([-1, 1]) * self.rng.uniform(0.15, 0.3))

    def next(self) -> SubgroupInput:
        """The next subgroup (variables: measurements; attributes: count and sample size)."""
        self._step_disturbance()
        if self.attribute:
            return SubgroupInput(
                characteristic_id=self.characteristic_id,
                count=float(self._count()),
                sample_size=self.sample_size,
                source="MQTT",
            )
        n = max(1, self.subgroup_size)
        values = self.rng.normal(self.mean + self.offset * self.sigma, self.sigma, n)
        return SubgroupInput(
            characteristic_id=self.characteristic_id,
            measurements=tuple(round(float(v), 6) for v in values),
            source="MQTT",
        )

    def _count(self) -> int:
        factor = 1.0 + 0.5 * self.offset / 3.0  # a disturbance moves the rate by up to ±50 %
        if self.chart_type == "P":
            return int(self.rng.binomial(int(self.sample_size), min(1.0, self.mean * factor)))
        if self.chart_type == "NP":
            p = min(1.0, self.mean / self.sample_size * factor)
            return int(self.rng.binomial(int(self.sample_size), p))
        rate = self.mean * factor * (self.sample_size if self.chart_type == "U" else 1.0)
        return int(self.rng.poisson(max(rate, 0.01)))


def demo_models(
    chars: list[Characteristic] | None = None,
    *,
    providers: tuple[str, ...] = ("MQTT",),
    seed: int | None = None,
    disturbance_rate: float = 0.02,
) -> list[ProcessModel]:
    """Process models of the demo characteristics (by default those fed over MQTT)."""
    specs = {(spec.line, spec.name): spec for spec in CHARACTERISTICS}
    rng = np.random.default_rng(seed)
    queryset = chars if chars is not None else Characteristic.objects.select_related("hierarchy")
    models = []
    for char in queryset:
        spec = specs.get((char.hierarchy.code, char.name))
        if spec is None or spec.provider not in providers or not char.active:
            continue
        models.append(_model(char, spec, rng, disturbance_rate))
    return models


def _model(
    char: Characteristic, spec: DemoCharacteristic, rng: np.random.Generator, rate: float
) -> ProcessModel:
    return ProcessModel(
        characteristic_id=char.pk,
        chart_type=char.chart_type,
        subgroup_size=char.subgroup_size,
        mean=spec.mean,
        sigma=spec.sigma,
        sample_size=float(spec.extra.get("sample_size", 1)),
        disturbance_rate=rate,
        rng=np.random.default_rng(rng.integers(2**32)),
    )


def seed_history(
    models: list[ProcessModel], subgroups: int, *, end: datetime, every: timedelta
) -> int:
    """Store ``subgroups`` in-control subgroups per model through the pipeline, ending at
    ``end``; returns how many were stored. Disturbances are off while seeding."""
    stored = 0
    for model in models:
        rate, model.disturbance_rate = model.disturbance_rate, 0.0
        for index in range(subgroups):
            stamp = end - every * (subgroups - index)
            data = model.next()
            key = f"seed:{model.characteristic_id}:{index}"
            result = process(_with(data, timestamp=stamp, idempotency_key=key, source="IMPORT"))
            stored += int(result.created)
        model.disturbance_rate = rate
    return stored


def _with(data: SubgroupInput, **changes: object) -> SubgroupInput:
    from dataclasses import replace

    return replace(data, **changes)  # type: ignore[arg-type]


class InProcessSimulator(threading.Thread):
    """A daemon thread feeding the demo characteristics through the pipeline."""

    def __init__(self, models: list[ProcessModel], interval: float = 3.0) -> None:
        super().__init__(name="openspc-simulator", daemon=True)
        self.models = models
        self.interval = interval
        self.stop_event = threading.Event()
        self.stored = 0

    def run(self) -> None:
        """Spread one subgroup per characteristic over each interval until stopped."""
        pause = self.interval / max(1, len(self.models))
        try:
            for model in itertools.cycle(self.models):
                if self.stop_event.wait(pause):
                    break
                close_old_connections()
                try:
                    result = process(_with(model.next(), timestamp=datetime.now(UTC)))
                    self.stored += int(result.created)
                except Exception:  # the demo keeps going whatever one sample does
                    logger.exception("simulated sample for %s failed", model.characteristic_id)
        finally:
            connection.close()

    def stop(self) -> None:
        """Ask the thread to finish after the current sample."""
        self.stop_event.set()


# -- MQTT output ----------------------------------------------------------------------


def readings(model: ProcessModel) -> list[tuple[float, float | None]]:
    """One subgroup as single readings (value, sample size) the worker rebuilds."""
    data = model.next()
    if model.attribute:
        return [(float(data.count or 0.0), data.sample_size)]
    return [(v, None) for v in data.measurements]


def sparkplug_metric_name(char: Characteristic) -> str:
    """The metric name the simulator publishes a characteristic under."""
    return char.name


def map_to_sparkplug(chars: list[Characteristic]) -> None:
    """Point the characteristics at the simulator's Sparkplug metrics (edge node = line)."""
    for char in chars:
        char.sparkplug_group = SPARKPLUG_GROUP
        char.sparkplug_edge_node = char.hierarchy.code
        char.sparkplug_device = SPARKPLUG_DEVICE
        char.sparkplug_metric = sparkplug_metric_name(char)
        char.save(
            update_fields=[
                "sparkplug_group",
                "sparkplug_edge_node",
                "sparkplug_device",
                "sparkplug_metric",
                "updated_at",
            ]
        )


@dataclass
class SparkplugEdge:
    """One simulated edge node with a device: births, then DDATA by alias."""

    edge_node: str
    metrics: list[str]
    bd_seq: int = 0
    seq: int = 0

    def _next_seq(self) -> int:
        current, self.seq = self.seq, (self.seq + 1) % 256
        return current

    def births(self, now_ms: int) -> list[tuple[str, bytes]]:
        """NBIRTH (seq 0, bdSeq) and DBIRTH with an alias per metric."""
        self.seq = 0
        nbirth = Payload(
            timestamp=now_ms,
            seq=self._next_seq(),
            metrics=(Metric(name="bdSeq", datatype=UINT64, value=self.bd_seq),),
        )
        dbirth = Payload(
            timestamp=now_ms,
            seq=self._next_seq(),
            metrics=tuple(
                Metric(name=name, alias=index, datatype=DOUBLE, value=0.0)
                for index, name in enumerate(self.metrics, start=1)
            ),
        )
        base = f"spBv1.0/{SPARKPLUG_GROUP}"
        return [
            (f"{base}/NBIRTH/{self.edge_node}", encode_payload(nbirth)),
            (f"{base}/DBIRTH/{self.edge_node}/{SPARKPLUG_DEVICE}", encode_payload(dbirth)),
        ]

    def data(self, name: str, value: float, now_ms: int) -> tuple[str, bytes]:
        """A DDATA message carrying one metric by alias."""
        alias = self.metrics.index(name) + 1
        payload = Payload(
            timestamp=now_ms,
            seq=self._next_seq(),
            metrics=(Metric(alias=alias, datatype=DOUBLE, value=value, timestamp=now_ms),),
        )
        topic = f"spBv1.0/{SPARKPLUG_GROUP}/DDATA/{self.edge_node}/{SPARKPLUG_DEVICE}"
        return topic, encode_payload(payload)


def plain_messages(
    chars: dict[int, Characteristic], models: list[ProcessModel], run_id: str
) -> Iterator[tuple[str, bytes]]:
    """Endless plain JSON readings, one subgroup per characteristic per round."""
    import json

    for round_index in itertools.count():
        for model in models:
            topic = chars[model.characteristic_id].mqtt_topic
            for position, (value, sample_size) in enumerate(readings(model)):
                body: dict[str, object] = {
                    "value": value,
                    "id": f"{run_id}-{model.characteristic_id}-{round_index}-{position}",
                    "timestamp": int(time.time() * 1000),
                }
                if sample_size is not None:
                    body["sample_size"] = sample_size
                yield topic, json.dumps(body).encode()


def seed_demo_history(
    subgroups: int = 40, *, every: timedelta = timedelta(minutes=10), seed: int | None = 7
) -> tuple[int, int]:
    """Give every demo characteristic without samples a history and control limits.

    The history goes through the pipeline (so violations and windows are real), then the
    limits are recalculated from it with ``spc.pipeline.limit_changes.recalculate_limits``. Returns
    (samples stored, characteristics given limits).
    """
    from spc.core.errors import InputError
    from spc.pipeline.limit_changes import recalculate_limits

    empty = list(Characteristic.objects.select_related("hierarchy").filter(samples__isnull=True))
    models = demo_models(empty, providers=("MQTT", "MANUAL"), seed=seed)
    stored = seed_history(models, subgroups, end=datetime.now(UTC), every=every)
    with_limits = 0
    for model in models:
        char = Characteristic.objects.get(pk=model.characteristic_id)
        try:
            recalculate_limits(char, reason="Demo baseline")
        except InputError:
            logger.warning("no limits for %s: the seeded history has no spread", char.name)
            continue
        with_limits += 1
    return stored, with_limits
