"""The non-normal capability page in a real browser: distribution chooser, fit table,
percentile indices and the Weibull probability plot, checked against the stored values
with scipy.stats as the oracle. Screenshots at tablet (1024×768) and desktop (1440×900)
size go to test-results/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from scipy import stats

from tests.browser_support import CHROMIUM, PASSWORD, Screen, manage, require_chromium, serve

pytestmark = pytest.mark.browser

SIZES = {"tablet": {"width": 1024, "height": 768}, "desktop": {"width": 1440, "height": 900}}
PANELS = ("control-chart", "capability-chart", "probability-chart")


def seed() -> None:
    """A small plant with a skewed, one-sided characteristic (runout, 60 Weibull values)
    and a QA manager (run in the server's environment through ``manage.py shell``)."""
    from datetime import UTC, datetime, timedelta

    from django.contrib.auth.models import User

    from hierarchy.models import SiteGrant
    from hierarchy.roles import QA_MANAGER, assign_role
    from hierarchy.tests.factories import build_plant
    from spc.tests.factories import CharacteristicFactory
    from spc.tests.reports.conftest import add_sample

    user = User.objects.create_user("quinn", password=PASSWORD)
    assign_role(user, QA_MANAGER)
    SiteGrant.objects.create(user=user, node=None)
    plant = build_plant()
    char = CharacteristicFactory(
        hierarchy=plant["cell"], name="Runout", usl=0.15, lsl=None, unit="mm",
        decimal_places=4,
    )  # fmt: skip
    start = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
    values = np.round(np.random.default_rng(11).weibull(1.6, 60) * 0.03, 5)
    for i, value in enumerate(values):
        add_sample(char, [float(value)], start + timedelta(hours=i))
    print("SEED" + json.dumps({"Runout": char.pk}))


def dump(char_id: int) -> None:
    """The included measurement values of a characteristic, as JSON after ``DUMP``."""
    from spc.models import Measurement

    values = list(
        Measurement.objects.filter(sample__characteristic_id=char_id, sample__is_excluded=False)
        .order_by("sample_id", "position")
        .values_list("value", flat=True)
    )
    print("DUMP" + json.dumps(values))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_chromium()
    yield from serve(
        tmp_path_factory.mktemp("nonnormal"), seeder="tests.test_browser_capability_nonnormal"
    )


@pytest.fixture(scope="module")
def browser(demo: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield instance
        instance.close()


def _values(demo: dict[str, Any], char_id: int) -> np.ndarray:
    code = f"from tests.test_browser_capability_nonnormal import dump; dump({char_id})"
    out = manage(demo["env"], "shell", "-c", code)
    return np.array(json.loads(out.split("DUMP", 1)[1].strip().splitlines()[0]))


def _open(screen: Screen, char_id: int, query: str) -> Any:
    page = screen.open(f"/reports/capability/{char_id}/{query}")
    for panel in PANELS:
        page.wait_for_selector(f"#{panel} .main-svg", state="attached")
    return page


def test_weibull_choice_shows_scipys_numbers(browser: Any, demo: dict[str, Any]) -> None:
    char_id = demo["ids"]["Runout"]
    values = _values(demo, char_id)
    c, _, scale = stats.weibull_min.fit(values, floc=0)
    dist = stats.weibull_min(c, scale=scale)
    median, high = dist.ppf([0.5, 0.99865])
    screen = Screen(browser, demo, "quinn", viewport=SIZES["desktop"])
    page = _open(screen, char_id, "?distribution=weibull")
    text = page.inner_text(f"#percentile-{char_id}")
    assert f"{(0.15 - median) / (high - median):.2f}" in text  # Ppk, percentile method
    assert f"{median:,.5f} mm" in text  # the median with 4 decimals + 1
    assert f"{1e6 * dist.sf(0.15):,.1f}" in text  # expected PPM above the USL
    fits = page.inner_text(f"#fits-{char_id}")
    assert f"shape {c:.4g}, scale {scale:.4g}" in fits
    assert "best fit" in fits
    axis = page.evaluate("() => document.getElementById('probability-chart').layout.xaxis.type")
    assert axis == "log"
    assert page.locator("select[name=distribution]").input_value() == "weibull"
    screen.close()


@pytest.mark.parametrize("size", sorted(SIZES))
def test_nonnormal_page_screenshots(browser: Any, demo: dict[str, Any], size: str) -> None:
    screen = Screen(browser, demo, "quinn", viewport=SIZES[size])
    page = _open(screen, demo["ids"]["Runout"], "?distribution=weibull")
    width = SIZES[size]["width"]
    for panel in (*PANELS, f"fits-{demo['ids']['Runout']}"):
        box = page.locator(f"#{panel}").bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= width
    # The fit table and the percentile block do not overlap (side by side or stacked).
    fits = page.locator(f"#fits-{demo['ids']['Runout']} table.fits").bounding_box()
    block = page.locator(f"#percentile-{demo['ids']['Runout']}").bounding_box()
    assert fits is not None
    assert block is not None
    apart = block["x"] >= fits["x"] + fits["width"] or block["y"] >= fits["y"] + fits["height"]
    assert apart
    screen.shot(f"capability_nonnormal_{size}")
    screen.close()
