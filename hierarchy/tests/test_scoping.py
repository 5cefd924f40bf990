"""Plant scoping: a user sees the subtrees granted to them, nothing else."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied

from audit.trail import acting_as
from hierarchy.models import Node, SiteGrant
from hierarchy.scoping import can_see_node, granted_paths, scope_queryset, visible_nodes
from hierarchy.tests.factories import NodeFactory
from spc.models import Characteristic, Sample
from spc.tests.factories import CharacteristicFactory, SampleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_sites() -> dict[str, Node]:
    enterprise = NodeFactory.create(name="Acme")
    north, south = NodeFactory.create(parent=enterprise), NodeFactory.create(parent=enterprise)
    north_area, south_area = NodeFactory.create(parent=north), NodeFactory.create(parent=south)
    return {
        "enterprise": enterprise,
        "north": north,
        "south": south,
        "north_area": north_area,
        "south_area": south_area,
    }


def granted(*nodes: Node | None) -> User:
    user = User.objects.create_user(f"user{User.objects.count()}", password="pw-123456789")
    for node in nodes:
        SiteGrant.objects.create(user=user, node=node)
    return user


def test_a_site_grant_shows_that_site_and_below(two_sites: dict[str, Node]) -> None:
    user = granted(two_sites["north"])
    seen = set(visible_nodes(user))
    assert seen == {two_sites["north"], two_sites["north_area"]}
    assert can_see_node(user, two_sites["north_area"])
    assert not can_see_node(user, two_sites["south_area"])
    assert not can_see_node(user, two_sites["enterprise"])


def test_enterprise_or_empty_grant_is_the_whole_plant(two_sites: dict[str, Node]) -> None:
    for user in (granted(two_sites["enterprise"]), granted(None)):
        assert granted_paths(user) is None
        assert visible_nodes(user).count() == Node.objects.count()


def test_no_grant_or_anonymous_sees_nothing_and_superuser_everything(
    two_sites: dict[str, Node],
) -> None:
    assert not visible_nodes(granted()).exists()
    assert not visible_nodes(AnonymousUser()).exists()
    root = User.objects.create_superuser("root", password="pw-123456789")
    assert visible_nodes(root).count() == Node.objects.count()


def test_two_grants_union_and_nested_grants_collapse(two_sites: dict[str, Node]) -> None:
    user = granted(two_sites["north"], two_sites["north_area"], two_sites["south_area"])
    assert granted_paths(user) == sorted([two_sites["north"].path, two_sites["south_area"].path])
    assert set(visible_nodes(user)) == {
        two_sites["north"],
        two_sites["north_area"],
        two_sites["south_area"],
    }


def test_scope_queryset_filters_characteristics_and_samples(two_sites: dict[str, Node]) -> None:
    mine = CharacteristicFactory(hierarchy=two_sites["north_area"])
    theirs = CharacteristicFactory(hierarchy=two_sites["south_area"])
    SampleFactory(characteristic=mine)
    SampleFactory(characteristic=theirs)
    user = granted(two_sites["north"])
    assert list(scope_queryset(Characteristic.objects.all(), user)) == [mine]
    assert [s.characteristic_id for s in scope_queryset(Sample.objects.all(), user)] == [mine.pk]


def test_a_site_that_shares_a_path_prefix_is_not_leaked() -> None:
    """Paths end in '/', so site /1/2/ does not match /1/23/."""
    enterprise = NodeFactory.create()
    sites = [NodeFactory.create(parent=enterprise) for _ in range(25)]
    user = granted(sites[0])
    assert set(visible_nodes(user)) == {sites[0]}


def test_saving_outside_ones_sites_is_refused(two_sites: dict[str, Node]) -> None:
    user = granted(two_sites["north"])
    theirs = CharacteristicFactory(hierarchy=two_sites["south_area"])
    with acting_as(user):
        CharacteristicFactory(hierarchy=two_sites["north_area"])  # allowed
        with pytest.raises(PermissionDenied):
            CharacteristicFactory(hierarchy=two_sites["south_area"])
        theirs.name = "renamed"
        with pytest.raises(PermissionDenied):
            theirs.save()
        with pytest.raises(PermissionDenied):
            NodeFactory.create(parent=two_sites["south"])
        with pytest.raises(PermissionDenied):
            SampleFactory(characteristic=theirs)
    # Outside a request (ingest, commands) nothing is checked.
    SampleFactory(characteristic=theirs)
