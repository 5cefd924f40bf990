"""A card shows no empty pill: a badge with nothing to say is hidden, and stays hidden."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from spc.tests.factories import CharacteristicFactory, SampleFactory

pytestmark = pytest.mark.django_db


def _card(html: str, char_id: int) -> str:
    match = re.search(rf'<article class="card" id="card-{char_id}".*?</article>', html, re.S)
    assert match, f"no card {char_id}"
    return match.group(0)


def test_a_card_with_nothing_due_shows_no_empty_pill(client, operator):
    char = CharacteristicFactory(sampling_interval_minutes=None)
    SampleFactory(characteristic=char, timestamp=timezone.now() - timedelta(minutes=5))
    client.force_login(operator)
    card = _card(client.get(f"/nodes/{char.hierarchy_id}/").content.decode(), char.pk)
    badges = re.findall(r'<span id="[^"]*"[^>]*class="badge[^"]*"[^>]*>([^<]*)</span>', card)
    assert badges, "the state badge is shown"
    pills = re.findall(r'(<span [^>]*class="badge[^"]*"[^>]*>)([^<]*)</span>', card)
    for tag, text in pills:
        assert text.strip() or " hidden" in tag, f"an empty pill is shown: {tag}"


def test_the_stylesheet_lets_hidden_win_over_a_badge_display():
    css = (settings.BASE_DIR / "static" / "css" / "openspc.css").read_text()
    assert re.search(r"\[hidden\]\s*\{\s*display:\s*none\s*!important;?\s*\}", css)
