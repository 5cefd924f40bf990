"""Node selectors of other pages list the plant in tree order (hierarchy.tree)."""

from __future__ import annotations

import pytest

from hierarchy.tests.factories import NodeFactory
from spc.reports.forms import ScopeForm


@pytest.mark.django_db
def test_the_report_node_selector_lists_each_node_under_its_parent() -> None:
    acme = NodeFactory(name="Acme")
    second = NodeFactory(name="Site 2", parent=acme)
    tenth = NodeFactory(name="Site 10", parent=acme)
    under_second = NodeFactory(name="Area", parent=second)
    choices = [label for value, label in ScopeForm().fields["node"].choices if value]
    assert choices == [str(acme), str(second), str(under_second), str(tenth)]
