"""Limit management and exclusion services."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from spc.core.errors import InputError
from spc.core.types import SECONDARY_BEYOND_LIMITS
from spc.models import Characteristic, LimitSet
from spc.pipeline.limit_changes import (
    clear_limits,
    recalculate_limits,
    set_excluded,
    set_manual_limits,
)
from spc.pipeline.processing import SubgroupInput, process
from spc.pipeline.windows import windows
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db

# Individuals with moving ranges all 1: MR-bar = 1, sigma = 1 / d2(2) = 1 / 1.128 = 0.88652,
# mean = 10.5, limits 10.5 +/- 3 * 0.8865 (Montgomery, I-MR chart formulas).
ALTERNATING = [10.0, 11.0] * 10
SIGMA = 1 / 1.128  # printed d2(2), Montgomery Appendix VI
MEAN = 10.5


@pytest.fixture(autouse=True)
def _fresh_windows() -> None:
    windows.clear()


def feed(char: Characteristic, values: list[float]) -> list[Any]:
    return [
        process(SubgroupInput(characteristic_id=char.pk, measurements=(v,))).sample for v in values
    ]


def test_dry_run_previews_without_storing() -> None:
    char = CharacteristicFactory.create()
    feed(char, ALTERNATING)
    preview = recalculate_limits(char, dry_run=True)
    assert preview.stored is False
    assert preview.center_line == pytest.approx(MEAN)
    assert preview.sigma == pytest.approx(SIGMA, rel=1e-4)
    assert preview.ucl == pytest.approx(MEAN + 3 * SIGMA, rel=1e-4)
    assert preview.lcl == pytest.approx(MEAN - 3 * SIGMA, rel=1e-4)
    assert preview.secondary_center_line == pytest.approx(1.0)
    assert preview.baseline_count == 20
    char.refresh_from_db()
    assert char.ucl is None
    assert not LimitSet.objects.exists()


def test_store_records_history_with_user(engineer: User) -> None:
    char = CharacteristicFactory.create()
    samples = feed(char, ALTERNATING)
    preview = recalculate_limits(char, last_n=10, user=engineer, reason="new tooling")
    assert preview.stored
    char.refresh_from_db()
    assert char.center_line == pytest.approx(MEAN)
    assert char.revision == 1
    history = LimitSet.objects.get()
    assert history.created_by == engineer
    assert history.method == "RECALCULATED"
    assert history.baseline["last_n"] == 10
    assert history.baseline["first_sample_id"] == samples[10].pk
    assert history.reason == "new tooling"
    # The next sample is judged against the new limits: x = 20 beyond the UCL (rule 1) and
    # its moving range of 9 beyond UCL_MR = 3.267 (rule 101 since issue 26).
    result = process(SubgroupInput(characteristic_id=char.pk, measurements=(20.0,)))
    assert [v.rule for v in result.violations] == [1, SECONDARY_BEYOND_LIMITS]


def test_constant_data_is_a_zero_spread_error_not_sigma_zero() -> None:
    char = CharacteristicFactory.create()
    feed(char, [5.0] * 10)
    with pytest.raises(InputError) as info:
        recalculate_limits(char)
    assert "spread" in info.value.message.lower()
    char.refresh_from_db()
    assert char.sigma is None


def test_too_small_baseline_is_refused() -> None:
    char = CharacteristicFactory.create()
    feed(char, [5.0])
    with pytest.raises(InputError):
        recalculate_limits(char)


def test_out_of_control_points_can_be_dropped_from_the_baseline() -> None:
    char = CharacteristicFactory.create()
    samples = feed(char, [*ALTERNATING, 40.0, *ALTERNATING])
    kept = recalculate_limits(char, dry_run=True)
    dropped = recalculate_limits(char, dry_run=True, exclude_out_of_control=True)
    assert kept.dropped_sample_ids == []
    assert samples[20].pk in dropped.dropped_sample_ids
    assert dropped.center_line < kept.center_line


def test_manual_limits_and_clear(engineer: User) -> None:
    char = CharacteristicFactory.create()
    set_manual_limits(char, center_line=10, ucl=13, lcl=7, sigma=1, user=engineer)
    char.refresh_from_db()
    assert (char.center_line, char.ucl, char.lcl, char.sigma) == (10, 13, 7, 1)
    with pytest.raises(InputError):
        set_manual_limits(char, center_line=10, ucl=9, lcl=7, user=engineer)
    clear_limits(char, user=engineer, reason="process changed")
    char.refresh_from_db()
    assert char.ucl is None
    assert list(LimitSet.objects.values_list("method", flat=True)) == ["CLEARED", "MANUAL"]


def test_exclusion_needs_a_reason_and_can_be_undone() -> None:
    char = CharacteristicFactory.create()
    (sample,) = feed(char, [5.0])
    with pytest.raises(InputError) as info:
        set_excluded(sample, True)
    assert info.value.field == "exclusion_reason"
    set_excluded(sample, True, reason="wrong part")
    assert sample.is_excluded
    assert sample.exclusion_reason == "wrong part"
    set_excluded(sample, False)
    assert not sample.is_excluded
    assert sample.exclusion_reason == ""


def test_excluded_samples_stay_out_of_the_baseline() -> None:
    char = CharacteristicFactory.create()
    samples = feed(char, [*ALTERNATING, 40.0])
    set_excluded(samples[-1], True, reason="dropped part")
    preview = recalculate_limits(char, dry_run=True)
    assert preview.baseline_count == 20
    assert preview.center_line == pytest.approx(MEAN)


def test_the_baseline_is_the_newest_by_source_time_in_source_time_order() -> None:
    """Issue 22: a series that arrived out of order is judged as measured. By source time
    it alternates 10, 11 (every moving range 1, Montgomery's I-MR formulas: sigma = 1/1.128);
    in arrival order it is ten 10s then ten 11s (moving ranges nearly all 0)."""
    from datetime import UTC, datetime, timedelta

    char = CharacteristicFactory.create()
    t0 = datetime(2026, 11, 2, 8, tzinfo=UTC)
    arrivals = [*range(0, 20, 2), *range(1, 20, 2)]  # the 11s (odd times) arrive late
    for i in arrivals:
        process(
            SubgroupInput(
                characteristic_id=char.pk,
                measurements=(ALTERNATING[i],),
                timestamp=t0 + timedelta(minutes=i),
            )
        )
    whole = recalculate_limits(char, dry_run=True)
    assert whole.center_line == pytest.approx(MEAN)
    assert whole.sigma == pytest.approx(SIGMA, rel=1e-4)
    newest = recalculate_limits(char, last_n=4, dry_run=True)
    # The newest four by source time are 10, 11, 10, 11 (by arrival: four 11s, no spread).
    assert newest.center_line == pytest.approx(MEAN)
    assert newest.sigma == pytest.approx(SIGMA, rel=1e-4)
