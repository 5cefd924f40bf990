"""Sample entry: inputs sized to the subgroup, the spec check, and the result at once."""

from __future__ import annotations

import pytest

from alerts.models import Violation
from spc.models import Sample
from spc.tests.factories import CharacteristicFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def xbar(db):
    """X̄-R, n = 4, at least 3 values, spec 9 … 11, limits 10 ± 1.5."""
    return CharacteristicFactory(
        chart_type="XBAR_R",
        subgroup_size=4,
        min_measurements=3,
        usl=11.0,
        lsl=9.0,
        center_line=10.0,
        ucl=11.5,
        lcl=8.5,
        sigma=1.0,
    )


def test_entry_form_has_one_decimal_keypad_input_per_subgroup_value(client, operator, xbar):
    client.force_login(operator)
    html = client.get(f"/chars/{xbar.pk}/entry/").content.decode()
    assert html.count('inputmode="decimal"') == 4
    assert html.count("data-measurement=") == 4
    assert html.count("required") >= 3


def test_attribute_entry_asks_for_count_and_sample_size(client, operator):
    p_chart = CharacteristicFactory(chart_type="P")
    client.force_login(operator)
    html = client.get(f"/chars/{p_chart.pk}/entry/").content.decode()
    assert 'name="count"' in html
    assert 'name="sample_size"' in html


def test_spec_check_warns_about_each_value_outside_the_spec(client, operator, xbar):
    client.force_login(operator)
    response = client.post(
        f"/chars/{xbar.pk}/entry/check/",
        {"m0": "10", "m1": "11,2", "m2": "8.5", "m3": ""},
        **HTMX,
    )
    html = response.content.decode()
    assert "Value 2: 11.200 is above USL 11.000" in html
    assert "Value 3: 8.500 is below LSL 9.000" in html
    assert 'data-out-of-spec="1,2"' in html


def test_spec_check_is_quiet_inside_the_spec_and_on_the_limit(client, operator, xbar):
    client.force_login(operator)
    html = client.post(
        f"/chars/{xbar.pk}/entry/check/", {"m0": "11", "m1": "9", "m2": "10"}, **HTMX
    ).content.decode()
    assert "Outside" not in html


def test_submit_stores_through_the_pipeline_and_shows_rules_fired(client, operator, xbar):
    client.force_login(operator)
    response = client.post(
        f"/chars/{xbar.pk}/entry/",
        {
            "m0": "13",
            "m1": "13",
            "m2": "13",
            "m3": "13",
            "batch_number": "B1",
            "confirm_out_of_spec": "on",  # 13 is above USL 11 (issue 27: confirmed)
        },
        **HTMX,
    )
    html = response.content.decode()
    sample = Sample.objects.get(characteristic=xbar)
    assert sample.created_by == operator
    assert sample.operator == operator.username
    assert sample.batch_number == "B1"
    assert f"Stored sample #{sample.pk}" in html
    assert "Rule 1" in html
    assert response["HX-Trigger"] == "entry-stored"
    assert Violation.objects.filter(sample=sample, rule=1).exists()


def test_submit_with_too_few_values_is_refused_with_a_message(client, operator, xbar):
    client.force_login(operator)
    html = client.post(f"/chars/{xbar.pk}/entry/", {"m0": "10", "m1": "10"}, **HTMX)
    assert "Not stored" in html.content.decode()
    assert not Sample.objects.exists()


def test_submit_rejects_text_that_is_not_a_number(client, operator, xbar):
    client.force_login(operator)
    html = client.post(
        f"/chars/{xbar.pk}/entry/", {"m0": "10", "m1": "ten", "m2": "10"}, **HTMX
    ).content.decode()
    assert "is not a number" in html
    assert not Sample.objects.exists()


def test_plain_post_without_htmx_renders_the_page_with_the_result(client, operator, xbar):
    client.force_login(operator)
    html = client.post(
        f"/chars/{xbar.pk}/entry/", {"m0": "10", "m1": "10.2", "m2": "9.9"}
    ).content.decode()
    assert "<html" in html
    assert "No rules fired" in html
