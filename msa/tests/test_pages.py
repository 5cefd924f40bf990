"""The msa pages: planning, the tablet grid, results, and the gauge status on the chart page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from msa.models import GaugeStudy, MsaThresholds, StudyMeasurement
from msa.tests.core.reference_data import aiag_rows
from msa.tests.factories import GaugeFactory, GaugeStudyFactory, fill
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db


def test_engineer_plans_a_study_and_lands_on_the_grid(client, process_engineer):
    client.force_login(process_engineer)
    gauge = GaugeFactory()
    response = client.post(
        "/msa/studies/new/",
        {"gauge": gauge.pk, "name": "Bore", "kind": "CROSSED", "method": "ANOVA", "parts": 5,
         "trials": 2, "operator_names": "olga, otto", "study_multiplier": 6,
         "alpha_to_remove": 0.05, "k_percent": 20, "l_multiplier": 6},
    )  # fmt: skip
    study = GaugeStudy.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/msa/studies/{study.pk}/entry/"
    assert study.operators == ["olga", "otto"]


def test_a_single_operator_crossed_study_is_a_form_error(client, process_engineer):
    client.force_login(process_engineer)
    response = client.post(
        "/msa/studies/new/",
        {"gauge": GaugeFactory().pk, "name": "x", "kind": "CROSSED", "method": "ANOVA",
         "parts": 5, "trials": 2, "operator_names": "olga", "study_multiplier": 6,
         "alpha_to_remove": 0.05, "k_percent": 20, "l_multiplier": 6},
    )  # fmt: skip
    assert response.status_code == 400
    assert "at least 2 operators" in response.content.decode()


def test_operators_may_not_plan_studies(client, operator):
    client.force_login(operator)
    assert client.get("/msa/studies/new/").status_code == 403


def test_the_grid_shows_the_operators_run_order_and_stores_each_reading_once(client, operator):
    study = GaugeStudyFactory(parts=3, trials=2, operators=[operator.username, "otto"])
    client.force_login(operator)
    page = client.get(f"/msa/studies/{study.pk}/entry/").content.decode()
    order = study.run_order(operator.username)
    first, second = (f'id="cell-{p}-{t}"' for p, t in order[:2])
    assert page.index(first) < page.index(second)
    part, trial = order[0]
    response = client.post(f"/msa/studies/{study.pk}/entry/", {f"r-{part}-{trial}": "1,25"})
    assert response.status_code == 302
    row = StudyMeasurement.objects.get()
    assert (row.value, row.operator, row.entered_by) == (1.25, operator.username, operator)
    again = client.post(f"/msa/studies/{study.pk}/entry/", {f"r-{part}-{trial}": "9"})
    assert again.status_code == 400
    assert StudyMeasurement.objects.get().value == 1.25
    bad = client.post(f"/msa/studies/{study.pk}/entry/", {f"r-{order[1][0]}-{order[1][1]}": "x"})
    assert "is not a number" in bad.content.decode()


def test_run_orders_differ_between_operators_and_cover_every_cell():
    study = GaugeStudy(parts=10, trials=3, seed=12345)
    a, b = study.run_order("A"), study.run_order("B")
    assert sorted(a) == sorted(b) == [(p, t) for p in range(1, 11) for t in (1, 2, 3)]
    assert a != b


def test_results_page_shows_the_verdict_tables_and_charts(client, operator):
    study = GaugeStudyFactory(tolerance=8.0)
    fill(study, aiag_rows())
    client.force_login(operator)
    page = client.get(f"/msa/studies/{study.pk}/").content.decode()
    assert 'id="study-verdict"' in page
    assert "Conditional" in page
    for figure in ("components", "r-chart", "xbar-chart", "by-part", "by-operator", "interaction"):
        assert f'data-figure="{figure}-figure"' in page
    assert "92.24" in page  # Part-to-Part %Contribution (Minitab's GAGEAIAG example)


def test_results_page_names_what_is_missing(client, operator):
    study = GaugeStudyFactory()
    fill(study, [r for r in aiag_rows() if r[0] != 10 or r[1] != "A"])
    client.force_login(operator)
    page = client.get(f"/msa/studies/{study.pk}/").content.decode()
    assert "part 10 × operator A" in page


def test_plant_thresholds_decide_the_stored_verdict(client, process_engineer):
    study = GaugeStudyFactory(tolerance=8.0)
    MsaThresholds.objects.create(
        site=study.gauge.site, acceptable_below=25, unacceptable_above=40, min_ndc=3
    )
    fill(study, aiag_rows())
    client.force_login(process_engineer)
    client.post(f"/msa/studies/{study.pk}/complete/")
    study.refresh_from_db()
    assert study.verdict == "ACCEPTABLE"  # 22.68 % < 25 % and ndc 4 ≥ 3


def test_the_chart_page_flags_a_failing_study_and_an_overdue_calibration(client, operator):
    gauge = GaugeFactory(calibration_due=timezone.localdate() - timedelta(days=1))
    char = CharacteristicFactory(gauge=gauge)
    GaugeStudyFactory(
        gauge=gauge, verdict="UNACCEPTABLE", pct_grr=41.0, completed_at=timezone.now()
    )
    client.force_login(operator)
    page = client.get(f"/chars/{char.pk}/").content.decode()
    assert 'id="gauge-status"' in page
    assert 'data-gauge-level="bad"' in page
    assert "unacceptable" in page
    assert "calibration overdue" in page


def test_the_chart_page_shows_an_acceptable_gauge(client, operator):
    gauge = GaugeFactory()
    char = CharacteristicFactory(gauge=gauge)
    GaugeStudyFactory(gauge=gauge, verdict="ACCEPTABLE", pct_grr=7.5, completed_at=timezone.now())
    client.force_login(operator)
    page = client.get(f"/chars/{char.pk}/").content.decode()
    assert 'data-gauge-level="ok"' in page
    assert "%GRR 7.5 %" in page


def test_gauge_list_and_admin(client, engineer):
    gauge = GaugeFactory()
    client.force_login(engineer)
    assert gauge.code in client.get("/msa/").content.decode()
    for url in ("/admin/msa/gauge/", "/admin/msa/gaugestudy/add/", "/admin/msa/msathresholds/"):
        assert client.get(url).status_code == 200, url


def test_the_pdf_report_renders(client, operator):
    study = GaugeStudyFactory(tolerance=8.0)
    fill(study, aiag_rows())
    client.force_login(operator)
    response = client.get(f"/msa/studies/{study.pk}/report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    from io import BytesIO

    from pypdf import PdfReader

    text = PdfReader(BytesIO(response.content)).pages[0].extract_text()
    assert "Conditional" in text
    assert "92.24" in text  # Part-to-Part %Contribution, Minitab's GAGEAIAG example


def test_the_pdf_context_carries_the_verdict_and_chart():
    from msa.report import report_context

    study = GaugeStudyFactory(tolerance=8.0)
    fill(study, aiag_rows())
    context = report_context(study)
    assert context["result"]["verdict"] == "CONDITIONAL"
    assert "<svg" in context["components_svg"]


def test_engineer_plans_a_linearity_study_with_its_references(client, process_engineer):
    client.force_login(process_engineer)
    base = {"gauge": GaugeFactory().pk, "name": "Lin", "kind": "LINEARITY", "method": "ANOVA",
            "parts": 3, "trials": 12, "operator_names": "olga", "study_multiplier": 6,
            "alpha_to_remove": 0.05, "k_percent": 20, "l_multiplier": 6}  # fmt: skip
    short = client.post("/msa/studies/new/", {**base, "reference_values": "2; 4"})
    assert short.status_code == 400
    assert "No reference value for part(s) [3]" in short.content.decode()
    response = client.post("/msa/studies/new/", {**base, "reference_values": "2; 4; 6"})
    assert response.status_code == 302
    assert GaugeStudy.objects.get().part_references == {"1": 2.0, "2": 4.0, "3": 6.0}
