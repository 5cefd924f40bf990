"""Phase I limits and live T² of a stored group against published values.

Reference: Mason & Young, *Multivariate Statistical Process Control with Industrial
Applications* (SIAM 2002), the boiler data (25 individual observations of 8 temperatures),
with the T² values and limits the independent R package qcc prints for it
(``stats.T2.single``/``limits.T2.single``, snapshot ``tests/testthat/_snaps/spc.t2single.md``):
phase I UCL 17.41705 (beta) and phase II UPL 70.02943 (F) at confidence 0.999.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from multivariate.live_points import compute_for, live_members
from multivariate.models import T2Point
from multivariate.services import calculate_limits
from multivariate.tests.factories import T0, group_of, store_rows
from spc.core.errors import InputError
from spc.tests.test_hotelling import BOILER, BOILER_T2

pytestmark = pytest.mark.django_db
NAMES = [f"t{i}" for i in range(1, 9)]


@pytest.fixture
def boiler():
    group = group_of(NAMES, alpha=0.001, phase=2)
    store_rows(group, BOILER)
    return group


def test_phase_one_limits_of_the_boiler_data_match_the_published_values(boiler):
    result = calculate_limits(boiler)
    assert result.baseline_count == 25
    assert result.phase_one_ucl == pytest.approx(17.41705, abs=1e-5)
    assert result.phase_two_ucl == pytest.approx(70.02943, abs=1e-5)
    boiler.refresh_from_db()
    assert boiler.ucl == pytest.approx(70.02943, abs=1e-5)
    points = list(boiler.points.order_by("timestamp"))
    assert [p.t2 for p in points] == pytest.approx(BOILER_T2, abs=1e-5)
    assert all(p.in_baseline and p.ucl == pytest.approx(17.41705, abs=1e-5) for p in points)
    assert sum(p.signal for p in points) == 1  # observation 9: 17.575 > 17.417
    assert points[8].signal
    assert points[8].top_contributors
    assert set(points[8].top_contributors) <= set(NAMES)


def test_a_complete_new_observation_gets_a_phase_two_point_naming_its_top_contributors(boiler):
    calculate_limits(boiler)
    shifted: list[float] = list(BOILER[12])
    shifted[1] += 25.0  # t2 far from its mean
    stamp = T0 + timedelta(days=1)
    store_rows(boiler, [shifted], start=stamp)
    chars = boiler.member_list()
    assert compute_for([(c.pk, stamp) for c in chars]) == 1
    point = T2Point.objects.get(group=boiler, timestamp=stamp)
    assert point.ucl == pytest.approx(70.02943, abs=1e-5)
    assert point.signal
    assert point.top_contributors[0] == "t2"
    assert [c["name"] for c in point.contributions] == NAMES
    assert compute_for([(chars[0].pk, stamp)]) == 0  # stored once


def test_the_pipeline_commit_computes_the_point_when_the_last_member_arrives(
    boiler, django_capture_on_commit_callbacks
):
    calculate_limits(boiler)
    stamp = T0 + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        store_rows(boiler, [[*BOILER[3][:7], None]], start=stamp)
    assert not T2Point.objects.filter(group=boiler, timestamp=stamp).exists()
    last = boiler.member_list()[-1]
    from spc.pipeline.processing import SubgroupInput, process

    with django_capture_on_commit_callbacks(execute=True):
        process(
            SubgroupInput(characteristic_id=last.pk, measurements=(BOILER[3][7],), timestamp=stamp)
        )
    point = T2Point.objects.get(group=boiler, timestamp=stamp)
    assert point.t2 == pytest.approx(BOILER_T2[3], abs=1e-5)  # the same values as row 4
    assert not point.signal


def test_a_group_given_limits_after_a_batch_found_no_live_member_is_seen_by_the_next(
    boiler, django_assert_num_queries
):
    chars = boiler.member_list()
    stamp = T0 + timedelta(days=3)
    store_rows(boiler, [list(BOILER[5])], start=stamp)
    assert compute_for([(c.pk, stamp) for c in chars]) == 0  # no limits yet: not live
    with django_assert_num_queries(0):  # the process keeps the answer under its token
        assert compute_for([(c.pk, stamp) for c in chars]) == 0
    calculate_limits(boiler)  # saves the group: the token is dropped
    assert {c.pk for c in chars} <= live_members()
    later = stamp + timedelta(hours=1)
    store_rows(boiler, [list(BOILER[6])], start=later)
    assert compute_for([(c.pk, later) for c in chars]) == 1
    boiler.members.first().delete()
    assert chars[0].pk not in live_members()


def test_an_incomplete_observation_is_counted_and_not_computed():
    group = group_of(["a", "b"])
    rows = [[1.0, 2.0], [2.0, 2.5], [3.0, 5.0], [1.5, None], [2.5, 3.0], [4.0, 6.5]]
    store_rows(group, rows)
    result = calculate_limits(group)
    assert result.baseline_count == 5
    assert result.incomplete_count == 1
    assert group.points.count() == 5


def test_too_few_complete_observations_for_the_members_are_refused_with_the_count():
    group = group_of(["a", "b", "c"])
    store_rows(group, [[1, 2, 3], [2, 1, 5], [3, 3, 1], [4, None, 2]])
    with pytest.raises(InputError) as err:
        calculate_limits(group)
    assert err.value.field == "baseline"
    assert "3 complete and 1 incomplete" in err.value.message
    group.refresh_from_db()
    assert group.ucl is None


def test_collinear_members_are_refused_and_nothing_is_stored():
    group = group_of(["a", "b", "sum"])
    rows = [[a, b, a + b] for a, b in [(1, 2), (2, 1), (3, 5), (4, 4), (5, 7), (6, 3)]]
    store_rows(group, rows)
    with pytest.raises(InputError, match="collinear"):
        calculate_limits(group)
    assert not group.points.exists()


def test_a_group_with_one_member_is_refused():
    group = group_of(["alone"])
    with pytest.raises(InputError) as err:
        calculate_limits(group)
    assert err.value.field == "members"
