"""Phase I review made explicit (issue 26, point 5): storing the first limits evaluates the
baseline against them; a later recalculation closes the violations raised under the old
limits as superseded and leaves earlier stages' points as they were judged.

Expected firings come from the Nelson definitions (DESIGN.md), worked by hand: the
baseline 10, 11, 10, 11, ... (20 values) has mean 10.5 and MR-bar 1, so sigma = 1/1.128
and every point is 0.5/0.8865 = 0.56 sigma from the centre: fourteen alternating up and
down (rule 4) complete on the 14th point (index 13) and on every later one; fifteen in a
row within 1 sigma (rule 7) on the 15th (index 14) and later.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from alerts.models import Violation
from alerts.services import SUPERSEDED
from spc.core.rules import NELSON, scan
from spc.models import Characteristic, LimitSet, Sample
from spc.pipeline.limit_changes import recalculate_limits, set_manual_limits
from spc.pipeline.processing import SubgroupInput, process
from spc.pipeline.windows import windows
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db

BASELINE = [10.0, 11.0] * 10
MEAN, SIGMA = 10.5, 1 / 1.128  # MR-bar / d2(2), d2(2) = 1.128 as DESIGN.md states it
EXPECTED = {(i, 4) for i in range(13, 20)} | {(i, 7) for i in range(14, 20)}


@pytest.fixture(autouse=True)
def _fresh_windows() -> None:
    windows.clear()


def stored(char: Characteristic, values: list[float]) -> list[int]:
    return [process(SubgroupInput(char.pk, (v,))).sample.pk for v in values]


def firings(char: Characteristic, ids: list[int]) -> set[tuple[int, int]]:
    index = {pk: i for i, pk in enumerate(ids)}
    return {
        (index[s], r)
        for s, r in Violation.objects.filter(characteristic=char).values_list("sample_id", "rule")
    }


def test_storing_the_first_limits_evaluates_the_baseline_in_order(engineer: User) -> None:
    char = CharacteristicFactory.create()
    ids = stored(char, BASELINE)
    assert not Violation.objects.exists()
    preview = recalculate_limits(char, dry_run=True, evaluate_baseline=True)
    assert (preview.phase_one_samples, preview.evaluate_baseline) == (20, True)
    assert preview.baseline_violations is None
    result = recalculate_limits(char, user=engineer, reason="first limits", evaluate_baseline=True)
    assert result.baseline_violations == len(EXPECTED) == 13
    assert firings(char, ids) == EXPECTED
    # One episode per rule: a sustained pattern is one thing to acknowledge.
    episodes = Violation.objects.filter(characteristic=char).values_list("rule", "episode")
    assert len({e for _, e in episodes}) == 2
    first = Sample.objects.get(pk=ids[0])
    assert (first.center_line, first.ucl, first.lcl) == pytest.approx(
        (MEAN, MEAN + 3 * SIGMA, MEAN - 3 * SIGMA)
    )
    assert first.z_score == pytest.approx(-0.5 / SIGMA)
    assert first.zone == "zone_c_lower"


def test_the_baseline_evaluation_finds_what_the_pipeline_finds_after_limits() -> None:
    # The same series posted one by one to a characteristic that already has the limits.
    phase_one = CharacteristicFactory.create()
    first_ids = stored(phase_one, BASELINE)
    recalculate_limits(phase_one, evaluate_baseline=True)
    phase_one.refresh_from_db()
    live = CharacteristicFactory.create()
    set_manual_limits(
        live,
        center_line=phase_one.center_line,
        ucl=phase_one.ucl,
        lcl=phase_one.lcl,
        sigma=phase_one.sigma,
        user=None,
    )
    live_ids = stored(live, BASELINE)
    assert firings(phase_one, first_ids) == firings(live, live_ids) == EXPECTED
    z = list(
        Sample.objects.filter(pk__in=first_ids).order_by("id").values_list("z_score", flat=True)
    )
    assert {(s.index, int(s.rule)) for s in scan(z, NELSON)} == EXPECTED


def test_the_evaluation_is_off_unless_asked_for() -> None:
    # Jobs and the demo seed call the service without it; the admin and the API ask.
    char = CharacteristicFactory.create()
    ids = stored(char, BASELINE)
    result = recalculate_limits(char)
    assert (result.evaluate_baseline, result.baseline_violations) == (False, None)
    assert not Violation.objects.exists()
    assert Sample.objects.get(pk=ids[0]).center_line is None


def test_an_excluded_baseline_sample_is_drawn_but_not_judged() -> None:
    char = CharacteristicFactory.create()
    ids = stored(char, [*BASELINE[:13], 30.0, *BASELINE[13:]])
    Sample.objects.filter(pk=ids[13]).update(is_excluded=True, exclusion_reason="gauge")
    recalculate_limits(char, evaluate_baseline=True)
    outlier = Sample.objects.get(pk=ids[13])
    assert outlier.center_line == pytest.approx(MEAN)
    assert outlier.zone == "beyond_ucl"
    assert not Violation.objects.filter(sample=outlier).exists()
    # The series the rules read skips it: the alternation runs on across it.
    index = [pk for pk in ids if pk != ids[13]]
    assert firings(char, index) == EXPECTED


def test_a_later_recalculation_closes_open_violations_as_superseded(engineer: User) -> None:
    char = CharacteristicFactory.create()
    stored(char, BASELINE)
    recalculate_limits(char, evaluate_baseline=False)
    char.refresh_from_db()
    old_ucl = char.ucl
    beyond = process(SubgroupInput(char.pk, (20.0,)))
    assert {v.rule for v in beyond.violations} >= {1}
    still_open = Violation.objects.unacknowledged().count()
    preview = recalculate_limits(char, last_n=10, dry_run=True)
    assert preview.superseded_violations == still_open
    assert preview.phase_one_samples == 0
    assert not preview.evaluate_baseline
    result = recalculate_limits(char, last_n=10, user=engineer, reason="new tool")
    assert result.superseded_violations == still_open
    assert not Violation.objects.unacknowledged().exists()
    limit_set = LimitSet.objects.order_by("-id").first()
    assert limit_set is not None
    for violation in Violation.objects.all():
        assert violation.reason_code is not None
        assert violation.reason_code.code == SUPERSEDED
        assert violation.acknowledged_by is None
        assert f"limit set #{limit_set.pk}" in violation.comment
    # The judged point keeps the limits it was judged against (its stage's).
    assert Sample.objects.get(pk=beyond.sample.pk).ucl == pytest.approx(old_ucl)
