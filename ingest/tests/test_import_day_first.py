"""The day-first time pattern reads exactly what strptime with DAY_FIRST_FORMATS reads."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.imports import cells


def _by_strptime(text: str) -> datetime | None:
    for fmt in cells.DAY_FIRST_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _number(digits: int) -> st.SearchStrategy[str]:
    """0..99 as 1 or 2 digits (with or without a leading zero)."""
    return st.integers(0, 10**digits - 1).flatmap(
        lambda n: st.sampled_from(sorted({str(n), f"{n:02d}"}))
    )


@st.composite
def _day_first_texts(draw: st.DrawFn) -> str:
    sep = draw(st.sampled_from([".", "/"]))
    text = f"{draw(_number(2))}{sep}{draw(_number(2))}{sep}{draw(st.integers(1000, 9999))}"
    if draw(st.booleans()):
        text += draw(st.sampled_from([" ", "  ", "\t"])) + f"{draw(_number(2))}:{draw(_number(2))}"
        if draw(st.booleans()):
            text += f":{draw(_number(2))}"
            if draw(st.booleans()):
                text += "." + str(draw(st.integers(0, 999999))).zfill(draw(st.integers(1, 6)))
    return text


@given(_day_first_texts())
def test_same_as_strptime_for_any_day_first_text(text: str) -> None:
    assert cells._day_first(text) == _by_strptime(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01.03.2026 08:00:05", datetime(2026, 3, 1, 8, 0, 5)),
        ("1.3.2026 8:05", datetime(2026, 3, 1, 8, 5)),
        ("01/03/2026", datetime(2026, 3, 1)),
        ("01.03.2026 08:00:05.5", datetime(2026, 3, 1, 8, 0, 5, 500000)),
        ("31.02.2026", None),  # no such day: the slow path words the error
        ("01/03/2026 08:00:05.5", None),  # no fraction in the slashed formats
        ("2026-03-01 08:00", None),  # ISO is fromisoformat's
        ("01.03.26", None),
    ],
)
def test_examples(text: str, expected: datetime | None) -> None:
    assert cells._day_first(text) == expected


def test_a_day_that_does_not_exist_is_still_refused_in_words() -> None:
    with pytest.raises(cells.CellError, match="is not a date-time"):
        cells._parse_text("31.02.2026 08:00", "")
