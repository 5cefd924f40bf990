"""The import page in a real browser (issue 22): an engineer uploads a semicolon CSV with a
decimal comma and a bad row, sees the guessed mapping, the first rows and the problem in
plain words before anything is stored, imports, and watches the job finish. Screenshots at
tablet (1024 × 768) and desktop size go to test-results/screenshots/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import CHROMIUM, PASSWORD, Screen, require_chromium, serve

pytestmark = pytest.mark.browser

SIZES = {"tablet": {"width": 1024, "height": 768}, "desktop": {"width": 1440, "height": 900}}
CSV = (
    "Time;Characteristic;x1;x2;x3;Batch\n"
    "01.03.2026 08:00;Bore diameter;10,1;9,9;10,0;A1\n"
    "01.03.2026 08:10;Bore diameter;10,2;9,8;10,1;A1\n"
    "01.03.2026 08:20;Bore diameter;13,0;12,8;13,1;A2\n"
    "01.03.2026 08:30;Bore diameter;10,0;1O,1;9,9;A2\n"
    "01.03.2026 08:40;Bore diameter;10,0;10,1;9,9;A3\n"
)


def seed() -> None:
    """An engineer and an X̄-R characteristic with limits."""
    from django.contrib.auth.models import User

    from hierarchy.models import SiteGrant
    from hierarchy.roles import ENGINEER, assign_role
    from spc.tests.factories import CharacteristicFactory

    user = User.objects.create_user("elena", password=PASSWORD)
    assign_role(user, ENGINEER)
    SiteGrant.objects.create(user=user, node=None)
    char = CharacteristicFactory(
        name="Bore diameter", chart_type="XBAR_R", subgroup_size=3, min_measurements=2,
        center_line=10.0, ucl=11.5, lcl=8.5, sigma=0.866,
        secondary_center_line=1.5, secondary_ucl=3.9, secondary_lcl=0.0,
    )  # fmt: skip
    print("SEED" + json.dumps({"char": char.pk}))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_chromium()
    yield from serve(tmp_path_factory.mktemp("imports"), seeder="tests.test_browser_imports")


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield instance
        instance.close()


@pytest.mark.parametrize("size", ["tablet", "desktop"])
def test_upload_preview_and_import(
    browser: Any, server: dict[str, Any], size: str, tmp_path: Path
) -> None:
    upload = tmp_path / f"bore-{size}.csv"
    upload.write_text(CSV)
    screen = Screen(browser, server, "elena", viewport=SIZES[size])
    page = screen.open("/imports/")
    page.set_input_files("#id_file", str(upload))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#mapping-form")
    # The guess: time and characteristic columns by name, the rest as measurements.
    assert page.input_value("#id_timestamp_column") == "Time"
    assert page.input_value("#id_characteristic_column") == "Characteristic"
    assert page.input_value("#id_batch_column") == "Batch"
    page.click("button[value=preview]")
    page.wait_for_selector("#preview-rows")
    problems = page.inner_text("#problem-rows")
    assert "x2" in problems
    assert "'1O,1' is not a number." in problems
    assert "Import 4 subgroups, skip 1 bad row" in page.inner_text("#start-import")
    screen.shot(f"import_preview_{size}")
    page.click("#start-import")
    page.wait_for_selector("#import-progress :text('Done')")
    stored = int(page.inner_text("#import-stored"))
    replayed = int(page.inner_text("#import-replayed"))
    # Whichever size runs second uploads the same file again: it stores nothing.
    assert (stored, replayed) in ((4, 0), (0, 4))
    screen.shot(f"import_done_{size}")
    screen.close()
