"""Chart rows read from the cursor equal what ``QuerySet.values()`` gives."""

from __future__ import annotations

import pytest

from spc.charts.data import LEAN_FIELDS, ROW_FIELDS
from spc.charts.rows import fetch_rows
from spc.models import Sample
from spc.pipeline.processing import SubgroupInput, process
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("chart_type", ["EWMA", "XBAR_R"])
def test_cursor_rows_equal_the_orm_s_values(chart_type: str) -> None:
    char = CharacteristicFactory.create(
        chart_type=chart_type, subgroup_size=2, center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0
    )
    for values in ((10.0, 11.0), (12.5, 9.5), (30.0, 31.0)):
        process(SubgroupInput(char.pk, values))
    first = Sample.objects.filter(characteristic=char).order_by("id")[0]
    Sample.objects.filter(pk=first.pk).update(is_excluded=True)
    qs = Sample.objects.filter(characteristic=char).order_by("-id")
    for fields in (ROW_FIELDS, LEAN_FIELDS):
        expected = list(qs.values(*fields))
        assert fetch_rows(qs, fields) == expected
        assert any(row["is_excluded"] is True for row in expected)
        assert all(row["timestamp"].tzinfo is not None for row in expected)
