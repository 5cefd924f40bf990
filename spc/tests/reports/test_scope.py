"""Report scope: which node and period, parsed from request parameters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from spc.core.errors import InputError
from spc.reports.scope import ReportScope, scope_from_params
from spc.tests.reports.conftest import Dataset


def test_a_date_covers_the_whole_day(db: None) -> None:
    scope = scope_from_params({"start": "2026-11-01", "end": "2026-11-30"})
    assert scope.start == datetime(2026, 11, 1, tzinfo=UTC)
    assert scope.end == datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=UTC)


def test_a_date_time_is_taken_as_given(db: None) -> None:
    scope = scope_from_params({"start": "2026-11-01T08:30:00+01:00"})
    assert scope.start == datetime(2026, 11, 1, 7, 30, tzinfo=UTC)
    assert scope.end is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"node": "999999"}, "node"),
        ({"node": "abc"}, "node"),
        ({"start": "yesterday"}, "start"),
        ({"end": "2026-13-01"}, "end"),
        ({"start": "2026-11-02", "end": "2026-11-01"}, "start"),
    ],
)
def test_bad_parameters_name_their_field(db: None, params: dict[str, str], field: str) -> None:
    with pytest.raises(InputError) as info:
        scope_from_params(params)
    assert info.value.field == field


def test_subtree_selects_characteristics_below_the_node(dataset: Dataset) -> None:
    names = {c.name for c in ReportScope(node=dataset.plant["line"]).characteristics()}
    assert names == {"Bore", "Width"}
    assert {c.name for c in ReportScope().characteristics()} == {"Bore", "Width", "Elsewhere"}


def test_params_round_trip(dataset: Dataset) -> None:
    scope = scope_from_params({"node": dataset.plant["cell"].pk, "start": "2026-11-01"})
    assert scope_from_params(scope.to_params()) == scope
    assert scope.slug() == f"{dataset.plant['cell'].code}_20261101"
    assert scope.label().startswith("Cell 1, 2026-11-01 to now")
