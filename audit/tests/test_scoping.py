"""Which entries a user sees comes from the project's rule (``AUDIT_VISIBLE_PATHS``)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from audit.models import AuditEntry
from audit.scoping import visible_entries, visible_paths
from audit.trail import record

pytestmark = pytest.mark.django_db


def only_north(user: object) -> list[str]:
    """A stand-in rule: everyone sees the north site."""
    return ["/1/2/"]


@pytest.fixture
def entries() -> dict[str, AuditEntry]:
    return {
        "north": record("CHANGE", object_type="x.Y", object_repr="north", path="/1/2/9/"),
        "south": record("CHANGE", object_type="x.Y", object_repr="south", path="/1/3/9/"),
        "plant-wide": record("CHANGE", object_type="x.Y", object_repr="plant-wide", path=""),
    }


def names(user: User) -> set[str]:
    """The fixture's entries the user sees (users and groups are in the trail too)."""
    shown = visible_entries(user).filter(object_type="x.Y")
    return set(shown.values_list("object_repr", flat=True))


@override_settings(AUDIT_VISIBLE_PATHS=f"{__name__}.only_north")
def test_the_configured_rule_decides_and_plant_wide_entries_stay(
    entries: dict[str, AuditEntry],
) -> None:
    user = User.objects.create_user("nora", password="pw-nora-123")
    assert visible_paths(user) == ["/1/2/"]
    assert names(user) == {"north", "plant-wide"}


@override_settings(AUDIT_VISIBLE_PATHS="")
def test_without_a_rule_only_superusers_see_placed_entries(
    entries: dict[str, AuditEntry],
) -> None:
    plain = User.objects.create_user("pia", password="pw-pia-1234")
    boss = User.objects.create_superuser("sam", password="pw-sam-1234")
    assert names(plain) == {"plant-wide"}
    assert names(boss) == {"north", "south", "plant-wide"}


def test_the_project_rule_is_the_plant_grants(entries: dict[str, AuditEntry]) -> None:
    boss = User.objects.create_superuser("sam", password="pw-sam-1234")
    stranger = User.objects.create_user("pia", password="pw-pia-1234")
    assert names(boss) == {"north", "south", "plant-wide"}
    assert names(stranger) == {"plant-wide"}


def test_within_none_is_the_whole_plant(entries: dict[str, AuditEntry]) -> None:
    ours = AuditEntry.objects.filter(object_type="x.Y")
    assert ours.within(None).count() == 3
    assert set(ours.within([]).values_list("object_repr", flat=True)) == {"plant-wide"}
