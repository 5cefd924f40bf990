"""The API's orjson renderer and parser write and read what DRF's own would."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer

from openspc.api_json import ORJSONParser, ORJSONRenderer

DOCUMENTS = [
    {"a": 1, "b": [1.5, None, True, "x"], "nested": {"k": "ü€"}},
    {"when": datetime(2026, 12, 6, 7, 0, 1, 123456, tzinfo=UTC), "amount": Decimal("1.25")},
    {"message": gettext_lazy("This field is required."), 7: "int key"},
    [{"line": "sep\u2028par\u2029"}],
    {"big": 10**30},
]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_the_renderer_writes_the_same_json_as_drf(document: object) -> None:
    ours = ORJSONRenderer().render(document, "application/json", {})
    theirs = JSONRenderer().render(document, "application/json", {})
    assert json.loads(ours) == json.loads(theirs)


def test_line_and_paragraph_separators_are_escaped_as_drf_does() -> None:
    body = ORJSONRenderer().render({"line": "a\u2028b\u2029c"}, "application/json", {})
    assert body == b'{"line":"a\\u2028b\\u2029c"}'


def test_an_indented_request_gets_drf_s_indented_json() -> None:
    body = ORJSONRenderer().render({"a": 1}, "application/json; indent=4", {})
    assert body == b'{\n    "a": 1\n}'


def test_the_parser_reads_what_drf_reads_and_refuses_nan() -> None:
    text = b'{"characteristic": 3, "measurements": [1.5, 2, -0.25], "id": "\\u00fc"}'
    assert ORJSONParser().parse(io.BytesIO(text)) == JSONParser().parse(io.BytesIO(text))
    huge = b'{"n": 1' + b"0" * 40 + b"}"
    assert ORJSONParser().parse(io.BytesIO(huge)) == {"n": 10**40}
    for bad in (b'{"v": NaN}', b'{"v": Infinity}', b"{", b""):
        with pytest.raises(ParseError):
            ORJSONParser().parse(io.BytesIO(bad))
