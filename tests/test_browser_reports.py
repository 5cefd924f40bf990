"""The QA manager's capability six-pack in a real browser, on the demo plant.

The server is seeded with the demo plant and its history (``seed_demo``'s special causes
included) and a QA manager. The tests read the drawn Plotly figures and the page text and
compare them with the stored measurements, dumped from the server's database by
``dump()`` and worked here from the textbook formulas (mean, s with n − 1, observed PPM
by counting). Screenshots of the six-pack at tablet (1024×768) and desktop (1440×900)
size are kept in docs/img/.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser_support import (
    CHROMIUM,
    DOCS_IMG,
    PASSWORD,
    Screen,
    manage,
    require_chromium,
    serve,
)

pytestmark = pytest.mark.browser

SIZES = {"tablet": {"width": 1024, "height": 768}, "desktop": {"width": 1440, "height": 900}}
PANELS = ("control-chart", "capability-chart", "probability-chart")


def seed() -> None:
    """The demo plant with its history and special causes, and a QA manager who sees it
    all (run in the server's environment through ``manage.py shell``)."""
    from django.contrib.auth.models import User

    from hierarchy.models import SiteGrant
    from hierarchy.roles import QA_MANAGER, assign_role
    from spc.demo_history import seed_demo_history
    from spc.demo_plant import create_demo_plant

    user = User.objects.create_user("quinn", password=PASSWORD)
    assign_role(user, QA_MANAGER)
    SiteGrant.objects.create(user=user, node=None)
    chars = create_demo_plant()
    seed_demo_history()
    print("SEED" + json.dumps({c.name: c.pk for c in chars}))


def dump(char_id: int) -> None:
    """The included measurements, the spec limits and the open violations of a
    characteristic, as JSON after ``DUMP``."""
    from alerts.models import Violation
    from spc.models import Characteristic, Measurement

    char = Characteristic.objects.get(pk=char_id)
    values = list(
        Measurement.objects.filter(sample__characteristic=char, sample__is_excluded=False)
        .order_by("sample_id", "position")
        .values_list("value", flat=True)
    )
    open_violations = Violation.objects.filter(
        characteristic=char, acknowledged_at__isnull=True, sample__is_excluded=False
    ).count()
    out = {"values": values, "usl": char.usl, "lsl": char.lsl, "open": open_violations}
    print("DUMP" + json.dumps(out))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_chromium()
    yield from serve(tmp_path_factory.mktemp("reports"), seeder="tests.test_browser_reports")


@pytest.fixture(scope="module")
def browser(demo: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield instance
        instance.close()


def _stored(demo: dict[str, Any], char_id: int) -> dict[str, Any]:
    out = manage(
        demo["env"], "shell", "-c", f"from tests.test_browser_reports import dump; dump({char_id})"
    )
    return dict(json.loads(out.split("DUMP", 1)[1].strip().splitlines()[0]))


def _open_six_pack(screen: Screen, char_id: int) -> Any:
    page = screen.open(f"/reports/capability/{char_id}/")
    for panel in PANELS:  # each figure drawn by Plotly (its svg is in the page)
        page.wait_for_selector(f"#{panel} .main-svg", state="attached")
    return page


def test_six_pack_numbers_match_the_stored_measurements(browser: Any, demo: dict[str, Any]) -> None:
    char_id = demo["ids"]["Bore diameter"]
    stored = _stored(demo, char_id)
    values = stored["values"]
    n = len(values)
    mean = math.fsum(values) / n
    s = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    outside = sum(v < stored["lsl"] or v > stored["usl"] for v in values)
    screen = Screen(browser, demo, "quinn", viewport=SIZES["tablet"])
    page = _open_six_pack(screen, char_id)
    text = page.inner_text(f"#capability-{char_id}")
    assert f"{n:,} values from" in text
    assert f"{mean:,.5f} mm" in text  # the mean with the characteristic's 4 decimals + 1
    assert f"{s:,.6f} mm" in text  # σ overall with 4 + 2
    assert f"Observed: {outside} of {n} values outside the specification" in text
    if stored["open"]:  # the demo's special causes leave open violations on Bore diameter
        assert "Indices not meaningful: process not in statistical control" in text
        assert f"{stored['open']} open violation" in text
        assert "Capable (" not in text
    drawn = page.evaluate("() => document.getElementById('capability-chart').data.map(t => t.name)")
    assert drawn == ["Values per bin", "Normal, σ overall", "Normal, σ within"]
    counts = page.evaluate("() => document.getElementById('capability-chart').data[0].y")
    assert sum(counts) == n
    points = page.evaluate("() => document.getElementById('probability-chart').data[0].x.length")
    assert points == min(n, 400)
    screen.close()


@pytest.mark.parametrize("size", sorted(SIZES))
def test_six_pack_screenshots(browser: Any, demo: dict[str, Any], size: str) -> None:
    screen = Screen(browser, demo, "quinn", viewport=SIZES[size])
    page = _open_six_pack(screen, demo["ids"]["Bore diameter"])
    # Every panel sits inside the viewport's width: nothing is cut off on a tablet.
    width = SIZES[size]["width"]
    for panel in PANELS:
        box = page.locator(f"#{panel}").bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= width
    screen.shot(f"capability_sixpack_{size}", docs=True)
    screen.close()


def render_report(path: str) -> None:
    """The whole plant's PDF report written to ``path`` (run in the server's environment)."""
    from pathlib import Path

    from spc.reports import pdf
    from spc.reports.scope import scope_from_params

    Path(path).write_bytes(pdf.render_pdf(scope_from_params({})))
    print("WROTE")


def test_pdf_report_of_the_demo_plant_leads_with_a_control_chart(
    demo: dict[str, Any], tmp_path: Any
) -> None:
    import shutil
    import subprocess

    from pypdf import PdfReader

    target = tmp_path / "report.pdf"
    code = f"from tests.test_browser_reports import render_report; render_report({str(target)!r})"
    assert "WROTE" in manage(demo["env"], "shell", "-c", code)
    first = PdfReader(str(target)).pages[0].extract_text()
    assert "Control chart: X̄ and R" in first  # Bore diameter, the plant's first
    assert "Subgroups in order" in first
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm (poppler-utils) is missing; run scripts/system_packages.sh")
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [pdftoppm, "-r", "80", "-f", "1", "-l", "1", "-png", "-singlefile", str(target),
         str(DOCS_IMG / "report_pdf_page1")],
        check=True, timeout=120,
    )  # fmt: skip
    assert (DOCS_IMG / "report_pdf_page1.png").stat().st_size > 10_000
