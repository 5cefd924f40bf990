"""The demo simulator: in-control live data, special causes that show, the outputs."""

from __future__ import annotations

import math
from collections import Counter
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from alerts.models import Violation
from ingest.simulator import (
    InProcessSimulator,
    SparkplugEdge,
    demo_models,
    readings,
    set_event_rate,
    subgroup_input,
)
from ingest.sparkplug import decode_payload
from ingest.tests.broker import wait_for
from spc.demo_plant import create_demo_plant, spec_for
from spc.demo_process import CauseKind, ProcessModel, SpecialCause
from spc.models import Characteristic, Sample
from spc.pipeline.processing import ProcessResult, process_many
from spc.tests.false_alarms import SMALL_SHIFT_RATE, attribute_rate, normal_rate

LIVE_SUBGROUPS = 300


def _limits_only() -> None:
    """The demo plant with limits from its phase I baselines and no phase II history."""
    call_command("seed_demo", "--history", "0", stdout=StringIO())


def _run(models: list[ProcessModel], subgroups: int) -> list[ProcessResult]:
    items = [subgroup_input(model) for _ in range(subgroups) for model in models]
    results = process_many(items)
    assert all(isinstance(r, ProcessResult) for r in results), [
        r for r in results if not isinstance(r, ProcessResult)
    ]
    return [r for r in results if isinstance(r, ProcessResult)]


def _expected_rate(char: Characteristic) -> float:
    """Violations per subgroup theory expects of the in-control process (see
    ``spc.tests.false_alarms``)."""
    if char.chart_type in ("EWMA", "CUSUM"):
        return SMALL_SHIFT_RATE
    if char.chart_type in ("P", "NP", "C", "U"):
        spec = spec_for(char)
        assert spec is not None
        assert char.center_line is not None
        size = spec.sample_size
        return attribute_rate(char.chart_type, char.center_line, char.subgroup_size, size)
    return normal_rate()


@pytest.mark.django_db
def test_live_data_without_special_causes_raise_only_the_false_alarms_of_theory() -> None:
    """300 in-control subgroups of every characteristic through the pipeline.

    Theory (``spc.tests.false_alarms``): 0.0238 violations per subgroup for normal Shewhart
    charts, 0.028-0.038 for these attribute charts, under 0.01 for EWMA/CUSUM: about 170
    over the plant. Clusters of overlapping patterns make the count over-dispersed (its
    variance about three times a Poisson count's), so the plant total must lie within
    four such standard deviations; one characteristic may show a long run, so each is held
    only to three times its expectation plus 15. A systematic alarm (a sigma 20 % off, a
    rate that differs from the limits', correlated noise) multiplies these counts."""
    _limits_only()
    chars = {c.pk: c for c in Characteristic.objects.select_related("hierarchy")}
    models = demo_models(providers=("MQTT", "MANUAL"), seed=2024)
    assert len(models) == len(chars)
    assert all(m.event_rate == 0.0 for m in models)
    results = _run(models, LIVE_SUBGROUPS)
    assert all(r.sample.center_line is not None for r in results)
    assert not any(m.cause for m in models)
    observed = Counter(v.characteristic_id for r in results for v in r.violations)
    expected = {pk: LIVE_SUBGROUPS * _expected_rate(c) for pk, c in chars.items()}
    for pk, char in chars.items():
        assert observed[pk] <= 3 * expected[pk] + 15, (char.name, observed[pk], expected[pk])
    total, mean = sum(observed.values()), sum(expected.values())
    assert abs(total - mean) <= 4 * math.sqrt(3 * mean), (total, mean)
    rule_one = sum(1 for r in results for v in r.violations if v.rule == 1)
    # 0.0027 per normal point and about as much for these counts: ~18 expected.
    assert rule_one <= 40


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "cause"),
    [
        ("Torque", SpecialCause(CauseKind.SHIFT, 2.0, 30)),
        ("Bore diameter", SpecialCause(CauseKind.SHIFT, -1.5, 30)),
        ("Thread depth", SpecialCause(CauseKind.TREND, 3.0, 30)),
        ("Label defects", SpecialCause(CauseKind.SHIFT, 2.5, 30)),
        ("Melt temperature", SpecialCause(CauseKind.SHIFT, 2.0, 30)),
    ],
)
def test_a_scheduled_special_cause_raises_violations_on_its_characteristic(
    name: str, cause: SpecialCause
) -> None:
    """A sustained shift of 1.5-2.5σ (or a trend to 3σ) over 30 subgroups: the run rules
    see it within a few subgroups (ARL of rules 1-8 for a 2σ shift is about 3) and keep
    firing while it lasts; the 20 in-control subgroups before it stay quiet."""
    _limits_only()
    char = Characteristic.objects.get(name=name)
    (model,) = demo_models([char], providers=("MQTT", "MANUAL"), seed=5)
    model.schedule(cause, after=20)
    results = _run([model], 60)
    during = [r for r, i in zip(results, range(60), strict=True) if 20 <= i < 50]
    before = results[:20]
    hits = [v for r in during for v in r.violations]
    assert len(hits) >= 5, [(v.rule, v.sample_id) for v in hits]
    assert sum(len(r.violations) for r in before) <= 2
    others = Violation.objects.exclude(characteristic=char)
    assert not others.exists()


def test_event_rate_spreads_special_causes_per_hour_over_the_plant() -> None:
    models = [ProcessModel(i, "I_MR") for i in range(12)]
    # 12 characteristics, one subgroup every 5 s each: 8640 subgroups an hour.
    rate = set_event_rate(models, 3.0, 12 * 3600 / 5)
    assert rate == pytest.approx(3 / 8640)
    assert {m.event_rate for m in models} == {rate}
    assert set_event_rate(models, 3.0, 0.0) == 0.0


def test_readings_split_a_subgroup_for_the_worker() -> None:
    xbar = ProcessModel(1, "XBAR_R", 5, 74.0, 0.01, rng=np.random.default_rng(1))
    assert [size for _, size in readings(xbar)] == [None] * 5
    p = ProcessModel(2, "P", 100, rate=0.04, sample_size=100.0, rng=np.random.default_rng(2))
    ((count, size),) = readings(p)
    assert size == 100.0
    assert count == int(count)


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
def test_models_run_the_process_the_stored_limits_describe() -> None:
    _limits_only()
    models = {m.characteristic_id: m for m in demo_models(providers=("MQTT", "MANUAL"))}
    for char in Characteristic.objects.select_related("hierarchy"):
        model = models[char.pk]
        assert char.center_line is not None
        if char.chart_type == "NP":
            assert model.rate == pytest.approx(char.center_line / char.subgroup_size)
        elif char.chart_type in ("P", "C", "U"):
            assert model.rate == pytest.approx(char.center_line)
        else:
            assert (model.centre, model.sigma) == pytest.approx((char.center_line, char.sigma))


@pytest.mark.django_db
def test_models_without_limits_run_the_nominal_process() -> None:
    create_demo_plant()
    (model,) = demo_models(Characteristic.objects.filter(name="Short shots"), providers=("MANUAL",))
    assert (model.rate, model.sample_size) == (3.0 / 200, 200.0)


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
