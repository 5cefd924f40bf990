"""Numbers on the pages say what they are (issue 26 point 3) and the chart's x axis is the
subgroup order by default, with a window of the last 25/50/100/500 points (point 8)."""

from __future__ import annotations

import json
import math

import pytest

from spc.live.fragments import LiveView
from spc.live.renderers import render_sample_processed
from spc.models import Characteristic, LimitSet
from spc.pipeline.processing import SubgroupInput, process
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db

# Issue 26: "Leak rate" (STANDARDIZED), x-bar 2.05314, CL 2.001861, sigma 0.104237, n 5.
CL, SIGMA = 2.001861, 0.104237
LEAK = (2.05314, 2.05314, 2.05314, 2.05314, 2.05314)
Z = (2.05314 - CL) / (SIGMA / math.sqrt(5))  # 1.10


@pytest.fixture
def leak_rate(db) -> Characteristic:
    half = 3 * SIGMA / math.sqrt(5)
    limits = {"center_line": CL, "ucl": CL + half, "lcl": CL - half, "sigma": SIGMA}
    char: Characteristic = CharacteristicFactory.create(
        name="Leak rate",
        unit="ml/min",
        chart_type="XBAR_S",
        subgroup_size=5,
        subgroup_mode="STANDARDIZED",
        min_measurements=2,
        **limits,
    )
    LimitSet.objects.create(characteristic=char, method="MANUAL", subgroup_size=5, **limits)
    return char


def test_leak_rate_card_and_header_show_the_mean_in_ml_per_min_and_z_labelled(
    client, operator, leak_rate
):
    process(SubgroupInput(characteristic_id=leak_rate.pk, measurements=LEAK))
    client.force_login(operator)
    card = client.get(f"/nodes/{leak_rate.hierarchy_id}/").content.decode()
    assert "2.053 <small>ml/min</small>" in card
    assert f"z = {Z:.2f}" in card
    assert "z = 1.10" in card
    page = client.get(f"/chars/{leak_rate.pk}/").content.decode()
    assert 'x̄ = 2.053 ml/min</strong> · <span class="statistic">z = 1.10</span>' in page


def test_live_card_and_toast_label_the_tool_wear_statistic_as_c_plus(db):
    char = CharacteristicFactory(
        name="Tool wear",
        unit="mm",
        chart_type="CUSUM",
        decimal_places=3,
        center_line=0.2,
        ucl=0.05,
        lcl=-0.05,
        sigma=0.01,
    )
    for _ in range(8):
        result = process(SubgroupInput(characteristic_id=char.pk, measurements=(0.26,)))
    html = render_sample_processed(result.event, LiveView(char_id=char.pk, node_id=1))
    assert "x = 0.260 <small>mm</small>" not in html  # the label sits apart from the number
    assert "0.260 <small>mm</small>" in html
    assert "C⁺ = " in html
    assert "C⁻ = 0.000 mm" in html
    assert 'class="toast"' in html
    assert "x = 0.260 mm, C⁺ = " in html


def test_attribute_cards_show_counts_without_decimals_and_proportions_as_percent(client, operator):
    p_chart = CharacteristicFactory(chart_type="P", subgroup_size=100, name="Defective units")
    np_chart = CharacteristicFactory(
        chart_type="NP",
        subgroup_size=200,
        name="Short shots",
        unit="parts",
        hierarchy=p_chart.hierarchy,
    )
    process(SubgroupInput(characteristic_id=p_chart.pk, count=4.0, sample_size=100.0))
    process(SubgroupInput(characteristic_id=np_chart.pk, count=3.0, sample_size=200.0))
    client.force_login(operator)
    html = client.get(f"/nodes/{p_chart.hierarchy_id}/").content.decode()
    assert '<small class="value-label">p</small> 4.0 <small>%</small>' in html
    assert '<small class="value-label">np</small> 3 <small>parts</small>' in html


def test_the_chart_spaces_points_by_order_and_shows_the_last_25(client, operator, leak_rate):
    for _ in range(30):
        process(SubgroupInput(characteristic_id=leak_rate.pk, measurements=LEAK))
    client.force_login(operator)
    figure = client.get(f"/chars/{leak_rate.pk}/figure/?points=25").json()
    value = next(t for t in figure["data"] if t["uid"] == "value")
    assert value["x"] == list(range(1, 26))
    assert value["y"] == pytest.approx([Z] * 25)
    assert figure["layout"]["xaxis"]["type"] == "linear"
    assert len(figure["layout"]["xaxis2"]["ticktext"]) <= 8
    timed = client.get(f"/chars/{leak_rate.pk}/figure/?points=25&axis=time").json()
    assert timed["layout"]["xaxis"]["type"] == "date"
    page = client.get(f"/chars/{leak_rate.pk}/?points=50").content.decode()
    assert 'data-axis="sequence"' in page
    assert 'data-max-points="50"' in page
    assert '<option value="25">last 25</option>' in page


def test_a_live_point_carries_its_stage_limits_for_both_panes(db):
    char = CharacteristicFactory(
        chart_type="XBAR_R",
        subgroup_size=3,
        min_measurements=2,
        center_line=10.0,
        ucl=11.0,
        lcl=9.0,
        sigma=1.0,
        secondary_center_line=1.7,
        secondary_ucl=4.4,
        secondary_lcl=0.0,
    )
    result = process(SubgroupInput(characteristic_id=char.pk, measurements=(10.0, 10.5, 9.8)))
    html = render_sample_processed(result.event, LiveView(char_id=char.pk))
    raw = html.split('data-extension="', 1)[1].split('"', 1)[0]
    extension = json.loads(raw.replace("&quot;", '"'))
    assert extension["ucl2"]["y"] == [4.4]
    assert extension["band_a_upper"]["y"] == [11.0]
