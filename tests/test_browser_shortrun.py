"""A DNOM chart with two part numbers and the entry form with the part field, in a real
browser at tablet (1024x768) and desktop (1440x900) size (issue 20).

Data: Montgomery, Introduction to SQC, 6th ed., Table 10.1 (parts A, T = 50, and B,
T = 25; n = 3), limits recalculated from the deviations: CL 0.17, UCL 0.17 + 1.023 x 2.7
= 2.93, LCL -2.59. The page's figure must show those numbers and each point's part; the
screenshots go to test-results/screenshots/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser_support import CHROMIUM, PASSWORD, Screen, require_chromium, serve

pytestmark = pytest.mark.browser

SIZES = {"tablet": {"width": 1024, "height": 768}, "desktop": {"width": 1440, "height": 900}}


def seed() -> None:
    """An operator, a DNOM characteristic with parts A and B and Montgomery's ten
    subgroups, limits recalculated from them (run in the server's environment)."""
    from django.contrib.auth.models import User

    from hierarchy.models import SiteGrant
    from hierarchy.roles import OPERATOR, assign_role
    from spc.models import PartTarget
    from spc.pipeline.limit_changes import recalculate_limits
    from spc.pipeline.processing import SubgroupInput, process
    from spc.tests.core.test_shortrun import TABLE_10_1
    from spc.tests.factories import CharacteristicFactory

    user = User.objects.create_user("olga", password=PASSWORD)
    assign_role(user, OPERATOR)
    SiteGrant.objects.create(user=user, node=None)
    char = CharacteristicFactory.create(
        name="Bore (parts A, B)",
        unit="mm",
        decimal_places=2,
        chart_type="DNOM",
        subgroup_size=3,
        min_measurements=3,
    )
    PartTarget.objects.create(characteristic=char, part_number="A", target=50.0)
    PartTarget.objects.create(characteristic=char, part_number="B", target=25.0)
    for part, *values in TABLE_10_1:
        process(SubgroupInput(char.pk, tuple(map(float, values)), part_number=part))
    recalculate_limits(char, evaluate_baseline=True)
    print("SEED" + json.dumps({"dnom": char.pk}))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_chromium()
    yield from serve(tmp_path_factory.mktemp("shortrun"), seeder="tests.test_browser_shortrun")


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield instance
        instance.close()


def _figure(page: Any, char_id: int) -> dict[str, Any]:
    page.wait_for_selector(f"#chart-{char_id}[data-ready=true]")
    return page.evaluate(
        "id => { const gd = document.getElementById(id);"
        " return {data: gd.data.map(t => ({uid: t.uid, y: Array.from(t.y || []),"
        " text: Array.from(t.text || [])})),"
        " annotations: (gd.layout.annotations || []).map(a => a.text)}; }",
        f"chart-{char_id}",
    )


@pytest.mark.parametrize("size", sorted(SIZES))
def test_dnom_chart_shows_both_parts_with_montgomerys_limits(
    browser: Any, server: dict[str, Any], size: str
) -> None:
    char_id = server["ids"]["dnom"]
    screen = Screen(browser, server, "olga", viewport=SIZES[size])
    page = screen.open(f"/chars/{char_id}/")
    figure = _figure(page, char_id)
    traces = {t["uid"]: t for t in figure["data"]}
    values = [round(v, 2) for v in traces["value"]["y"]]
    assert values == [1.0, 0.0, -0.33, 1.0, 0.67, 0.33, 0.33, -1.0, -0.33, 0.0]
    # The text rounds x-double-bar to 0.17 first: within 0.01 of its limits.
    assert all(v == pytest.approx(2.93, abs=0.01) for v in traces["ucl"]["y"] if v is not None)
    assert all(v == pytest.approx(-2.59, abs=0.01) for v in traces["lcl"]["y"] if v is not None)
    texts = [t for trace in figure["data"] for t in trace["text"] if "Sample #" in t]
    assert sum("Part A" in t for t in texts) == 4
    assert sum("Part B" in t for t in texts) == 6
    assert "Part A" in figure["annotations"]
    assert "Part B" in figure["annotations"]
    screen.shot(f"shortrun_dnom_chart_{size}")
    screen.close()


@pytest.mark.parametrize("size", sorted(SIZES))
def test_entry_form_takes_the_part_and_refuses_an_unknown_one(
    browser: Any, server: dict[str, Any], size: str
) -> None:
    char_id = server["ids"]["dnom"]
    screen = Screen(browser, server, "olga", viewport=SIZES[size])
    page = screen.open(f"/chars/{char_id}/entry/")
    assert page.get_attribute("input[name=part_number]", "list") == "part-numbers"
    options = page.eval_on_selector_all("#part-numbers option", "os => os.map(o => o.value)")
    assert options == ["A", "B"]
    for i, value in enumerate(("49", "50", "54")):
        page.fill(f"#id_m{i}", value)
    page.fill("input[name=part_number]", "C")
    page.click("#entry-form button[type=submit]")
    page.wait_for_selector("#entry-result :text('No target for part C')")
    screen.shot(f"shortrun_entry_refused_{size}")
    page.fill("input[name=part_number]", "A")
    page.click("#entry-form button[type=submit]")
    page.wait_for_selector("#entry-result [data-sample-id]")
    assert "1.00" in page.inner_text("#entry-result")  # (49 + 50 + 54)/3 - 50 = 1.00
    screen.shot(f"shortrun_entry_stored_{size}")
    screen.close()
