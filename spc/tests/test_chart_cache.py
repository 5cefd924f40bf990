"""The chart payload cache: served again while true, rebuilt by every change a chart shows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from alerts.services import acknowledge
from alerts.tests.factories import ReasonCodeFactory
from spc.charts.cached import cached_chart_data
from spc.charts.data import chart_data
from spc.models import Characteristic, Sample
from spc.pipeline.limit_changes import set_excluded, set_manual_limits
from spc.pipeline.processing import SubgroupInput, process
from spc.tests.factories import CharacteristicFactory, SampleFactory

# Committed writes, as a plant's server sees them: a transaction reads the charts it
# changed past the cache until it commits.
pytestmark = pytest.mark.django_db(transaction=True)


def _char() -> Characteristic:
    char = CharacteristicFactory.create(center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0)
    for value in (10.0, 10.5, 9.5, 10.2):
        _add(char, value)
    return char


def _add(char: Characteristic, value: float) -> Any:
    return process(SubgroupInput(characteristic_id=char.pk, measurements=(value,)))


def _fresh(char: Characteristic) -> Characteristic:
    return Characteristic.objects.get(pk=char.pk)


def _sample_reads(run: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        run()
    return sum('FROM "spc_sample"' in q["sql"] for q in queries.captured_queries)


def test_a_repeated_read_is_served_without_reading_the_samples() -> None:
    char = _char()
    first = cached_chart_data(char)
    assert _sample_reads(lambda: cached_chart_data(char)) == 0
    assert cached_chart_data(char) == first


def test_the_cached_payload_is_the_chart_data() -> None:
    char = _char()
    cached_chart_data(char)
    again = cached_chart_data(char)
    direct = chart_data(char)
    assert again == direct


def test_a_new_sample_shows_at_once() -> None:
    char = _char()
    assert len(cached_chart_data(char)["points"]) == 4
    _add(char, 16.0)  # beyond the UCL: a rule-1 violation
    data = cached_chart_data(_fresh(char))
    assert len(data["points"]) == 5
    assert data["points"][-1]["observed"] == 16.0
    assert [v["rule"] for v in data["points"][-1]["violations"]] == [1]
    assert data["open_violations"] == {"WARNING": 0, "CRITICAL": 1}


def test_an_acknowledgement_shows_at_once(operator: User) -> None:
    char = _char()
    result = _add(char, 16.0)
    assert cached_chart_data(char)["points"][-1]["violations"][0]["acknowledged"] is False
    ReasonCodeFactory(code="tool-wear")
    acknowledge([result.violations[0].pk], user=operator, reason_code="tool-wear")
    data = cached_chart_data(char)
    assert data["points"][-1]["violations"][0]["acknowledged"] is True
    assert data["open_violations"] == {"WARNING": 0, "CRITICAL": 0}


def test_limits_and_exclusions_show_at_once(engineer: User) -> None:
    char = _char()
    assert cached_chart_data(char)["limits"]["ucl"] == 13.0
    set_manual_limits(char, center_line=10.0, ucl=12.0, lcl=8.0, sigma=0.66, user=engineer)
    assert cached_chart_data(_fresh(char))["limits"]["ucl"] == 12.0
    sample = Sample.objects.filter(characteristic=char).order_by("id").first()
    assert sample is not None
    set_excluded(sample, True, reason="probe slipped", user=engineer)
    assert cached_chart_data(_fresh(char))["points"][0]["is_excluded"] is True


def test_a_sample_saved_outside_the_pipeline_shows_at_once() -> None:
    char = _char()
    cached_chart_data(char)
    SampleFactory(characteristic=char, value=11.0, mean=11.0)
    assert len(cached_chart_data(char)["points"]) == 5


def test_the_card_state_follows_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    char = _char()
    assert cached_chart_data(char)["state"] == "IN_CONTROL"
    later = timezone.now() + timedelta(days=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert cached_chart_data(char)["state"] == "NO_DATA"


def test_the_api_answers_from_the_cache_with_what_the_page_shows(api_client: APIClient) -> None:
    char = _char()
    url = f"/api/v1/characteristics/{char.pk}/chart-data/?limit=3"
    first = api_client.get(url)
    assert first.status_code == 200
    assert first["Content-Type"] == "application/json"
    assert _sample_reads(lambda: api_client.get(url)) == 0
    second = api_client.get(url).json()
    assert second == first.json() == cached_chart_data(char, limit=3)
    assert len(second["points"]) == 3
    _add(char, 10.1)
    assert api_client.get(url).json()["points"][-1]["observed"] == 10.1


def test_an_uncommitted_change_is_read_past_the_cache_by_its_own_transaction() -> None:
    from django.db import transaction

    char = _char()
    cached_chart_data(char)
    with transaction.atomic():
        _add(char, 10.7)
        assert len(cached_chart_data(char)["points"]) == 5
        assert _sample_reads(lambda: cached_chart_data(char)) > 0  # not from the cache
    assert len(cached_chart_data(char)["points"]) == 5
    assert _sample_reads(lambda: cached_chart_data(char)) == 0


def test_the_page_figure_follows_new_samples(operator: User) -> None:
    from django.test import Client

    char = _char()
    client = Client()
    client.force_login(operator)
    url = f"/chars/{char.pk}/figure/"
    first = client.get(url)
    assert first.status_code == 200
    assert first.json()["layout"]["meta"]["points"] == 4
    assert client.get(url).json() == first.json()
    _add(char, 10.3)
    assert client.get(url).json()["layout"]["meta"]["points"] == 5


@pytest.mark.services
def test_with_redis_as_the_shared_cache_a_new_sample_shows_at_once() -> None:
    from django.core.cache import caches
    from django.test import override_settings

    from conftest import require_service

    require_service(6379, "Redis")
    shared = {
        "BACKEND": "openspc.caches.TrustedKeysRedisCache",
        "LOCATION": "redis://127.0.0.1:6379/14",
    }
    with override_settings(
        CACHES={
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "shared": shared,
        }
    ):
        caches["shared"].clear()
        char = _char()
        assert len(cached_chart_data(char)["points"]) == 4
        assert _sample_reads(lambda: cached_chart_data(char)) == 0  # served by Redis
        _add(char, 16.0)
        data = cached_chart_data(_fresh(char))
        assert len(data["points"]) == 5
        assert data["open_violations"] == {"WARNING": 0, "CRITICAL": 1}
        caches["shared"].clear()
