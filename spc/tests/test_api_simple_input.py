"""``simple_item`` accepts only what ``SampleCreateSerializer`` accepts, with the same data.

The property feeds both the same generated items — valid ones and every kind of bad or
unusual value next to them — and requires that whenever the fast path answers, the
serializer validates the item to exactly that answer.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError

from spc.api.serializers import SampleCreateSerializer
from spc.api.simple_input import simple_item

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e6, max_value=1e6),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([1e15, -1e15, 1e15 + 1, 10**15, 10**15 + 1, 0, -0.0, True, False]),
)
odd_values: st.SearchStrategy[Any] = st.one_of(
    st.none(), st.text(max_size=3), st.booleans(), st.just([]), st.just({})
)
texts = st.one_of(
    st.text(max_size=6),
    st.text(alphabet=" \t\nab\x00é", max_size=6),
    st.sampled_from(["", "   ", "a" * 120, "a" * 121, " " + "a" * 120 + " ", "a" * 128, "\ud800"]),
)
items = st.dictionaries(
    keys=st.sampled_from(
        [
            "characteristic",
            "measurements",
            "idempotency_key",
            "operator",
            "batch_number",
            "timestamp",
            "defects",
            "extra",
        ]
    ),
    values=st.one_of(
        st.integers(min_value=-5, max_value=2**64),
        st.lists(numbers, max_size=4),
        st.lists(st.one_of(numbers, odd_values), max_size=3),
        texts,
        odd_values,
        numbers,
    ),
)

near_valid = st.fixed_dictionaries(
    {"characteristic": st.integers(min_value=-1, max_value=2**63)},
    optional={
        "measurements": st.lists(numbers, max_size=5),
        "idempotency_key": texts,
        "operator": texts,
        "batch_number": texts,
    },
)


def serializer_says(item: Any) -> dict[str, Any] | None:
    try:
        return dict(SampleCreateSerializer().run_validation(item))
    except ValidationError:
        return None


@given(st.one_of(near_valid, items, odd_values, st.lists(st.integers(), max_size=2)))
def test_fast_path_agrees_with_the_serializer(item: Any) -> None:
    fast = simple_item(item)
    if fast is not None:
        assert serializer_says(item) == fast


def test_common_items_take_the_fast_path() -> None:
    for item in (
        {"characteristic": 7, "measurements": [10.1, 9.9, 10]},
        {"characteristic": 7, "measurements": [1.5], "idempotency_key": "m-42", "operator": ""},
        {"characteristic": 7, "measurements": [], "batch_number": " B7 "},
    ):
        fast = simple_item(item)
        assert fast is not None
        assert serializer_says(item) == fast
    assert simple_item({"characteristic": 7, "measurements": [0.0] * 1001}) is None
    assert serializer_says({"characteristic": 7, "measurements": [0.0] * 1001}) is None
