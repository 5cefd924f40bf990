"""Signed sample correction (issue 23): the original kept, the sample and the later ones
judged again, violations superseded or raised, the chart shows the correction at once.

The violations expected are those of the Nelson rules as the chart states them (rule 1: one
point beyond 3σ; rule 2: nine points in a row on one side of the centre line; Nelson,
"The Shewhart Control Chart—Tests for Special Causes", JQT 16(4), 1984)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from alerts.models import Violation
from alerts.services import SUPERSEDED
from audit.models import AuditEntry
from audit.signatures import ChangeRefused, SignatureError
from spc.charts.cached import cached_chart_data
from spc.core.errors import InputError
from spc.models import Characteristic, Sample
from spc.pipeline.corrections import correct_sample
from spc.pipeline.limit_changes import set_manual_limits
from spc.pipeline.processing import SubgroupInput, process
from spc.pipeline.windows import windows
from spc.quality_records import SampleCorrection
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db
PASSWORD = "engineer-pass-2"


@pytest.fixture
def run_above() -> Characteristic:
    """Twelve points at 10.5 (above CL 10) then one at 20: rule 2 on points 9-13 (one
    episode) and rule 1 on point 13."""
    windows.clear()
    char = CharacteristicFactory.create(center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0)
    for value in [10.5] * 12 + [20.0]:
        process(SubgroupInput(characteristic_id=char.pk, measurements=(value,)))
    return char


def samples_of(char: Characteristic) -> list[Sample]:
    return list(Sample.objects.filter(characteristic=char).order_by("id"))


def open_rules(char: Characteristic) -> list[tuple[int, int]]:
    """(position 1.., rule) of the open violations."""
    position = {s.pk: i + 1 for i, s in enumerate(samples_of(char))}
    return sorted(
        (position[v.sample_id], v.rule)
        for v in Violation.objects.unacknowledged().filter(characteristic=char)
    )


def test_a_correction_rejudges_the_sample_and_the_later_ones(
    run_above: Characteristic, process_engineer: User
) -> None:
    assert open_rules(run_above) == [(9, 2), (10, 2), (11, 2), (12, 2), (13, 1), (13, 2)]
    first = samples_of(run_above)[0]
    correction = correct_sample(
        first,
        user=process_engineer,
        password=PASSWORD,
        reason="Typo: 9.5 read as 10.5",
        measurements=[9.5],
    )
    # Point 1 now below the centre: the run of nine starts at point 2 and ends at 10.
    assert open_rules(run_above) == [(10, 2), (11, 2), (12, 2), (13, 1), (13, 2)]
    superseded = Violation.objects.get(sample=samples_of(run_above)[8], rule=2)
    assert superseded.reason_code is not None
    assert superseded.reason_code.code == SUPERSEDED
    # the chart leaves the withdrawn violation off point 9, keeps those still signalled
    points = cached_chart_data(Characteristic.objects.get(pk=run_above.pk))["points"]
    assert [v["rule"] for v in points[8]["violations"]] == []
    assert [v["rule"] for v in points[9]["violations"]] == [2]
    first.refresh_from_db()
    assert first.value == 9.5
    assert first.z_score == pytest.approx(-0.5)
    assert [m.value for m in first.measurements.all()] == [9.5]
    assert correction.old_values == {"measurements": [10.5]}
    assert correction.new_values == {"measurements": [9.5]}
    assert correction.recomputed_samples == 13
    entry = AuditEntry.objects.get(object_type="spc.Sample", action="CHANGE")
    assert (entry.old, entry.reason) == ({"measurements": [10.5]}, "Typo: 9.5 read as 10.5")
    assert entry.new["measurements"] == [9.5]
    assert entry.signature_meaning == "Approval of sample correction"
    assert entry.user == process_engineer


def test_a_correction_can_raise_a_violation_and_the_chart_shows_it_at_once(
    run_above: Characteristic, process_engineer: User
) -> None:
    before = cached_chart_data(run_above)
    third = samples_of(run_above)[2]
    correct_sample(
        third,
        user=process_engineer,
        password=PASSWORD,
        reason="Gauge reading was 14.1",
        measurements=[14.1],
    )
    assert (3, 1) in open_rules(run_above)
    after = cached_chart_data(Characteristic.objects.get(pk=run_above.pk))
    assert after != before
    assert [p["value"] for p in after["points"]][2] == 14.1
    assert [v["rule"] for v in after["points"][2]["violations"]] == [1]
    assert [p["corrected"] for p in after["points"]][:4] == [False, False, True, False]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reason": "", "password": PASSWORD, "measurements": [9.0]}, "reason"),
        ({"reason": "typo", "password": "wrong", "measurements": [9.0]}, "signature_password"),
        ({"reason": "typo", "password": PASSWORD, "measurements": [9.0, 8.0]}, "measurements"),
        ({"reason": "typo", "password": PASSWORD, "measurements": []}, "measurements"),
        ({"reason": "typo", "password": PASSWORD, "measurements": [float("nan")]}, "measurements"),
    ],
)
def test_bad_corrections_are_refused_on_their_field(
    run_above: Characteristic, process_engineer: User, kwargs: dict[str, object], field: str
) -> None:
    sample = samples_of(run_above)[0]
    with pytest.raises((InputError, ChangeRefused, SignatureError)) as refused:
        correct_sample(sample, user=process_engineer, **kwargs)
    assert refused.value.field == field
    assert not SampleCorrection.objects.exists()
    assert Sample.objects.get(pk=sample.pk).value == 10.5


def test_a_sample_of_a_closed_stage_is_not_corrected(
    run_above: Characteristic, process_engineer: User
) -> None:
    set_manual_limits(run_above, center_line=10.5, ucl=13.5, lcl=7.5, user=process_engineer)
    with pytest.raises(InputError, match="closed stage"):
        correct_sample(
            samples_of(run_above)[0],
            user=process_engineer,
            password=PASSWORD,
            reason="typo",
            measurements=[9.5],
        )
