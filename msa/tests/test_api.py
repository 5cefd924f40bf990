"""The MSA REST API: gauges, studies, readings, results and the verdict."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from msa.models import GaugeStudy
from msa.tests.core.reference_data import aiag_rows
from msa.tests.factories import GaugeFactory, GaugeStudyFactory, fill
from spc.tests.factories import CharacteristicFactory

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_engineer_plans_a_study_operator_enters_and_the_verdict_is_aiags(
    process_engineer, operator
):
    gauge = GaugeFactory()
    char = CharacteristicFactory()
    eng = _client(process_engineer)
    response = eng.post(
        "/api/v1/msa/studies/",
        {
            "gauge": gauge.pk,
            "characteristic": char.pk,
            "name": "AIAG",
            "parts": 10,
            "operators": ["A", "B", "C"],
            "trials": 3,
            "tolerance": 8,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    study = GaugeStudy.objects.get(pk=response.json()["id"])
    rows = aiag_rows()
    fill(study, rows[1:])
    first = rows[0]
    op = _client(operator)
    url = f"/api/v1/msa/studies/{study.pk}/measurements/"
    # fill() numbered the other two readings of part 1 by A as trials 1 and 2.
    created = op.post(url, {"part": first[0], "operator": first[1], "trial": 3, "value": first[2]})
    assert created.status_code == 201, created.content
    assert created.json()["entered_by"] == operator.username
    again = op.post(url, {"part": first[0], "operator": first[1], "trial": 3, "value": 1.0})
    assert again.status_code == 400
    assert "already recorded" in again.json()["non_field_errors"][0]
    # Operators may not complete a study; engineers may.
    assert op.post(f"/api/v1/msa/studies/{study.pk}/complete/").status_code == 403
    done = eng.post(f"/api/v1/msa/studies/{study.pk}/complete/")
    assert done.status_code == 200, done.content
    # Minitab's GAGEAIAG example with tolerance 8: %Tolerance of Total Gage R&R 22.68 %,
    # ndc 4 → conditional (10–30 %) and ndc below 5.
    assert done.json()["verdict"] == "CONDITIONAL"
    assert done.json()["pct_grr"] == pytest.approx(22.68, abs=0.005)
    assert done.json()["ndc"] == 4
    results = op.get(f"/api/v1/msa/studies/{study.pk}/results/").json()
    assert results["interaction_pooled"] is True
    gauge_json = op.get(f"/api/v1/msa/gauges/{gauge.pk}/").json()
    assert gauge_json["latest_verdict"] == "CONDITIONAL"


def test_results_of_an_unbalanced_study_are_a_400_naming_the_missing_cell(operator):
    study = GaugeStudyFactory()
    fill(study, [r for r in aiag_rows() if not (r[0] == 7 and r[1] == "C")])
    response = _client(operator).get(f"/api/v1/msa/studies/{study.pk}/results/")
    assert response.status_code == 400
    assert "part 7 × operator C" in response.json()["measurements"][0]


def test_a_crossed_study_with_one_operator_is_refused(process_engineer):
    gauge = GaugeFactory()
    response = _client(process_engineer).post(
        "/api/v1/msa/studies/",
        {"gauge": gauge.pk, "name": "x", "parts": 5, "operators": ["A"], "trials": 2},
        format="json",
    )
    assert response.status_code == 400
    assert "operators" in response.json()


def test_a_type1_study_without_reference_is_refused(process_engineer):
    gauge = GaugeFactory()
    response = _client(process_engineer).post(
        "/api/v1/msa/studies/",
        {"gauge": gauge.pk, "name": "t1", "kind": "TYPE1", "parts": 1, "operators": ["A"],
         "trials": 25, "tolerance": 0.4},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "reference" in response.json()


def test_zero_part_variation_is_a_400_and_nothing_is_stored(process_engineer):
    study = GaugeStudyFactory(parts=2, operators=["A", "B"], trials=2)
    fill(study, [(p, o, 1.0 + 0.001 * t) for p in (1, 2) for o in "AB" for t in (0, 1)])
    response = _client(process_engineer).post(f"/api/v1/msa/studies/{study.pk}/complete/")
    assert response.status_code == 400
    study.refresh_from_db()
    assert study.verdict == ""
    assert study.pct_grr is None


def test_a_non_finite_reading_is_refused(operator):
    study = GaugeStudyFactory()
    response = _client(operator).post(
        f"/api/v1/msa/studies/{study.pk}/measurements/",
        {"part": 1, "operator": "A", "trial": 1, "value": "NaN"},
        format="json",
    )
    assert response.status_code == 400


def test_the_schema_documents_the_msa_endpoints(operator):
    schema = _client(operator).get("/api/schema/?format=json").json()
    assert "/api/v1/msa/studies/{id}/results/" in schema["paths"]
    assert "/api/v1/msa/gauges/" in schema["paths"]


def test_attribute_results_are_json_with_a_verdict(operator):
    from msa.models import StudyMeasurement

    study = GaugeStudyFactory(
        kind="ATTRIBUTE", parts=2, trials=2, operators=["A", "B"], standard={"1": "G", "2": "B"}
    )
    StudyMeasurement.objects.bulk_create(
        StudyMeasurement(study=study, part=p, operator=o, trial=t, rating="GB"[p - 1])
        for p in (1, 2)
        for o in "AB"
        for t in (1, 2)
    )
    response = _client(operator).get(f"/api/v1/msa/studies/{study.pk}/results/")
    assert response.status_code == 200
    assert response.json()["verdict"] == "ACCEPTABLE"
    assert response.json()["attribute"]["all_vs_standard"]["percent"] == 100.0
