"""The demo simulator: process models, history through the pipeline, the in-process thread."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.simulator import (
    InProcessSimulator,
    ProcessModel,
    SparkplugEdge,
    demo_models,
    seed_demo_history,
)
from ingest.sparkplug import decode_payload
from ingest.tests.broker import wait_for
from spc.demo_plant import CHARACTERISTICS, create_demo_plant
from spc.models import Characteristic, Sample


def test_variables_model_draws_n_values_around_the_target() -> None:
    model = ProcessModel(1, "XBAR_R", 5, 74.0, 0.01, rng=np.random.default_rng(1))
    model.disturbance_rate = 0.0
    values = [v for _ in range(200) for v in model.next().measurements]
    assert len(values) == 1000
    assert abs(float(np.mean(values)) - 74.0) < 0.002
    assert 0.008 < float(np.std(values)) < 0.012


def test_disturbances_shift_the_process() -> None:
    model = ProcessModel(1, "I_MR", 1, 0.0, 1.0, disturbance_rate=1.0)
    model.rng = np.random.default_rng(3)
    model.next()
    assert model.remaining > 0
    assert model.offset != 0.0 or model.drift != 0.0


def test_attribute_models_draw_counts() -> None:
    p = ProcessModel(1, "P", 1, 0.04, 0.0, sample_size=100, rng=np.random.default_rng(2))
    p.disturbance_rate = 0.0
    counts = [p.next().count for _ in range(500)]
    assert all(c is not None and float(c).is_integer() for c in counts)
    assert 3.0 < float(np.mean(counts)) < 5.0  # ≈ 100 × 0.04


def test_sparkplug_edge_births_then_data_by_alias() -> None:
    edge = SparkplugEdge("cnc-1", ["Bore", "OD"])
    (nbirth_topic, nbirth), (dbirth_topic, dbirth) = edge.births(1000)
    assert nbirth_topic == "spBv1.0/OpenSPC/NBIRTH/cnc-1"
    assert dbirth_topic == "spBv1.0/OpenSPC/DBIRTH/cnc-1/sim"
    assert decode_payload(nbirth).seq == 0
    assert [(m.name, m.alias) for m in decode_payload(dbirth).metrics] == [("Bore", 1), ("OD", 2)]
    topic, data = edge.data("OD", 25.0, 2000)
    assert topic == "spBv1.0/OpenSPC/DDATA/cnc-1/sim"
    decoded = decode_payload(data)
    assert (decoded.seq, decoded.metrics[0].alias, decoded.metrics[0].value) == (2, 2, 25.0)


@pytest.mark.django_db
def test_seed_history_goes_through_the_pipeline_and_sets_limits() -> None:
    create_demo_plant()
    stored, with_limits = seed_demo_history(12)
    chars = Characteristic.objects.count()
    assert chars == len(CHARACTERISTICS)
    assert stored == 12 * chars
    assert with_limits == chars
    assert not Characteristic.objects.filter(ucl__isnull=True).exists()
    assert seed_demo_history(12) == (0, 0)  # only characteristics without samples


@pytest.mark.django_db(transaction=True)
def test_in_process_simulator_stores_live_samples() -> None:
    create_demo_plant()
    models = demo_models(seed=5)
    assert {m.characteristic_id for m in models} == set(
        Characteristic.objects.filter(provider="MQTT").values_list("id", flat=True)
    )
    simulator = InProcessSimulator(models, interval=0.2)
    simulator.start()
    try:
        # Poll the thread's own counter: the in-memory test database locks a table that
        # another thread reads while the simulator writes.
        wait_for(lambda: simulator.stored >= len(models), timeout=60)
    finally:
        simulator.stop()
        simulator.join(timeout=10)
    assert not simulator.is_alive()
    live = Sample.objects.filter(source="MQTT")
    assert live.count() == simulator.stored
    assert set(live.values_list("characteristic_id", flat=True)) == {
        m.characteristic_id for m in models
    }
