"""The demo plant's charts in a real browser: what the rendered Plotly figures hold.

The server is seeded with ``seed_demo`` (every demo chart type and subgroup mode: a phase I
baseline stored without limits, limits from it, a phase II history through the pipeline).
The tests read ``document.getElementById(...).data`` and ``.layout`` (not pixels) and compare
them with the stored data, dumped from the server's database by ``dump()``. Expected
statistics are computed here from textbook formulas (Montgomery, 7th ed.: standardized
x-bar §6.3.2, EWMA §9.2, tabular CUSUM §9.1). Screenshots of four charts at tablet and
desktop size are kept in docs/img/.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser_support import CHROMIUM, PASSWORD, Screen, manage, require_chromium, serve

pytestmark = pytest.mark.browser

SIZES = {"tablet": {"width": 1024, "height": 768}, "desktop": {"width": 1440, "height": 900}}
SHOWN = {
    "Bore diameter": "xbar_r",
    "Leak rate": "standardized",
    "Spindle temperature": "ewma",
    "Defective units": "p",
}
SECONDARY = {"XBAR_R", "XBAR_S", "I_MR"}
BANDS = {"XBAR_R", "XBAR_S", "I_MR", "P", "NP", "C", "U"}


def seed() -> None:
    """The demo plant with its history, and an engineer who sees it all (run in the
    server's environment through ``manage.py shell``)."""
    from django.contrib.auth.models import User

    from hierarchy.models import SiteGrant
    from hierarchy.roles import ENGINEER, assign_role
    from spc.demo_history import seed_demo_history
    from spc.demo_plant import create_demo_plant

    user = User.objects.create_user("olga", password=PASSWORD)
    assign_role(user, ENGINEER)
    SiteGrant.objects.create(user=user, node=None)
    chars = create_demo_plant()
    seed_demo_history(events=0)
    ids = {c.name: c.pk for c in chars}
    print("SEED" + json.dumps(ids))


def dump(*char_ids: int) -> None:
    """The stored samples (measurements or counts, whether stored with limits) and limit
    sets of characteristics, as JSON by id after ``DUMP``."""
    from spc.models import Characteristic, LimitSet, Sample

    out = {}
    for char in Characteristic.objects.filter(pk__in=char_ids):
        samples = [
            {
                "id": s.pk,
                "values": [m.value for m in s.measurements.all()],
                "count": s.count,
                "size": s.sample_size,
                "judged": s.center_line is not None,
                "ucl": s.ucl,
            }
            for s in Sample.objects.filter(characteristic=char).prefetch_related("measurements")
        ]
        stages = list(
            LimitSet.objects.filter(characteristic=char)
            .order_by("id")
            .values(
                "after_sample_id",
                "center_line",
                "ucl",
                "lcl",
                "sigma",
                "subgroup_size",
                "secondary_ucl",
                "ewma_lambda",
                "ewma_l",
                "cusum_k",
                "cusum_h",
            )
        )
        out[char.pk] = {
            "samples": samples,
            "stages": stages,
            "chart_type": char.chart_type,
            "mode": char.subgroup_mode,
        }
    print("DUMP" + json.dumps(out))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_chromium()
    yield from serve(tmp_path_factory.mktemp("charts"), seeder="tests.test_browser_charts")


@pytest.fixture(scope="module")
def browser(demo: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield instance
        instance.close()


def _stored(server: dict[str, Any], *char_ids: int) -> dict[int, dict[str, Any]]:
    """What the server stored for these characteristics (one ``manage.py shell``)."""
    code = f"from tests.test_browser_charts import dump; dump(*{list(char_ids)!r})"
    out = manage(server["env"], "shell", "-c", code)
    found = json.loads(out.split("DUMP", 1)[1].strip().splitlines()[0])
    return {int(k): v for k, v in found.items()}


def _figure(screen: Screen, char_id: int, query: str = "") -> dict[str, Any]:
    page = screen.open(f"/chars/{char_id}/{query}")
    page.wait_for_selector(f"#chart-{char_id}[data-ready=true]")
    return page.evaluate(
        "id => { const gd = document.getElementById(id);"
        " return {data: gd.data.map(t => ({uid: t.uid, x: Array.from(t.x), y: Array.from(t.y)})),"
        " layout: {shapes: gd.layout.shapes, annotations: gd.layout.annotations,"
        " xaxis: gd.layout.xaxis}}; }",
        f"chart-{char_id}",
    )


def _traces(figure: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["uid"]: t for t in figure["data"]}


def _covered(traces: dict[str, Any], value: str, uids: tuple[str, ...]) -> None:
    """Every plotted point of trace ``value`` has a non-null y on each of ``uids`` at its x."""
    for uid in uids:
        at = dict(zip(traces[uid]["x"], traces[uid]["y"], strict=True))
        for x, y in zip(traces[value]["x"], traces[value]["y"], strict=True):
            if y is not None:
                assert at.get(x) is not None, f"{uid} missing at point {x}"


def test_limits_and_zones_cover_every_point_of_every_demo_chart_in_both_panes(browser, demo):
    screen = Screen(browser, demo, "olga")
    everything = _stored(demo, *demo["ids"].values())
    for name, char_id in demo["ids"].items():
        stored = everything[char_id]
        traces = _traces(_figure(screen, char_id))
        assert traces["value"]["x"] == list(range(1, len(stored["samples"]) + 1)), name
        _covered(traces, "value", ("cl", "ucl", "lcl"))
        if stored["chart_type"] in BANDS:
            _covered(traces, "value", ("band_lcl", "band_c", "band_a_upper"))
        if stored["chart_type"] in SECONDARY:
            _covered(traces, "value2", ("cl2", "ucl2", "lcl2"))
            assert traces["ucl2"]["y"][0] == pytest.approx(stored["stages"][0]["secondary_ucl"])
    screen.close()


def _expected(stored: dict[str, Any]) -> list[float]:
    """The chart's statistic of every stored sample from its measurements and its stage.

    One stage here (the demo's limits from its baseline): the baseline points' EWMA and
    CUSUM run from the first sample; monitoring starts afresh at the first sample judged
    with the limits (the pipeline starts there at mu0 and (0, 0)).
    """
    stage = stored["stages"][0]
    mu, sigma, n = stage["center_line"], stage["sigma"], stage["subgroup_size"]
    out, memory, judged_before = [], None, False
    for sample in stored["samples"]:
        values = sample["values"]
        mean = math.fsum(values) / len(values)
        if sample["judged"] and not judged_before:
            memory, judged_before = None, True
        if stored["chart_type"] == "EWMA":
            lam = stage["ewma_lambda"]
            memory = lam * mean + (1 - lam) * (mu if memory is None else memory)
            out.append(memory)
        elif stored["chart_type"] == "CUSUM":
            k = stage["cusum_k"] * sigma / math.sqrt(n)
            upper, lower = memory or (0.0, 0.0)
            memory = (max(0.0, mean - (mu + k) + upper), max(0.0, (mu - k) - mean + lower))
            out.append(memory[0])
        else:  # STANDARDIZED
            out.append((mean - mu) / (sigma / math.sqrt(len(values))))
    return out


@pytest.mark.parametrize(
    "name", ["Leak rate", "Spindle temperature", "Melt temperature", "Tool wear"]
)
def test_standardized_ewma_and_cusum_points_are_their_statistic(browser, demo, name):
    char_id = demo["ids"][name]
    stored = _stored(demo, char_id)[char_id]
    screen = Screen(browser, demo, "olga")
    traces = _traces(_figure(screen, char_id))
    assert traces["value"]["y"] == pytest.approx(_expected(stored), rel=1e-9, abs=1e-12)
    screen.close()


def test_a_second_recalculation_gives_two_stages_with_a_marker_between(browser, demo):
    char_id = demo["ids"]["Bore diameter"]
    code = (
        "from spc.models import Characteristic; "
        "from spc.pipeline.limit_changes import recalculate_limits; "
        "from spc.pipeline.processing import SubgroupInput, process; "
        f"char = Characteristic.objects.get(pk={char_id}); "
        "recalculate_limits(char, last_n=30, reason='new insert'); "
        "[process(SubgroupInput(char.pk, measurements=(74.001, 74.0, 73.998, 74.002, 74.0))) "
        "for _ in range(3)]"
    )
    manage(demo["env"], "shell", "-c", code)
    stored = _stored(demo, char_id)[char_id]
    old, new = stored["stages"][0], stored["stages"][1]
    screen = Screen(browser, demo, "olga")
    figure = _figure(screen, char_id)
    traces = _traces(figure)
    count = len(stored["samples"])
    assert traces["ucl"]["y"][: count - 3] == pytest.approx([old["ucl"]] * (count - 3))
    assert traces["ucl"]["y"][-3:] == pytest.approx([new["ucl"]] * 3)
    assert traces["ucl2"]["y"][-3:] == pytest.approx([new["secondary_ucl"]] * 3)
    assert traces["ucl2"]["y"][0] == pytest.approx(old["secondary_ucl"])
    assert traces["band_a_upper"]["y"][-1] == pytest.approx(new["ucl"])
    markers = [s for s in figure["layout"]["shapes"] if s.get("name") == "stage"]
    assert [m["x0"] for m in markers] == [count - 3 + 0.5]
    labels = [a["text"] for a in figure["layout"]["annotations"] if a.get("name") == "stage_label"]
    assert labels[0].startswith("Stage 2")
    assert labels[0].endswith("new insert")
    screen.close()


def test_the_sequence_axis_spaces_points_equally_with_times_as_ticks(browser, demo):
    char_id = demo["ids"]["Torque"]
    screen = Screen(browser, demo, "olga")
    figure = _figure(screen, char_id, "?points=25")
    xs = _traces(figure)["value"]["x"]
    assert xs == list(range(1, 26))
    axis = figure["layout"]["xaxis"]
    assert axis["type"] == "linear"
    assert all(":" in text for text in axis["ticktext"])
    timed = _figure(screen, char_id, "?points=25&axis=time")
    assert timed["layout"]["xaxis"]["type"] == "date"
    screen.close()


@pytest.mark.parametrize("size", sorted(SIZES))
def test_screenshots_of_four_charts(browser, demo, size):
    screen = Screen(browser, demo, "olga", viewport=SIZES[size])
    for name, slug in SHOWN.items():
        _figure(screen, demo["ids"][name])
        screen.shot(f"chart_{slug}_{size}", docs=True)
    screen.close()


def test_a_live_point_appends_at_the_next_sequence_position(browser, demo):
    char_id = demo["ids"]["Hole position X"]
    screen = Screen(browser, demo, "olga")
    before = _figure(screen, char_id, "?points=25")
    screen.wait_live()
    assert _traces(before)["value"]["x"][-1] == 25
    # Entered through the page (the embedded server's channel layer is in memory).
    operator = Screen(browser, demo, "olga")
    entry = operator.open(f"/chars/{char_id}/entry/")
    entry.fill("input[data-measurement='0']", "50.001")
    entry.click("#entry-form button[type=submit]")
    entry.wait_for_selector("#entry-result .alert")
    operator.close()
    page = screen.page
    page.wait_for_function(
        "id => { const t = document.getElementById(id).data.find(t => t.uid === 'value');"
        " return t.x[t.x.length - 1] === 26; }",
        arg=f"chart-{char_id}",
        timeout=10000,
    )
    after = page.evaluate(
        "id => { const gd = document.getElementById(id);"
        " return {ucl: gd.data.find(t => t.uid === 'ucl').x.slice(-1)[0],"
        " ucl2: gd.data.find(t => t.uid === 'ucl2').y.slice(-1)[0],"
        " range: gd.layout.xaxis.range}; }",
        f"chart-{char_id}",
    )
    assert after["ucl"] == 26
    assert after["ucl2"] is not None
    assert after["range"][1] == 26.5
    screen.close()
