"""Live simulated data for the demo plant: the process models of ``spc.demo_process``.

Each demo characteristic runs the process its stored limits describe (``process_model``):
in control, independent subgroups around its centre line with the sigma the limits were
computed from (binomial or Poisson counts at the limits' rate for attribute charts), and
now and then, at a rate given in special causes per hour across the whole plant, a
realistic special cause (a shift, a trend or an outlier) that then ends.

Two outputs:

* :class:`InProcessSimulator` calls ``spc.pipeline.processing.process`` from a background thread
  (the embedded default: no broker, the in-memory channel layer reaches the browsers);
* :func:`plain_messages` and the Sparkplug edges yield messages for a broker
  (``manage.py simulate``, the load bench).
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np
from django.db import close_old_connections, connection

from ingest.sparkplug import DOUBLE, UINT64, Metric, Payload, encode_payload
from spc.demo_history import process_model
from spc.demo_plant import spec_for
from spc.demo_process import ProcessModel
from spc.models import Characteristic
from spc.pipeline.processing import SubgroupInput, process

logger = logging.getLogger(__name__)

SPARKPLUG_GROUP = "OpenSPC"
SPARKPLUG_DEVICE = "sim"
EVENTS_PER_HOUR = 3.0
"""Special causes per hour across the whole simulated plant, by default."""


def demo_models(
    chars: Iterable[Characteristic] | None = None,
    *,
    providers: tuple[str, ...] = ("MQTT",),
    seed: int | None = None,
) -> list[ProcessModel]:
    """Process models of the active demo characteristics (by default those fed over MQTT),
    each the process its stored limits describe; no special causes until
    ``set_event_rate``."""
    rng = np.random.default_rng(seed)
    queryset = chars if chars is not None else Characteristic.objects.select_related("hierarchy")
    models = []
    for char in queryset:
        spec = spec_for(char)
        if spec is None or spec.provider not in providers or not char.active:
            continue
        models.append(process_model(char, spec, np.random.default_rng(rng.integers(2**32))))
    return models


def set_event_rate(
    models: list[ProcessModel], events_per_hour: float, subgroups_per_hour: float
) -> float:
    """Give every model the chance per subgroup that makes ``events_per_hour`` special
    causes start across all of them when they draw ``subgroups_per_hour`` subgroups in
    all; returns that chance."""
    rate = events_per_hour / subgroups_per_hour if subgroups_per_hour > 0 else 0.0
    rate = min(max(rate, 0.0), 1.0)
    for model in models:
        model.event_rate = rate
    return rate


def subgroup_input(model: ProcessModel) -> SubgroupInput:
    """The model's next subgroup as the pipeline's input (source MQTT, no timestamp)."""
    draw = model.next()
    return SubgroupInput(
        characteristic_id=model.characteristic_id,
        measurements=draw.measurements,
        count=draw.count,
        sample_size=draw.sample_size,
        source="MQTT",
    )


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
                    data = subgroup_input(model)
                    result = process(replace(data, timestamp=datetime.now(UTC)))
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
    draw = model.next()
    if model.attribute:
        return [(float(draw.count or 0.0), draw.sample_size)]
    return [(v, None) for v in draw.measurements]


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
