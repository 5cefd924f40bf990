"""Annotations and corrections from the chart page and the API (issue 23): who may, bad
input as a form error or a 400 on its field, the chart shows the change at once, every
write audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEntry
from spc.charts.cached import cached_chart_data, cached_figure
from spc.charts.figures import control_figure
from spc.models import Characteristic, Sample
from spc.pipeline.processing import SubgroupInput, process
from spc.pipeline.windows import windows
from spc.quality_records import Annotation, SampleCorrection
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def char() -> Characteristic:
    windows.clear()
    char = CharacteristicFactory.create(center_line=10.0, ucl=13.0, lcl=7.0, sigma=1.0)
    for value in (10.1, 9.8, 10.3, 10.0):
        process(SubgroupInput(characteristic_id=char.pk, measurements=(value,)))
    return char


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def sample_ids(char: Characteristic) -> list[int]:
    return list(
        Sample.objects.filter(characteristic=char).order_by("id").values_list("id", flat=True)
    )


def test_an_operator_annotates_a_point_and_the_chart_shows_it_at_once(
    char: Characteristic, operator: User
) -> None:
    cached_chart_data(char)  # cached before the note
    page = logged_in(operator).get(f"/chars/{char.pk}/")
    assert 'id="annotate-form"' in page.text
    second = sample_ids(char)[1]
    response = logged_in(operator).post(
        f"/chars/{char.pk}/annotate/",
        {"kind": "TOOL_CHANGE", "text": "Insert changed", "sample": second},
    )
    assert response.status_code == 302
    data = cached_chart_data(Characteristic.objects.get(pk=char.pk))
    assert [(a["kind"], a["text"], a["sample_id"]) for a in data["annotations"]] == [
        ("TOOL_CHANGE", "Insert changed", second)
    ]
    _, figure = cached_figure(Characteristic.objects.get(pk=char.pk))
    assert "Tool change: Insert changed" in figure
    entry = AuditEntry.objects.get(object_type="spc.Annotation", action="CREATE")
    assert entry.user == operator
    assert entry.new["text"] == "Insert changed"


def test_a_range_annotation_is_drawn_as_a_band(char: Characteristic, operator: User) -> None:
    start = timezone.now() - timedelta(hours=1)
    end = timezone.now() + timedelta(hours=1)
    created = api(operator).post(
        "/api/v1/annotations/",
        {
            "characteristic": char.pk,
            "kind": "NEW_LOT",
            "text": "Lot 42",
            "start": start.isoformat(),
            "end": end.isoformat(),
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    layout = control_figure(cached_chart_data(char))["layout"]
    bands = [s for s in layout["shapes"] if s.get("name") == "annotation"]
    assert [b["type"] for b in bands] == ["rect"]
    assert (bands[0]["x0"], bands[0]["x1"]) == (1, 4)
    assert any("Lot 42" in label["text"] for label in layout["annotations"])


def test_an_annotation_range_ending_before_it_starts_is_refused(
    char: Characteristic, operator: User
) -> None:
    start = timezone.now()
    end = start - timedelta(hours=2)
    page = logged_in(operator).post(
        f"/chars/{char.pk}/annotate/",
        {
            "kind": "OTHER",
            "text": "x",
            "start": start.strftime("%Y-%m-%dT%H:%M"),
            "end": end.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert page.status_code == 400
    assert "The end must not be before the start." in page.text
    response = api(operator).post(
        "/api/v1/annotations/",
        {
            "characteristic": char.pk,
            "text": "x",
            "start": start.isoformat(),
            "end": end.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"end": ["The end must not be before the start."]}
    assert not Annotation.objects.exists()


def test_engineers_change_and_delete_annotations_audited(
    char: Characteristic, operator: User, process_engineer: User
) -> None:
    made = (
        api(operator)
        .post(
            "/api/v1/annotations/",
            {
                "characteristic": char.pk,
                "text": "Calibrated",
                "kind": "CALIBRATION",
                "sample": sample_ids(char)[0],
            },
            format="json",
        )
        .json()
    )
    url = f"/api/v1/annotations/{made['id']}/"
    assert api(operator).delete(url).status_code == 403
    assert (
        api(process_engineer).patch(url, {"text": "Gauge calibrated"}, format="json").status_code
        == 200
    )
    assert api(process_engineer).delete(url).status_code == 204
    deleted = AuditEntry.objects.get(object_type="spc.Annotation", action="DELETE")
    assert deleted.old["text"] == "Gauge calibrated"
    assert deleted.user == process_engineer
    assert cached_chart_data(char)["annotations"] == []


def test_an_engineer_corrects_a_point_from_the_page_operators_may_not(
    char: Characteristic, operator: User, process_engineer: User
) -> None:
    third = sample_ids(char)[2]
    assert logged_in(operator).get(f"/samples/{third}/correct/").status_code == 403
    client = logged_in(process_engineer)
    form = client.get(f"/samples/{third}/correct/")
    assert form.status_code == 200
    assert 'value="10.3"' in form.text
    wrong = client.post(
        f"/samples/{third}/correct/",
        {"measurements": "10.03", "reason": "decimal slipped", "signature_password": "nope"},
    )
    assert wrong.status_code == 400
    assert "Wrong password" in wrong.text
    no_reason = client.post(
        f"/samples/{third}/correct/",
        {"measurements": "10.03", "signature_password": "engineer-pass-2"},
    )
    assert no_reason.status_code == 400
    assert "A reason is required" in no_reason.text
    done = client.post(
        f"/samples/{third}/correct/",
        {
            "measurements": "10.03",
            "reason": "decimal slipped",
            "signature_password": "engineer-pass-2",
        },
    )
    assert done.status_code == 302
    assert Sample.objects.get(pk=third).value == pytest.approx(10.03)
    history = client.get(f"/samples/{third}/correct/").text
    assert "decimal slipped" in history
    assert "10.3" in history
    detail = client.get(f"/samples/{third}/", headers={"HX-Request": "true"}).text
    assert "Corrected" in detail


def test_api_correction_needs_engineer_reason_and_password(
    char: Characteristic, operator: User, process_engineer: User
) -> None:
    first = sample_ids(char)[0]
    url = f"/api/v1/samples/{first}/correct/"
    body = {"measurements": [10.2], "reason": "typo", "signature_password": "engineer-pass-2"}
    assert api(operator).post(url, body, format="json").status_code == 403
    no_reason = api(process_engineer).post(url, {**body, "reason": ""}, format="json")
    assert no_reason.status_code == 400
    assert no_reason.json() == {"reason": ["A reason is required for this change."]}
    wrong = api(process_engineer).post(url, {**body, "signature_password": "x"}, format="json")
    assert wrong.status_code == 400
    assert list(wrong.json()) == ["signature_password"]
    done = api(process_engineer).post(url, body, format="json")
    assert done.status_code == 201, done.content
    assert done.json()["old_values"] == {"measurements": [10.1]}
    listed = api(operator).get(f"/api/v1/samples/{first}/corrections/").json()
    assert [c["reason"] for c in listed] == ["typo"]
    assert SampleCorrection.objects.count() == 1
    points = cached_chart_data(char)["points"]
    assert [p["corrected"] for p in points] == [True, False, False, False]
