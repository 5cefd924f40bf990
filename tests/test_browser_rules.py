"""The finished rule engine in a real browser: a run rule on the R pane drawn on the R pane,
an informational violation muted on the primary pane, and the admin rule grid with every
parameter and the R/S/MR switches. Screenshots at tablet (1024x768) and desktop (1440x900)
size in test-results/screenshots/.

The X-bar R chart has n = 5, CL 10, limits 10 +/- 0.5 and R-bar = 1 with UCL_R = D4 R-bar
= 2.114, LCL_R = 0 (Montgomery, Introduction to SQC, 7th ed., Appendix VI). The R pane
judges Montgomery's Table 5.1 "run of eight consecutive points on one side of the centre
line" (stored as rule 102) besides rule 1 (101). The positions the chart marks are checked
against the violations the server stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser_support import (
    CHROMIUM,
    PASSWORD,
    SHOTS,
    Screen,
    manage,
    require_chromium,
    serve,
)

pytestmark = pytest.mark.browser
SIZES = {"tablet": {"width": 1024, "height": 768}, "desktop": {"width": 1440, "height": 900}}
# (mean, range) of each subgroup: ten ranges of 1.2 above R-bar (rule 102 from the eighth),
# two means of 10.4 (2.4 sigma: rule 5, informational here), then a range of 2.5 (rule 101).
PLAN = [(10.0, 1.2)] * 10 + [(10.4, 0.6), (10.4, 0.6), (10.0, 2.5)]


def seed() -> None:
    """An engineer (admin access) and the X-bar R characteristic with its history."""
    from django.contrib.auth.models import User

    from hierarchy.models import SiteGrant
    from hierarchy.roles import ENGINEER, assign_role
    from spc.pipeline.processing import SubgroupInput, process
    from spc.tests.factories import CharacteristicFactory

    user = User.objects.create_user("erin", password=PASSWORD, is_staff=True, is_superuser=True)
    assign_role(user, ENGINEER)
    SiteGrant.objects.create(user=user, node=None)
    rules: dict[str, Any] = {str(i): {"severity": "WARNING"} for i in range(2, 9)}
    rules["1"] = {"severity": "CRITICAL"}
    rules["5"] = {"severity": "INFORMATIONAL"}
    rules["secondary"] = {"1": {"severity": "CRITICAL"}, "2": {"severity": "WARNING", "length": 8}}
    char = CharacteristicFactory(
        name="Bore diameter",
        unit="mm",
        chart_type="XBAR_R",
        subgroup_size=5,
        min_measurements=2,
        center_line=10.0,
        ucl=10.5,
        lcl=9.5,
        sigma=0.5 / 3 * 5**0.5,
        secondary_center_line=1.0,
        secondary_ucl=2.114,
        secondary_lcl=0.0,
        rules=rules,
        rule_preset="",
    )
    for mean, r in PLAN:
        values = (mean - r / 2, mean, mean, mean, mean + r / 2)
        process(SubgroupInput(char.pk, values, source="REST"))
    print("SEED" + json.dumps({"char": char.pk}))


def dump(char_id: int) -> None:
    """The stored violations as (position in the series, rule, severity) after ``DUMP``."""
    from alerts.models import Violation
    from spc.models import Sample

    order = list(
        Sample.objects.filter(characteristic_id=char_id)
        .order_by("timestamp", "id")
        .values_list("id", flat=True)
    )
    found = [
        (order.index(v.sample_id) + 1, v.rule, v.severity)
        for v in Violation.objects.filter(characteristic_id=char_id)
    ]
    print("DUMP" + json.dumps(sorted(found)))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_chromium()
    yield from serve(tmp_path_factory.mktemp("rules"), seeder="tests.test_browser_rules")


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield instance
        instance.close()


def _stored(server: dict[str, Any]) -> list[list[Any]]:
    code = f"from tests.test_browser_rules import dump; dump({server['ids']['char']})"
    out = manage(server["env"], "shell", "-c", code)
    return list(json.loads(out.split("DUMP", 1)[1].strip().splitlines()[0]))


def _traces(screen: Screen, char_id: int) -> dict[str, dict[str, Any]]:
    page = screen.open(f"/chars/{char_id}/")
    page.wait_for_selector(f"#chart-{char_id}[data-ready=true]")
    data = page.evaluate(
        "id => document.getElementById(id).data.map(t => ({uid: t.uid, x: Array.from(t.x),"
        " y: Array.from(t.y), yaxis: t.yaxis || 'y'}))",
        f"chart-{char_id}",
    )
    return {t["uid"]: t for t in data}


@pytest.mark.parametrize("size", sorted(SIZES))
def test_a_run_on_the_r_pane_is_drawn_on_the_r_pane(browser, server, size):
    stored = _stored(server)
    # what the rules must have stored, from the plan: rule 102 on the 8th to 10th range of
    # 1.2 (eight in a row above R-bar), rule 5 on the 12th point (two of three beyond 2
    # sigma), rule 101 on the 13th (R = 2.5 > UCL_R = 2.114)
    assert stored == [
        [8, 102, "WARNING"],
        [9, 102, "WARNING"],
        [10, 102, "WARNING"],
        [12, 5, "INFORMATIONAL"],
        [13, 101, "CRITICAL"],
    ]
    screen = Screen(browser, server, "erin", viewport=SIZES[size])
    traces = _traces(screen, server["ids"]["char"])
    on_r = {uid: t for uid, t in traces.items() if t["yaxis"] == "y2"}
    assert on_r["viol2_warn"]["x"] == [8, 9, 10]
    assert on_r["viol2_warn"]["y"] == pytest.approx([1.2, 1.2, 1.2])
    assert on_r["viol2"]["x"] == [13]
    assert on_r["viol2"]["y"] == pytest.approx([2.5])
    assert traces["viol_info"]["x"] == [12]
    assert traces["viol_info"]["y"] == pytest.approx([10.4])
    assert traces["viol_warn"]["x"] == []
    assert traces["viol_crit"]["x"] == []
    assert traces["pulse"]["x"] == [], "nothing open on the primary pane pulses"
    screen.shot(f"rules_secondary_run_chart_{size}")
    screen.close()


@pytest.mark.parametrize("size", sorted(SIZES))
def test_the_admin_rule_grid_shows_every_parameter(browser, server, size):
    screen = Screen(browser, server, "erin", viewport=SIZES[size])
    page = screen.open(f"/admin/spc/characteristic/{server['ids']['char']}/change/")
    assert page.locator("#id_rule_1_length").count() == 0
    assert page.locator("#id_rule_5_count").count() == 1
    assert page.locator("#id_rule_6_sigma").count() == 1
    assert page.locator("#id_rule_2_sigma").count() == 0, "rule 2 reads no sigma"
    assert page.is_checked("#id_rule_2_secondary")
    assert page.input_value("#id_rule_5_severity") == "INFORMATIONAL"
    assert "edited by hand" in page.inner_text("fieldset:has(#id_rule_preset)")
    page.select_option("#id_rule_preset", "AIAG")
    assert page.input_value("#id_rule_2_length") == "7"
    assert page.input_value("#id_rule_3_length") == "7"
    assert page.input_value("#id_rule_6_count") == ""
    assert page.is_checked("#id_rule_2_secondary"), "a preset leaves the R/S/MR pane"
    page.locator("#id_rule_preset").scroll_into_view_if_needed()
    screen.shot(f"rules_admin_grid_{size}")
    grid = page.locator("fieldset:has(#id_rule_preset)")
    grid.screenshot(path=str(SHOTS / f"rules_admin_grid_only_{size}.png"))
    screen.close()
