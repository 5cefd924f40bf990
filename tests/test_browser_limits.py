"""The Laney p′ chart and Montgomery's variable-n X̄-S chart in a real browser: the drawn
limits are the published ones, and screenshots at tablet and desktop size.

Expected numbers: Laney p′ from Laney (2002) / Minitab's formulas on the hand-worked
baseline of spc/tests/core/test_laney.py (p-bar = 0.1, sigma_Z = (7/3)/1.128); X̄-S from
Montgomery's Example 6.4 (x-double-bar = 74.001, s-bar = 0.0103, A3(3) = 1.954,
A3(5) = 1.427, B4(3) = 2.568, B4(5) = 2.089).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser_support import CHROMIUM, PASSWORD, Screen, require_chromium, serve

pytestmark = pytest.mark.browser
SIZES = {"tablet": {"width": 1024, "height": 768}, "desktop": {"width": 1440, "height": 900}}
LANEY = ((13, 100), (72, 900), (7, 100), (108, 900))
SIGMA_Z = (7 / 3) / 1.128


def seed() -> None:
    """A p′ and a variable-n X̄-S characteristic with their baselines and limits."""
    from django.contrib.auth.models import User

    from hierarchy.models import SiteGrant
    from hierarchy.roles import ENGINEER, assign_role
    from spc.pipeline.inputs import SubgroupInput
    from spc.pipeline.limit_changes import recalculate_limits
    from spc.pipeline.processing import process_many
    from spc.tests.core.test_variable_n_montgomery import TABLE_6_4
    from spc.tests.factories import CharacteristicFactory

    user = User.objects.create_user("olga", password=PASSWORD)
    assign_role(user, ENGINEER)
    SiteGrant.objects.create(user=user, node=None)
    laney = CharacteristicFactory.create(
        name="Calls not put through", chart_type="P_LANEY", subgroup_size=100, unit=""
    )
    rings = CharacteristicFactory.create(
        name="Piston ring diameter",
        chart_type="XBAR_S",
        subgroup_size=5,
        min_measurements=2,
        subgroup_mode="VARIABLE_LIMITS",
        variable_n_method="MONTGOMERY",
        unit="mm",
        decimal_places=4,
    )
    items = [SubgroupInput(laney.pk, count=c, sample_size=n) for c, n in LANEY * 3]
    items += [SubgroupInput(rings.pk, measurements=g) for g in TABLE_6_4]
    process_many(items)
    recalculate_limits(laney, last_n=4, evaluate_baseline=True, reason="baseline")
    recalculate_limits(rings, last_n=25, evaluate_baseline=True, reason="Example 6.4")
    print("SEED" + json.dumps({"laney": laney.pk, "rings": rings.pk}))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_chromium()
    yield from serve(tmp_path_factory.mktemp("limits"), seeder="tests.test_browser_limits")


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield instance
        instance.close()


def _figure(screen: Screen, char_id: int) -> dict[str, Any]:
    page = screen.open(f"/chars/{char_id}/")
    page.wait_for_selector(f"#chart-{char_id}[data-ready=true]")
    return page.evaluate(
        "id => { const gd = document.getElementById(id);"
        " return {data: gd.data.map(t => ({uid: t.uid, y: Array.from(t.y)})),"
        " annotations: gd.layout.annotations.map(a => a.text)}; }",
        f"chart-{char_id}",
    )


@pytest.mark.parametrize("size", SIZES)
def test_laney_p_prime_chart_draws_the_published_limits(browser, server, size):
    char_id = server["ids"]["laney"]
    screen = Screen(browser, server, "olga", viewport=SIZES[size])
    figure = _figure(screen, char_id)
    traces = {t["uid"]: t["y"] for t in figure["data"]}
    # Points alternate n = 100, 900: UCL 0.1 + 3(0.03)σ_Z and 0.1 + 3(0.01)σ_Z.
    assert traces["ucl"][0] == pytest.approx(0.1 + 0.09 * SIGMA_Z)
    assert traces["ucl"][1] == pytest.approx(0.1 + 0.03 * SIGMA_Z)
    assert traces["lcl"][1] == pytest.approx(0.1 - 0.03 * SIGMA_Z)
    assert traces["value"][:4] == pytest.approx([0.13, 0.08, 0.07, 0.12])
    assert f"Laney σ_Z = {SIGMA_Z:.3f}" in figure["annotations"]
    screen.shot(f"laney_p_prime_{size}")
    screen.close()


@pytest.mark.parametrize("size", SIZES)
def test_variable_n_x_bar_s_chart_draws_example_6_4(browser, server, size):
    char_id = server["ids"]["rings"]
    screen = Screen(browser, server, "olga", viewport=SIZES[size])
    traces = {t["uid"]: t["y"] for t in _figure(screen, char_id)["data"]}
    # Sample 1 has n = 5, sample 2 n = 3 (Table 6.4).
    assert traces["ucl"][0] == pytest.approx(74.001 + 1.427 * 0.0103, abs=1e-3)
    assert traces["ucl"][1] == pytest.approx(74.001 + 1.954 * 0.0103, abs=1e-3)
    assert traces["ucl2"][0] == pytest.approx(2.089 * 0.0103, abs=1.5e-4)
    assert traces["ucl2"][1] == pytest.approx(2.568 * 0.0103, abs=1.5e-4)
    screen.shot(f"variable_n_xbar_s_{size}")
    screen.close()
