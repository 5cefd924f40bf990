"""Report pages: capability study, violation analysis, exports and job progress."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client
from django.urls import reverse

from alerts.tests.factories import ViolationFactory
from conftest import persona
from hierarchy.roles import QA_MANAGER
from spc.tests.reports.conftest import BORE_VALUES, Dataset


def test_reports_need_login(client: Client, db: None) -> None:
    response = client.get(reverse("reports:index"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_index_lists_variables_characteristics(qa_client: Client, dataset: Dataset) -> None:
    response = qa_client.get(reverse("reports:index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("reports:capability", args=[dataset.bore.pk]) in body
    assert 'id="export-form"' in body
    # The multivariate groups are reached from here (the top bar has no room on a tablet).
    assert f'href="{reverse("multivariate:index")}"' in body


def test_capability_page_shows_indices_verdict_and_figure(
    qa_client: Client, dataset: Dataset
) -> None:
    response = qa_client.get(reverse("reports:capability", args=[dataset.bore.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="capability-{dataset.bore.pk}"' in body
    # Two open violations on Bore: the verdict says so instead of reading the index.
    assert "Indices not meaningful: process not in statistical control" in body
    assert "2 open violations in the study range." in body
    # Cp with σ within = MR̄/d₂(2) of the 12 included values (d₂(2) = 1.128).
    sigma = np.abs(np.diff(BORE_VALUES)).mean() / 1.128
    assert f"{2 / (6 * sigma):.2f}" in body
    assert "σ within = MR̄/d₂(2) from the study&#x27;s 12 values (11 moving ranges)" in body
    assert "1 excluded sample left out" in body
    figure = response.context["figure"]
    assert sum(figure["data"][0]["y"]) == 12
    assert [t["name"] for t in figure["data"][1:]] == ["Normal, σ overall", "Normal, σ within"]
    assert [a["text"] for a in figure["layout"]["annotations"]] == ["LSL", "Target", "USL"]
    assert figure["layout"]["xaxis"]["title"]["text"] == "Bore (mm)"
    assert 'id="capability-figure"' in body  # the json_script the chart script reads


def test_capability_page_is_a_six_pack(qa_client: Client, dataset: Dataset) -> None:
    response = qa_client.get(reverse("reports:capability", args=[dataset.bore.pk]))
    body = response.content.decode()
    # Control chart of the period, histogram, probability plot, indices (and PPM).
    for element in ('id="control-chart"', 'id="capability-chart"', 'id="probability-chart"',
                    f'id="indices-{dataset.bore.pk}"', f'id="ppm-{dataset.bore.pk}"'):  # fmt: skip
        assert element in body
    chart = response.context["chart"]
    values = [y for t in chart["data"] if t.get("uid") == "value" for y in t["y"]]
    assert len(values) == 13  # every sample of the period, the excluded one too
    probability = response.context["probability"]
    assert probability["data"][0]["x"] == sorted(BORE_VALUES)
    assert "Anderson–Darling" in probability["layout"]["annotations"][0]["text"]
    # Observed PPM: no Bore value outside 9..11.
    assert "Observed: 0 of 12 values outside the specification." in body


def test_capability_page_explains_missing_spec_limits(qa_client: Client, dataset: Dataset) -> None:
    dataset.bore.usl = dataset.bore.lsl = dataset.bore.target = None
    dataset.bore.save()
    response = qa_client.get(reverse("reports:capability", args=[dataset.bore.pk]))
    assert response.status_code == 200
    assert "specification limit" in response.content.decode()


def test_capability_page_with_a_period(qa_client: Client, dataset: Dataset) -> None:
    url = reverse("reports:capability", args=[dataset.bore.pk])
    response = qa_client.get(url, {"start": "2026-11-02", "end": "2026-11-02"})
    # Day 0 holds the samples at 08:00 and 14:00, 20:00 (and 02:00 next day is out).
    assert response.context["error"] == ""
    assert response.context["study"]["n"] == 3


def test_violations_page_paginates_the_open_violations(qa_client: Client, dataset: Dataset) -> None:
    for sample in dataset.bore.samples.order_by("id")[5:12]:
        ViolationFactory(sample=sample, rule=6, severity="WARNING", created_at=sample.timestamp)
    url = reverse("reports:violations")
    first = qa_client.get(url, {"node": dataset.plant["line"].pk})
    assert first.context["page"].paginator.count == 3 + 7
    assert len(first.context["page"].object_list) == 10  # one page of 25 holds them
    with_small_pages = qa_client.get(url, {"node": dataset.plant["line"].pk, "page": "2"})
    assert with_small_pages.context["page"].number == 1  # only one page: the nearest
    body = first.content.decode()
    assert "Not acknowledged <small>(10)</small>" in body
    assert "Rule 6: " in body


def test_violations_page_draws_three_paretos(qa_client: Client, dataset: Dataset) -> None:
    response = qa_client.get(reverse("reports:violations"), {"node": dataset.plant["line"].pk})
    assert response.status_code == 200
    body = response.content.decode()
    for dim in ("rule", "reason_code", "characteristic"):
        assert f'id="pareto-{dim}-data"' in body
    assert "6 violations: 3 acknowledged, 3 open" in body
    assert 'id="unacknowledged"' in body


def test_csv_export_streams_a_download(qa_client: Client, dataset: Dataset) -> None:
    response = qa_client.get(
        reverse("reports:export-csv"),
        {"kind": "violations", "format": "csv", "node": dataset.plant["line"].pk},
    )
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    assert len(list(csv.DictReader(io.StringIO(body)))) == 6


def test_csv_export_with_bad_dates_is_400(qa_client: Client, dataset: Dataset) -> None:
    response = qa_client.get(
        reverse("reports:export-csv"),
        {"kind": "violations", "start": "2026-12-01", "end": "2026-11-01"},
    )
    assert response.status_code == 400


def test_job_flow_from_form_to_download(
    qa_client: Client, dataset: Dataset, pdf_engine: None
) -> None:
    response = qa_client.post(reverse("reports:start-job"), {"kind": "report", "format": "pdf"})
    assert response.status_code == 302
    page = qa_client.get(response["Location"])
    job = page.context["job"]
    assert job.state == "DONE"
    fragment = qa_client.get(response["Location"], headers={"HX-Request": "true"})
    text = fragment.content.decode()
    assert f'id="job-{job.id}"' in text
    assert "<html" not in text
    assert "hx-trigger" not in text  # finished: no more polling
    download = qa_client.get(reverse("reports:download", args=[job.id]))
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_someone_elses_job_is_not_found(qa_client: Client, dataset: Dataset) -> None:
    response = qa_client.post(reverse("reports:start-job"), {"kind": "subgroups", "format": "xlsx"})
    other = Client()
    other.force_login(persona("someone", "x-pass-9876", QA_MANAGER))
    assert other.get(response["Location"]).status_code == 404


def test_chart_script_is_served_and_pages_load_plotly(qa_client: Client, dataset: Dataset) -> None:
    script = qa_client.get(reverse("reports:charts-js"))
    assert script["Content-Type"].startswith("text/javascript")
    assert b"Plotly.newPlot" in script.content
    page = qa_client.get(reverse("reports:capability", args=[dataset.bore.pk]))
    assert reverse("spc:plotly-js") in page.content.decode()


def test_figure_json_is_valid(qa_client: Client, dataset: Dataset) -> None:
    response = qa_client.get(reverse("reports:capability", args=[dataset.bore.pk]))
    json.dumps(response.context["figure"])


def test_under_asgi_the_csv_streams_through_an_async_iterator(dataset: Dataset) -> None:
    # Django's ASGI handler would read a sync iterator into one list; ours must be async.
    user = persona("asgi-qa", "asgi-pass-123", QA_MANAGER)

    async def fetch() -> tuple[bool, bytes]:
        client = AsyncClient()
        await client.aforce_login(user)
        response = await client.get(
            reverse("reports:export-csv"), {"kind": "measurements", "format": "csv"}
        )
        chunks = [chunk async for chunk in response.streaming_content]
        return response.is_async, b"".join(chunks)

    is_async, body = async_to_sync(fetch)()
    assert is_async
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert len(rows) == 13 + 12 + 2


def test_under_asgi_a_report_file_streams_too(dataset: Dataset) -> None:
    user = persona("asgi-qa", "asgi-pass-123", QA_MANAGER)

    async def fetch() -> tuple[bool, bytes]:
        client = AsyncClient()
        await client.aforce_login(user)
        started = await client.post(
            reverse("reports:start-job"), {"kind": "subgroups", "format": "csv"}
        )
        job_url = started["Location"]
        response = await client.get(job_url + "download/")
        chunks = [chunk async for chunk in response.streaming_content]
        return response.is_async, b"".join(chunks)

    is_async, body = async_to_sync(fetch)()
    assert is_async
    assert len(list(csv.reader(io.StringIO(body.decode())))) == 1 + 13 + 4 + 2
