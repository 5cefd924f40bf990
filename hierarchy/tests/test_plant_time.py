"""The one date-time format: plant zone, seconds and the zone named (``plant_time``)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.template import Context, Template
from django.test import override_settings

from hierarchy.templatetags.plant_time import plant_date, plant_time

WINTER = datetime(2026, 12, 6, 13, 5, 9, tzinfo=UTC)
SUMMER = datetime(2026, 7, 6, 12, 5, 9, tzinfo=UTC)


@override_settings(TIME_ZONE="Europe/Berlin")
def test_a_time_shows_in_the_plant_zone_with_the_zone_named():
    assert plant_time(WINTER) == "2026-12-06 14:05:09 CET"
    assert plant_time(SUMMER) == "2026-07-06 14:05:09 CEST"
    assert plant_date(WINTER) == "2026-12-06"


@override_settings(TIME_ZONE="UTC")
def test_utc_plant_names_utc():
    assert plant_time(WINTER) == "2026-12-06 13:05:09 UTC"


@override_settings(TIME_ZONE="America/Chicago")
def test_iso_strings_from_live_fragments_are_read_and_converted():
    assert plant_time("2026-12-06T13:05:09+00:00") == "2026-12-06 07:05:09 CST"
    assert plant_date("2026-12-07T03:00:00+00:00") == "2026-12-06"  # the plant's calendar day


def test_no_time_gives_an_empty_string():
    assert plant_time(None) == ""
    assert plant_time("") == ""
    assert plant_time("not a time") == ""
    assert plant_date(42) == ""


@override_settings(TIME_ZONE="Europe/Berlin")
def test_the_filter_loads_in_templates():
    html = Template("{% load plant_time %}{{ t|plant_time }}").render(Context({"t": WINTER}))
    assert html == "2026-12-06 14:05:09 CET"
