"""A crossed gauge study in a real browser (issue 29): two operators each enter their
readings on the tablet grid in their own randomised run order, an engineer opens the
results (verdict, tables and the Plotly six-pack), completes the study, and the
characteristic's chart page then shows the gauge's verdict. Screenshots at tablet
(1024 × 768) and desktop size go to test-results/screenshots/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser_support import CHROMIUM, PASSWORD, Screen, require_chromium, serve

pytestmark = pytest.mark.browser

SIZES = {"tablet": {"width": 1024, "height": 768}, "desktop": {"width": 1440, "height": 900}}
OPERATORS = ("olga", "otto")
PARTS, TRIALS = 5, 2


def reading(operator: str, part: int, trial: int) -> str:
    """A reading with clear part-to-part spread, a small operator offset and some noise."""
    noise = 0.01 * (1 if trial == 1 else -1) * ((part % 3) + 1) / 3
    return f"{10 + 0.5 * part + (0.02 if operator == 'otto' else 0.0) + noise:.3f}"


def seed() -> None:
    """Two operators, an engineer, a gauge on a characteristic and a 5 × 2 × 2 study."""
    from django.contrib.auth.models import User

    from hierarchy.models import SiteGrant
    from hierarchy.roles import ENGINEER, OPERATOR, assign_role
    from msa.models import GaugeStudy
    from msa.tests.factories import GaugeFactory
    from spc.tests.factories import CharacteristicFactory

    for name, role in (("olga", OPERATOR), ("otto", OPERATOR), ("elena", ENGINEER)):
        user = User.objects.create_user(name, password=PASSWORD)
        assign_role(user, role)
        SiteGrant.objects.create(user=user, node=None)
    gauge = GaugeFactory(code="MIC-7", name="Bore micrometer")
    char = CharacteristicFactory(name="Bore Ø", unit="mm", gauge=gauge, lsl=9.0, usl=14.0)
    study = GaugeStudy.objects.create(
        gauge=gauge, characteristic=char, name="Bore R&R", parts=PARTS, trials=TRIALS,
        operators=list(OPERATORS), tolerance=5.0,
    )  # fmt: skip
    from msa.models import StudyMeasurement
    from msa.tests.core.reference_data import AIAG_LINEARITY
    from msa.tests.factories import fill

    linearity = GaugeStudy.objects.create(
        gauge=gauge, name="Linearity (AIAG)", kind="LINEARITY", parts=5, trials=12,
        operators=["olga"], part_references={str(i): r for i, r in enumerate(AIAG_LINEARITY, 1)},
    )  # fmt: skip
    fill(linearity, [(i, "olga", v) for i, vs in enumerate(AIAG_LINEARITY.values(), 1) for v in vs])
    attribute = GaugeStudy.objects.create(
        gauge=gauge, name="Visual check", kind="ATTRIBUTE", parts=4, trials=2,
        operators=list(OPERATORS), standard={"1": "G", "2": "G", "3": "B", "4": "B"},
    )  # fmt: skip
    ratings = {"olga": "GGGGBGBB", "otto": "GGBBBBBB"}
    StudyMeasurement.objects.bulk_create(
        StudyMeasurement(study=attribute, operator=op, part=i // 2 + 1, trial=i % 2 + 1, rating=r)
        for op, text in ratings.items()
        for i, r in enumerate(text)
    )
    ids = {"study": study.pk, "char": char.pk, "linearity": linearity.pk, "attribute": attribute.pk}
    print("SEED" + json.dumps(ids))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_chromium()
    yield from serve(tmp_path_factory.mktemp("msa"), seeder="tests.test_browser_msa")


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield instance
        instance.close()


def _enter(browser: Any, server: dict[str, Any], operator: str) -> list[str]:
    """The operator fills the grid in the order shown and saves; returns that order."""
    screen = Screen(browser, server, operator, viewport=SIZES["tablet"])
    page = screen.open(f"/msa/studies/{server['ids']['study']}/entry/")
    assert f"readings of {operator}" in page.inner_text("h1")
    cells = page.locator(".msa-grid input[name^=r-]")
    assert cells.count() == PARTS * TRIALS
    order = [cells.nth(i).get_attribute("name") or "" for i in range(cells.count())]
    for name in order:
        _, part, trial = name.split("-")
        page.fill(f"input[name='{name}']", reading(operator, int(part), int(trial)))
    if operator == "olga":
        screen.shot("msa_entry_tablet")
    page.click("#msa-entry-form button[type=submit]")
    page.wait_for_selector("#operator-done")
    screen.close()
    return order


def test_two_operators_enter_a_crossed_study_and_the_engineer_sees_the_verdict(
    browser: Any, server: dict[str, Any]
) -> None:
    orders = [_enter(browser, server, operator) for operator in OPERATORS]
    assert sorted(orders[0]) == sorted(orders[1])
    assert orders[0] != orders[1]  # each operator has their own randomised order

    screen = Screen(browser, server, "elena", viewport=SIZES["tablet"])
    page = screen.open(f"/msa/studies/{server['ids']['study']}/")
    verdict = page.wait_for_selector("#study-verdict")
    assert "%GRR" in verdict.inner_text()
    for figure in ("components", "r-chart", "xbar-chart", "by-part", "by-operator", "interaction"):
        page.wait_for_selector(f"#{figure} .main-svg")
    assert "20 of 20 readings" in page.inner_text("main")
    screen.shot("msa_results_tablet")
    page.click("#complete-study")
    page.wait_for_selector(".messages :text('Study completed')")
    stored = page.inner_text("#study-verdict .verdict-headline")
    assert "provisional" not in stored

    page = screen.open(f"/chars/{server['ids']['char']}/")
    status = page.wait_for_selector("#gauge-status")
    assert "MIC-7" in status.inner_text()
    assert stored.split(" · ")[0].lower() in status.inner_text()
    screen.shot("msa_chart_gauge_status")
    screen.close()

    desktop = Screen(browser, server, "elena", viewport=SIZES["desktop"])
    page = desktop.open(f"/msa/studies/{server['ids']['study']}/")
    page.wait_for_selector("#interaction .main-svg")
    desktop.shot("msa_results_desktop")
    desktop.open("/msa/")
    desktop.shot("msa_index_desktop")
    desktop.close()


def test_linearity_and_attribute_results_draw_their_charts(
    browser: Any, server: dict[str, Any]
) -> None:
    screen = Screen(browser, server, "olga", viewport=SIZES["tablet"])
    page = screen.open(f"/msa/studies/{server['ids']['linearity']}/")
    page.wait_for_selector("#linearity .main-svg")
    assert "-0.131667" in page.inner_text("#linearity-table")  # AIAG / Minitab GAGELIN slope
    screen.shot("msa_linearity_tablet")
    page = screen.open(f"/msa/studies/{server['ids']['attribute']}/")
    page.wait_for_selector("#attribute .main-svg")
    assert "Within appraiser" in page.inner_text("#attribute-table")
    screen.shot("msa_attribute_tablet")
    screen.close()
