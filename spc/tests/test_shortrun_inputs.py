"""Short-run charts through every Django entry point: the pipeline, the entry form, REST
single and bulk, the part-table API, limit recalculation and the chart data.

Data: Montgomery, Introduction to Statistical Quality Control, 6th ed., Table 10.1 (parts
A, T = 50, and B, T = 25, n = 3; see ``spc/tests/core/test_shortrun.py``): the DNOM chart
plots the deviations' means 1.00, 0.00, -0.33, ... and the text's limits are
x-double-bar +/- A2 R-bar = 0.17 +/- 1.023 x 2.7.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from audit.models import AuditEntry
from spc.core.errors import InputError
from spc.models import Characteristic, PartTarget, Sample
from spc.pipeline.limit_changes import recalculate_limits
from spc.pipeline.parts import UnknownPart
from spc.pipeline.processing import SubgroupInput, process, process_many
from spc.pipeline.windows import windows
from spc.tests.core.test_shortrun import PRINTED_XBAR, TABLE_10_1
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def dnom() -> Characteristic:
    """Montgomery's machine: a DNOM characteristic with n = 3 and parts A and B."""
    windows.clear()
    char = CharacteristicFactory.create(
        name="Bore", chart_type="DNOM", subgroup_size=3, min_measurements=3
    )
    PartTarget.objects.create(characteristic=char, part_number="A", target=50.0)
    PartTarget.objects.create(characteristic=char, part_number="B", target=25.0)
    return char


def table_inputs(char: Characteristic, source: str = "MANUAL") -> list[SubgroupInput]:
    return [
        SubgroupInput(char.pk, measurements=tuple(map(float, m)), part_number=p, source=source)
        for p, *m in TABLE_10_1
    ]


def test_the_pipeline_stores_montgomerys_deviations_with_their_part(dnom: Characteristic) -> None:
    for data in table_inputs(dnom):
        process(data)
    samples = list(Sample.objects.filter(characteristic=dnom).order_by("id"))
    assert [round(s.value, 2) for s in samples] == PRINTED_XBAR
    assert [s.part_number for s in samples] == [p for p, *_ in TABLE_10_1]
    first = samples[0]
    assert [m.value for m in first.measurements.order_by("position")] == [50.0, 51.0, 52.0]


def test_recalculation_works_from_the_deviations(dnom: Characteristic) -> None:
    for data in table_inputs(dnom):
        process(data)
    preview = recalculate_limits(dnom, dry_run=True)
    assert preview.center_line == pytest.approx(0.17, abs=0.005)
    assert preview.ucl == pytest.approx(0.17 + 1.023 * 2.7, abs=0.01)
    assert preview.secondary_center_line == pytest.approx(2.7)


def test_phase_one_samples_are_judged_after_the_first_limits(dnom: Characteristic) -> None:
    for data in table_inputs(dnom):
        process(data)
    recalculate_limits(dnom, evaluate_baseline=True)
    samples = Sample.objects.filter(characteristic=dnom)
    assert all(s.center_line == pytest.approx(0.1667, abs=1e-3) for s in samples)
    assert not any(s.zone.startswith("beyond") for s in samples)


def test_an_unknown_part_is_refused_and_the_rest_of_the_batch_is_kept(
    dnom: Characteristic,
) -> None:
    good = table_inputs(dnom)[:2]
    bad = SubgroupInput(dnom.pk, measurements=(1.0, 2.0, 3.0), part_number="Z-9")
    missing = SubgroupInput(dnom.pk, measurements=(50.0, 50.0, 50.0))
    results = process_many([good[0], bad, missing, good[1]])
    assert isinstance(results[1], UnknownPart)
    assert results[1].field == "part_number"
    assert "No target for part Z-9 on Bore" in results[1].message
    assert isinstance(results[2], InputError)
    assert results[2].field == "part_number"
    assert Sample.objects.filter(characteristic=dnom).count() == 2


