"""``seed_demo``: each history is built through the pipeline as a plant builds it.

Phase I baseline without limits, limits recalculated from it (limit history), phase II
with the rules on. The false-alarm bounds come from ``spc.tests.false_alarms``.
"""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from alerts.models import Violation
from spc.demo_history import BASELINE, HISTORY, fade_length, plan_events
from spc.demo_plant import CHARACTERISTICS, spec_for
from spc.demo_process import CauseKind, SpecialCause
from spc.models import Characteristic, LimitSet, Sample
from spc.tests.false_alarms import normal_rate


@pytest.fixture
def seeded(db: None) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_every_characteristic_gets_a_baseline_then_limits_from_it(seeded: str) -> None:
    chars = list(Characteristic.objects.select_related("hierarchy"))
    assert len(chars) == len(CHARACTERISTICS)
    for char in chars:
        samples = list(Sample.objects.filter(characteristic=char).order_by("id"))
        assert len(samples) == BASELINE + HISTORY
        phase_one, phase_two = samples[:BASELINE], samples[BASELINE:]
        assert all(s.center_line is None and s.ucl is None for s in phase_one), char.name
        assert all(
            None not in (s.center_line, s.ucl, s.lcl) and s.z_score is not None for s in phase_two
        ), char.name
        limit_set = LimitSet.objects.get(characteristic=char)
        assert limit_set.method == "RECALCULATED"
        assert limit_set.baseline_count == BASELINE
        assert limit_set.baseline["first_sample_id"] == phase_one[0].pk
        assert limit_set.baseline["last_sample_id"] == phase_one[-1].pk
        assert phase_one[-1].timestamp < limit_set.created_at < phase_two[0].timestamp
        assert char.center_line == limit_set.center_line
        assert char.ucl == limit_set.ucl


def test_history_is_spaced_by_the_sampling_rhythm_and_ends_now(seeded: str) -> None:
    for char in Characteristic.objects.select_related("hierarchy"):
        spec = spec_for(char)
        assert spec is not None
        assert char.sampling_interval_minutes == spec.every
        stamps = list(
            Sample.objects.filter(characteristic=char)
            .order_by("id")
            .values_list("timestamp", flat=True)
        )
        steps = {b - a for a, b in itertools.pairwise(stamps)}
        assert steps == {timedelta(minutes=spec.every)}, char.name
        newest = Sample.objects.filter(characteristic=char).latest("timestamp")
        assert newest.received_at - newest.timestamp < timedelta(minutes=1)
        assert set(Sample.objects.filter(characteristic=char).values_list("source", flat=True)) == {
            "MQTT" if spec.provider == "MQTT" else "MANUAL"
        }


def test_open_violations_after_the_seed_are_the_false_alarms_theory_expects(
    seeded: str,
) -> None:
    """In control, a Shewhart chart raises 0.0238 violations per subgroup (attribute
    charts up to 0.04): about 1.4 to 2.4 over the 60 phase II subgroups, and EWMA/CUSUM
    almost none. Overlapping patterns come in clusters (a run of 23 alternating points is
    10 rule 4 hits), so single characteristics may reach 10; the plant as a whole stays
    near its expectation of about 35. Before this change a single characteristic collected
    50 to 140 open critical violations in 15 minutes."""
    open_counts = Counter(
        Violation.objects.filter(acknowledged_at__isnull=True).values_list(
            "characteristic_id", flat=True
        )
    )
    chars = list(Characteristic.objects.all())
    counts = [open_counts.get(c.pk, 0) for c in chars]
    expected_total = len(chars) * HISTORY * 0.04
    assert max(counts) <= 12, dict(zip([c.name for c in chars], counts, strict=True))
    assert sum(counts) <= 1.5 * expected_total
    assert sum(1 for n in counts if n <= 2) >= 15
    critical = Violation.objects.filter(acknowledged_at__isnull=True, rule=1).count()
    # Rule 1 alone: 0.0027 per point, ~3.6 over the plant; a systematic cause gives dozens.
    assert critical <= 10
    assert normal_rate() == pytest.approx(0.0238, abs=5e-4)


def test_special_causes_in_the_history_were_acknowledged_with_a_reason(seeded: str) -> None:
    assert "Special causes in the history" in seeded
    acknowledged = Violation.objects.filter(acknowledged_at__isnull=False)
    assert acknowledged.exists()
    assert not acknowledged.filter(reason_code__isnull=True).exists()
    codes = set(acknowledged.values_list("reason_code__code", flat=True))
    assert codes <= {
        "material-lot",
        "setup-change",
        "machine-adjust",
        "tool-wear",
        "temperature",
        "gauge-error",
        "operator-error",
    }
    assert all("σ" in comment for comment in acknowledged.values_list("comment", flat=True))


def test_seeding_again_stores_nothing(seeded: str) -> None:
    before = Sample.objects.count()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert Sample.objects.count() == before
    assert "every characteristic has samples already" in out.getvalue()
    assert LimitSet.objects.count() == len(CHARACTERISTICS)


def test_the_seed_reports_what_it_stored_and_how_long_it_took(seeded: str) -> None:
    total = len(CHARACTERISTICS) * (BASELINE + HISTORY)
    assert f"History: {total} samples for {len(CHARACTERISTICS)} characteristics" in seeded
    assert "(seed in all: " in seeded


@pytest.mark.django_db
def test_a_baseline_of_one_subgroup_is_refused() -> None:
    with pytest.raises(CommandError):
        call_command("seed_demo", "--baseline", "1", stdout=StringIO())


@pytest.mark.django_db
def test_limits_only_when_no_history_is_asked_for() -> None:
    call_command("seed_demo", "--history", "0", stdout=StringIO())
    assert Sample.objects.count() == len(CHARACTERISTICS) * BASELINE
    assert not Characteristic.objects.filter(ucl__isnull=True).exists()
    assert not Violation.objects.exists()


@pytest.mark.parametrize("chart", ["I_MR", "EWMA", "CUSUM"])
def test_history_causes_are_over_and_forgotten_before_the_newest_sample(chart: str) -> None:
    """A CUSUM keeps a 2σ shift of L subgroups for another 3L (it sheds k = 0.5σ a
    subgroup and has no reset), an EWMA for ln 0.05 / ln 0.8 = 14: the seed shortens or
    leaves out causes so that every chart is back in control when the demo opens."""
    char = Characteristic(pk=1, chart_type=chart, ewma_lambda=0.2, cusum_k=0.5)
    rng = np.random.default_rng(0)
    for _ in range(300):
        planned = plan_events(1, [char], HISTORY, rng)
        for start, cause in planned.get(1, []):
            end = start + cause.length + fade_length(char, cause, cause.length)
            assert end <= HISTORY - 5
            assert cause.length >= 1
    assert (
        fade_length(char, SpecialCause(CauseKind.SHIFT, 2.0, 10), 10)
        == {
            "I_MR": 0,
            "EWMA": 14,
            "CUSUM": 30,
        }[chart]
    )
