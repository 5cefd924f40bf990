"""Non-normal capability through the page, the REST API, the export and the PDF context.

The oracle for the numbers is scipy.stats (maximum-likelihood fits of the stored values,
their quantiles and tail areas), never the code under test.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from scipy import stats

from conftest import persona
from hierarchy.roles import QA_MANAGER
from spc.models import Characteristic
from spc.reports import exports, pdf
from spc.reports.scope import ReportScope
from spc.tests.factories import CharacteristicFactory
from spc.tests.reports.conftest import DAY0, Dataset, add_sample

#: Runout (mm), a one-sided, skewed characteristic: 40 Weibull values (shape 1.6).
RUNOUT = np.round(np.random.default_rng(11).weibull(1.6, 40) * 0.03, 5)
URL = "/api/v1/characteristics/{}/capability/"


@pytest.fixture
def api(db: None) -> APIClient:
    client = APIClient()
    token = Token.objects.create(user=persona("mes", "mes-pass-123", QA_MANAGER))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def runout(dataset: Dataset) -> Characteristic:
    char: Characteristic = CharacteristicFactory(
        hierarchy=dataset.plant["cell"], name="Runout", usl=0.15, lsl=None, unit="mm",
        decimal_places=4,
    )  # fmt: skip
    for i, value in enumerate(RUNOUT):
        add_sample(char, [float(value)], DAY0 + timedelta(hours=i))
    return char


def test_api_weibull_study_matches_scipy(api: APIClient, runout: Characteristic) -> None:
    response = api.get(URL.format(runout.pk), {"distribution": "weibull"})
    assert response.status_code == 200
    study = response.json()["nonnormal"]
    c, _, scale = stats.weibull_min.fit(RUNOUT, floc=0)
    assert study["parameters"]["shape"] == pytest.approx(c, rel=1e-4)
    assert study["parameters"]["scale"] == pytest.approx(scale, rel=1e-4)
    dist = stats.weibull_min(c, scale=scale)
    median, high = dist.ppf([0.5, 0.99865])
    assert study["ppk"] == pytest.approx((0.15 - median) / (high - median), rel=1e-4)
    assert study["ppm_expected"]["above"] == pytest.approx(1e6 * dist.sf(0.15), rel=1e-3)
    assert {row["distribution"] for row in study["fits"]} >= {"normal", "gamma", "johnson"}
    assert sum(row["best"] for row in study["fits"]) == 1
    assert "Weibull" in response.json()["verdict_text"] or response.json()["verdict"] in (
        "not in control", "poor fit", "insufficient data",
    )  # fmt: skip


def test_histogram_draws_the_chosen_fit_scaled_to_the_counts(
    api: APIClient, runout: Characteristic
) -> None:
    from spc.reports.figures import capability_figure

    study = api.get(URL.format(runout.pk), {"distribution": "weibull"}).json()
    hist, chosen = study["histogram"], study["nonnormal"]
    width = hist["edges"][1] - hist["edges"][0]
    c, _, scale = stats.weibull_min.fit(RUNOUT, floc=0)
    # The oracle: scipy's Weibull density, times N and the bin width, like the normal curves.
    expected = stats.weibull_min.pdf(hist["curve_x"], c, scale=scale) * len(RUNOUT) * width
    assert chosen["curve_y"] == pytest.approx(list(expected), rel=1e-3, abs=1e-6)
    traces = {trace["name"]: trace for trace in capability_figure(study)["data"]}
    assert traces["Weibull fit"]["y"] == chosen["curve_y"]
    normal = api.get(URL.format(runout.pk), {"distribution": "normal"}).json()
    assert "Normal fit" not in {t["name"] for t in capability_figure(normal)["data"]}


def test_api_without_distribution_keeps_the_normal_study(
    api: APIClient, runout: Characteristic
) -> None:
    body = api.get(URL.format(runout.pk)).json()
    assert body["nonnormal"] is None
    assert body["nonnormal_error"] == ""


def test_api_boxcox_with_a_chosen_lambda(api: APIClient, runout: Characteristic) -> None:
    body = api.get(URL.format(runout.pk), {"distribution": "boxcox", "lambda": "0.5"}).json()
    assert body["nonnormal"]["parameters"]["lambda"] == 0.5
    transformed = np.sqrt(RUNOUT) * 2 - 2  # (x^0.5 − 1)/0.5
    t = body["nonnormal"]["transformed"]
    assert t["mean"] == pytest.approx(transformed.mean(), rel=1e-9)
    assert t["sigma"] == pytest.approx(transformed.std(ddof=1), rel=1e-9)


def test_api_refusals_are_400_with_field_details(
    api: APIClient, runout: Characteristic, dataset: Dataset
) -> None:
    add_sample(runout, [-0.01], DAY0 + timedelta(days=3))
    bad = api.get(URL.format(runout.pk), {"distribution": "boxcox"})
    assert bad.status_code == 400
    assert "needs positive values" in bad.json()["distribution"][0]
    assert api.get(URL.format(runout.pk), {"distribution": "cauchy"}).status_code == 400
    lam = api.get(URL.format(runout.pk), {"distribution": "gamma", "lambda": "0.5"})
    assert lam.status_code == 400
    assert "lambda" in lam.json()
    far = api.get(URL.format(runout.pk), {"distribution": "boxcox", "lambda": "9"})
    assert far.status_code == 400
    assert "lambda" in far.json()
    # Bore holds 12 values in the study, Width 12: a fit needs 10 — Elsewhere has 2.
    dataset.elsewhere.usl, dataset.elsewhere.lsl = 2.0, 0.0
    few = api.get(URL.format(dataset.elsewhere.pk), {"distribution": "auto"})
    assert few.status_code == 400
    assert "at least 10 values" in few.json()["non_field_errors"][0]


def test_page_shows_the_chooser_fit_table_and_percentile_block(
    qa_client: Client, runout: Characteristic
) -> None:
    url = reverse("reports:capability", args=[runout.pk])
    response = qa_client.get(url, {"distribution": "weibull"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="distribution"' in body
    assert f'id="fits-{runout.pk}"' in body
    assert f'id="percentile-{runout.pk}"' in body
    assert "best fit" in body
    c, _, scale = stats.weibull_min.fit(RUNOUT, floc=0)
    median, high = stats.weibull_min(c, scale=scale).ppf([0.5, 0.99865])
    assert f"{(0.15 - median) / (high - median):.2f}" in body
    figure = response.context["probability"]
    assert figure["layout"]["xaxis"]["type"] == "log"


def test_page_default_is_the_normal_study_with_the_fit_table(
    qa_client: Client, runout: Characteristic
) -> None:
    response = qa_client.get(reverse("reports:capability", args=[runout.pk]))
    assert response.context["choice"] == "normal"
    assert response.context["study"]["nonnormal"]["distribution"] == "normal"
    assert response.context["probability"]["layout"]["yaxis"]["title"]["text"].startswith(
        "Percent (normal"
    )


def test_page_explains_refusals_and_keeps_the_normal_study(
    qa_client: Client, runout: Characteristic
) -> None:
    add_sample(runout, [0.0], DAY0 + timedelta(days=3))
    url = reverse("reports:capability", args=[runout.pk])
    response = qa_client.get(url, {"distribution": "lognormal"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="nonnormal-error"' in body
    assert "Lognormal needs positive values: 1 of 41" in body
    assert response.context["study"]["pp"] is None  # one-sided; the normal study is shown
    bad = qa_client.get(url, {"distribution": "normal", "lambda": "0.5"})
    assert bad.status_code == 400


def test_export_and_pdf_carry_the_best_fit(runout: Characteristic) -> None:
    table = exports.capability_table(ReportScope())
    keys = table.keys
    row = next(r for r in table.rows if r[0] == runout.pk)
    assert row[keys.index("best_fit")]
    assert row[keys.index("best_fit_ppk")] is not None
    page = pdf.characteristic_page(runout, ReportScope())
    assert page["nonnormal"]["fits"][0]["label"] == "Normal"
    assert page["study"]["verdict"] != "poor fit"  # the PDF's verdict is the normal study's