def test_z_mr_refuses_a_part_without_sigma_and_plots_z(dnom: Characteristic) -> None:
    char = CharacteristicFactory.create(chart_type="Z_MR")
    PartTarget.objects.create(characteristic=char, part_number="A", target=10.0, sigma=0.5)
    PartTarget.objects.create(characteristic=char, part_number="B", target=20.0)
    stored = process(SubgroupInput(char.pk, measurements=(11.0,), part_number="A")).sample
    assert (stored.value, stored.center_line, stored.ucl, stored.lcl) == (2.0, 0.0, 3.0, -3.0)
    with pytest.raises(InputError) as caught:
        process(SubgroupInput(char.pk, measurements=(20.0,), part_number="B"))
    assert caught.value.field == "part_number"


def test_other_charts_store_a_part_number_without_a_table() -> None:
    char = CharacteristicFactory.create()
    stored = process(SubgroupInput(char.pk, measurements=(1.0,), part_number=" P-7 ")).sample
    assert stored.part_number == "P-7"


def test_rest_single_and_bulk_carry_the_part_number(
    api_client: APIClient, dnom: Characteristic
) -> None:
    one = {"characteristic": dnom.pk, "measurements": [50, 51, 52], "part_number": "A"}
    response = api_client.post("/api/v1/samples/", one, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["part_number"] == "A"
    assert response.json()["value"] == pytest.approx(1.0)
    items = [
        {"characteristic": dnom.pk, "measurements": [24, 27, 26], "part_number": "B"},
        {"characteristic": dnom.pk, "measurements": [24, 27, 26], "part_number": "C"},
        {"characteristic": dnom.pk, "measurements": [49, 50, 51]},
    ]
    response = api_client.post("/api/v1/samples/", items, format="json")
    assert response.status_code == 200, response.content
    results = response.json()
    assert [r["status"] for r in results] == [201, 400, 400]
    assert "No target for part C" in results[1]["errors"]["part_number"][0]
    assert "part number is required" in results[2]["errors"]["part_number"][0]
    assert Sample.objects.filter(characteristic=dnom).count() == 2


def test_rest_single_unknown_part_is_a_400_on_part_number(
    api_client: APIClient, dnom: Characteristic
) -> None:
    body = {"characteristic": dnom.pk, "measurements": [1, 2, 3], "part_number": "X"}
    response = api_client.post("/api/v1/samples/", body, format="json")
    assert response.status_code == 400
    assert "part_number" in response.json()
    too_long = {**body, "part_number": "P" * 61}
    assert api_client.post("/api/v1/samples/", too_long, format="json").status_code == 400


def test_entry_form_requires_and_offers_the_part(client: Any, operator: User, dnom: Any) -> None:
    client.force_login(operator)
    html = client.get(f"/chars/{dnom.pk}/entry/").content.decode()
    assert 'name="part_number"' in html
    assert 'list="part-numbers"' in html
    assert '<option value="A">' in html
    assert '<option value="B">' in html
    values = {"m0": "49", "m1": "53", "m2": "51"}
    refused = client.post(f"/chars/{dnom.pk}/entry/", {**values, "part_number": "Q"}, **HTMX)
    assert "No target for part Q" in refused.content.decode()
    missing = client.post(f"/chars/{dnom.pk}/entry/", values, **HTMX)
    assert missing.status_code == 200
    assert not Sample.objects.exists()
    client.post(f"/chars/{dnom.pk}/entry/", {**values, "part_number": "A"}, **HTMX)
    stored = Sample.objects.get()
    assert (stored.part_number, stored.value) == ("A", pytest.approx(1.0))


def test_chart_data_and_sample_detail_show_the_part(
    client: Any, operator: User, dnom: Characteristic
) -> None:
    for data in table_inputs(dnom)[3:6]:
        process(data)
    client.force_login(operator)
    data = client.get(f"/api/v1/characteristics/{dnom.pk}/chart-data/").json()
    assert [p["part_number"] for p in data["points"]] == ["A", "B", "B"]
    sample = Sample.objects.filter(characteristic=dnom).first()
    assert sample is not None
    page = client.get(f"/samples/{sample.pk}/").content.decode()
    assert "data-part-number" in page
    assert ">A<" in page


def test_part_table_api_lists_creates_updates_and_refuses_bad_rows(
    engineer: User, operator: User, dnom: Characteristic
) -> None:
    client = APIClient()
    client.force_authenticate(engineer)
    url = f"/api/v1/characteristics/{dnom.pk}/parts/"
    listed = client.get(url).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [(r["part_number"], r["target"]) for r in rows] == [("A", 50.0), ("B", 25.0)]
    made = client.post(url, {"part_number": " C ", "target": 12.5, "sigma": 0.1}, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["part_number"] == "C"
    assert AuditEntry.objects.filter(object_type="spc.PartTarget").exists()
    pk = made.json()["id"]
    changed = client.patch(f"{url}{pk}/", {"target": 12.4}, format="json")
    assert changed.status_code == 200
    assert changed.json()["target"] == 12.4
    for bad, field in [
        ({"part_number": "A", "target": 1.0}, "part_number"),
        ({"part_number": "D", "target": "x"}, "target"),
        ({"part_number": "D", "target": 1.0, "sigma": 0}, "sigma"),
        ({"part_number": "", "target": 1.0}, "part_number"),
    ]:
        response = client.post(url, bad, format="json")
        assert response.status_code == 400, response.content
        assert field in response.json()
    client.force_authenticate(operator)
    assert client.post(url, {"part_number": "E", "target": 1.0}, format="json").status_code == 403
    assert client.get(url).status_code == 200
    assert client.get("/api/v1/characteristics/999999/parts/").status_code == 404


def test_z_mr_part_table_requires_sigma(engineer: User) -> None:
    char = CharacteristicFactory.create(chart_type="Z_MR")
    client = APIClient()
    client.force_authenticate(engineer)
    url = f"/api/v1/characteristics/{char.pk}/parts/"
    response = client.post(url, {"part_number": "A", "target": 1.0}, format="json")
    assert response.status_code == 400
    assert "sigma" in response.json()


def test_the_figure_names_each_points_part_and_marks_where_the_part_changes(
    dnom: Characteristic,
) -> None:
    from spc.charts.data import chart_data
    from spc.charts.figures import control_figure

    for data in table_inputs(dnom):
        process(data)
    recalculate_limits(dnom, evaluate_baseline=True)
    figure = control_figure(chart_data(dnom))
    texts = [t for trace in figure["data"] for t in trace.get("text") or () if "Sample #" in t]
    assert sum("<br>Part A<br>" in t for t in texts) == 4
    assert sum("<br>Part B<br>" in t for t in texts) == 6
    assert any("x̄ − T = 1.000" in t for t in texts)  # sample 1: (50 + 51 + 52)/3 - 50
    lines = [s for s in figure["layout"]["shapes"] if s.get("name") == "part"]
    assert [line["x0"] for line in lines] == [4.5]  # between sample 4 (A) and 5 (B)
    labels = [a["text"] for a in figure["layout"]["annotations"] if a.get("name") == "part_label"]
    assert labels == ["Part A", "Part B"]


def test_a_z_mr_characteristic_must_chart_individuals(engineer: User, plant: Any) -> None:
    client = APIClient()
    client.force_authenticate(engineer)
    body = {"hierarchy": plant["line"].pk, "name": "Z", "chart_type": "Z_MR", "subgroup_size": 3}
    response = client.post("/api/v1/characteristics/", body, format="json")
    assert response.status_code == 400, response.content
    assert "n to 1" in json.dumps(response.json())
    ok = client.post("/api/v1/characteristics/", {**body, "subgroup_size": 1}, format="json")
    assert ok.status_code == 201, ok.content


def test_the_characteristic_admin_has_the_part_table_inline(
    client: Any, engineer: User, dnom: Characteristic
) -> None:
    client.force_login(engineer)
    page = client.get(f"/admin/spc/characteristic/{dnom.pk}/change/").content.decode()
    assert "part_targets-0-part_number" in page
    assert 'value="A"' in page
