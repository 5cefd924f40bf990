"""The daily digest through a real SMTP server: a site's open violations and its
characteristics below the Cpk target, nothing from other sites, nothing when all is well."""

from __future__ import annotations

import pytest

from alerts.models import NotificationRule
from alerts.notifications import digest
from alerts.tests.notify_support import smtp
from hierarchy.tests.factories import NodeFactory
from spc.pipeline.processing import SubgroupInput, process
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db
__all__ = ["smtp"]

VALUES = (9.8, 10.2, 9.9, 10.1, 10.0, 10.3, 9.7, 10.0)


def make(parent, name: str, usl: float, lsl: float):
    line = NodeFactory(parent=NodeFactory(parent=parent))
    char = CharacteristicFactory(
        hierarchy=line, name=name, center_line=10.0, ucl=10.9, lcl=9.1, sigma=0.3, usl=usl, lsl=lsl
    )
    for value in VALUES:
        process(SubgroupInput(char.pk, (value,)))
    return char


def test_the_digest_lists_open_violations_and_low_capability(smtp):
    site = NodeFactory(parent=NodeFactory(), name="Plant Detroit")
    tight = make(site, "Shaft OD", usl=10.5, lsl=9.5)  # spread ±0.3 in ±0.5: Cpk below 1
    make(site, "Bore", usl=20.0, lsl=0.0)  # far inside: capable
    process(SubgroupInput(tight.pk, (12.0,)))  # beyond UCL: an open violation
    other = make(NodeFactory(parent=NodeFactory()), "Elsewhere", usl=10.5, lsl=9.5)
    process(SubgroupInput(other.pk, (12.0,)))
    NotificationRule.objects.create(
        name="Detroit quality", node=site, email_recipients="qa@example.com", daily_digest=True
    )
    assert digest.send_digests() == 1
    [(recipients, message)] = smtp.messages
    assert recipients == ["qa@example.com"]
    assert "Daily digest — Plant Detroit" in str(message["Subject"])
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Open violations (unacknowledged):" in text
    assert "- Shaft OD (" in text
    assert f"https://spc.example.com/chars/{tight.pk}/" in text
    assert "Capability below target (Cpk < 1.33, last 30 days):" in text
    low = text.split("Capability below target", 1)[1]
    assert "Shaft OD" in low
    assert "Bore" not in low
    assert "Elsewhere" not in text
    assert f'<a href="https://spc.example.com/chars/{tight.pk}/">Shaft OD</a>' in html


def test_no_digest_when_nothing_is_open_or_below_target(smtp):
    site = NodeFactory(parent=NodeFactory())
    make(site, "Bore", usl=20.0, lsl=0.0)
    NotificationRule.objects.create(
        name="Quiet", node=site, email_recipients="qa@example.com", daily_digest=True
    )
    assert digest.send_digests() == 0
    assert smtp.messages == []
