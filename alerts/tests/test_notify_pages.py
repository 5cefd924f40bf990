"""The delivery log page and the notification admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission, User
from django.test import Client

from alerts.models import Delivery
from alerts.notifications import tasks
from alerts.tests.notify_support import char, make_rule, next_try, raise_violation
from alerts.tests.receivers import WebhookReceiver
from hierarchy.models import SiteGrant
from hierarchy.roles import ENGINEER, assign_role
from hierarchy.tests.factories import NodeFactory

pytestmark = pytest.mark.django_db
__all__ = ["char"]


def test_the_log_lists_each_try_of_a_delivery(
    char, process_engineer, django_capture_on_commit_callbacks
):
    receiver = WebhookReceiver([500, 200])
    try:
        make_rule(char, receiver.url)
        raise_violation(char, django_capture_on_commit_callbacks)
        delivery = Delivery.objects.get()
        with time_machine.travel(next_try(delivery) + timedelta(seconds=1), tick=False):
            tasks.retry_due()
    finally:
        receiver.stop()
    client = Client()
    client.force_login(process_engineer)
    response = client.get("/violations/deliveries/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-delivery-id="{delivery.pk}"' in page
    assert "Delivered" in page
    assert "HTTP 500" in page
    assert "HTTP 200" in page
    assert "receiver broken" in page
    assert "2 tries" in page
    failed = client.get("/violations/deliveries/?status=FAILED").content.decode()
    assert f'data-delivery-id="{delivery.pk}"' not in failed


def test_the_log_shows_only_the_users_sites_and_needs_an_engineer(
    char, operator, django_capture_on_commit_callbacks
):
    make_rule(char, email_recipients="qa@example.com")
    raise_violation(char, django_capture_on_commit_callbacks)
    elsewhere = User.objects.create_user("eve", password="pw-eve-12345")
    assign_role(elsewhere, ENGINEER)
    SiteGrant.objects.create(user=elsewhere, node=NodeFactory(parent=NodeFactory()))
    client = Client()
    client.force_login(elsewhere)
    page = client.get("/violations/deliveries/").content.decode()
    assert "No deliveries." in page
    client.force_login(operator)
    assert client.get("/violations/deliveries/").status_code == 403


def test_admin_pages_of_rules_endpoints_and_deliveries_open(
    char, engineer, django_capture_on_commit_callbacks
):
    rule = make_rule(char, "http://127.0.0.1:9/hook")
    raise_violation(char, django_capture_on_commit_callbacks)
    client = Client()
    client.force_login(engineer)
    delivery = Delivery.objects.get()
    for url in (
        "/admin/alerts/notificationrule/",
        f"/admin/alerts/notificationrule/{rule.pk}/change/",
        "/admin/alerts/notificationrule/add/",
        "/admin/alerts/webhookendpoint/",
        "/admin/alerts/delivery/",
        f"/admin/alerts/delivery/{delivery.pk}/change/",
    ):
        assert client.get(url).status_code == 200, url


def test_a_rule_needs_a_channel_and_a_complete_escalation(char):
    from django.core.exceptions import ValidationError

    rule = make_rule(char)
    with pytest.raises(ValidationError, match="e-mail recipients or a webhook"):
        rule.full_clean()
    rule.email_recipients = "qa@example.com"
    rule.escalation_after_minutes = 10
    with pytest.raises(ValidationError, match="Escalation needs both"):
        rule.full_clean()
    rule.escalation_recipients = "not-an-address"
    with pytest.raises(ValidationError, match="not an e-mail address"):
        rule.full_clean()
    rule.escalation_recipients = "boss@example.com"
    rule.rules = [1, 9]
    with pytest.raises(ValidationError, match="rule numbers"):
        rule.full_clean()
    rule.rules = [1, 101]
    rule.full_clean()


def test_the_admin_lists_only_rules_and_deliveries_of_the_users_sites(
    char, django_capture_on_commit_callbacks
):
    from alerts.models import NotificationRule

    make_rule(char, email_recipients="qa@example.com")
    raise_violation(char, django_capture_on_commit_callbacks)
    other_site = NodeFactory(parent=NodeFactory())
    NotificationRule.objects.create(name="Elsewhere", node=other_site, email_recipients="x@y.z")
    local = User.objects.create_user("lena", password="pw-lena-12345", is_staff=True)
    local.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_notificationrule", "view_delivery"])
    )
    SiteGrant.objects.create(user=local, node=other_site)
    client = Client()
    client.force_login(local)
    rules = client.get("/admin/alerts/notificationrule/").content.decode()
    assert "Elsewhere" in rules
    assert "Quality team" not in rules
    deliveries = client.get("/admin/alerts/delivery/").content.decode()
    assert "0 deliveries" in deliveries


def test_an_engineer_who_is_not_admin_manages_rules_endpoints_and_opc_ua_servers(
    char, process_engineer
):
    client = Client()
    client.force_login(process_engineer)  # the Engineer role, not a superuser
    for url in (
        "/admin/alerts/notificationrule/",
        "/admin/alerts/notificationrule/add/",
        "/admin/alerts/webhookendpoint/add/",
        "/admin/alerts/delivery/",
        "/admin/ingest/opcuaendpoint/add/",
    ):
        assert client.get(url).status_code == 200, url
