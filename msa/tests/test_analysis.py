"""The analysis service on stored studies of every kind, and the audit trail of studies."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from msa.analysis import analyse, complete
from msa.models import StudyMeasurement
from msa.tests.core.reference_data import AIAG_LINEARITY
from msa.tests.factories import GaugeStudyFactory, fill
from spc.core.errors import InputError

pytestmark = pytest.mark.django_db


def test_linearity_study_through_the_service():
    refs = {str(i): ref for i, ref in enumerate(AIAG_LINEARITY, start=1)}
    study = GaugeStudyFactory(
        kind="LINEARITY", parts=5, trials=12, operators=["A"], part_references=refs,
        process_sigma=14.1941 / 6,
    )  # fmt: skip
    fill(study, [(i, "A", v) for i, vals in enumerate(AIAG_LINEARITY.values(), 1) for v in vals])
    lin = analyse(study)["linearity"]
    # AIAG / Minitab GAGELIN: slope −0.131667, %Linearity 13.2 (process variation 14.1941).
    assert lin["slope"] == pytest.approx(-0.131667, abs=5e-7)
    assert lin["pct_linearity"] == pytest.approx(13.2, abs=0.05)


def test_type1_study_through_the_service_and_its_verdict():
    study = GaugeStudyFactory(
        kind="TYPE1", parts=1, trials=10, operators=["A"], reference=9.998, tolerance=0.4
    )
    fill(study, [(1, "A", v) for v in [9.99, 10.01] * 5])
    result = complete(study)
    # Cg 1.26 and Cgk 1.20 (see the core test) are below 1.33.
    assert result["verdict"] == "UNACCEPTABLE"
    assert result["type1"]["cg"] == pytest.approx(1.26491, abs=5e-6)


def test_type1_study_without_reference_cannot_be_completed():
    study = GaugeStudyFactory(kind="TYPE1", parts=1, trials=10, operators=["A"], tolerance=0.4)
    fill(study, [(1, "A", v) for v in [9.99, 10.01] * 5])
    with pytest.raises(InputError) as err:
        complete(study)
    assert err.value.field == "reference"
    study.refresh_from_db()
    assert study.completed_at is None


def test_attribute_study_through_the_service():
    study = GaugeStudyFactory(
        kind="ATTRIBUTE", parts=2, trials=2, operators=["A", "B"], standard={"1": "G", "2": "B"}
    )
    rows = [
        StudyMeasurement(study=study, part=p, operator=o, trial=t, rating=r)
        for (p, o, t, r) in [
            (1, "A", 1, "G"), (1, "A", 2, "G"), (2, "A", 1, "B"), (2, "A", 2, "B"),
            (1, "B", 1, "G"), (1, "B", 2, "G"), (2, "B", 1, "B"), (2, "B", 2, "G"),
        ]
    ]  # fmt: skip
    StudyMeasurement.objects.bulk_create(rows)
    result = analyse(study)
    att = result["attribute"]
    # All ratings match the standard on 1 of 2 parts (50 % < 80 %): unacceptable.
    assert result["verdict"] == "UNACCEPTABLE"
    assert [a["matched"] for a in att["within"]] == [2, 1]
    assert att["all_vs_standard"]["matched"] == 1
    StudyMeasurement.objects.filter(part=2, operator="B", trial=2).delete()
    with pytest.raises(InputError, match="Missing trial"):
        analyse(study)


def test_nested_study_through_the_service():
    study = GaugeStudyFactory(kind="NESTED", parts=4, trials=2, operators=["A", "B"])
    fill(study, [(1, "A", 1.0), (1, "A", 3.0), (2, "A", 5.0), (2, "A", 7.0),
                 (3, "B", 3.0), (3, "B", 5.0), (4, "B", 9.0), (4, "B", 11.0)])  # fmt: skip
    result = analyse(study)
    assert result["ndc"] == 3
    assert result["pct_grr"] == pytest.approx(37.80, abs=0.005)


def test_studies_are_audited_where_their_gauge_lives(process_engineer):
    study = GaugeStudyFactory(name="Audited")
    entry = AuditEntry.objects.get(object_repr="Audited")
    assert entry.action == AuditEntry.Action.CREATE
    assert entry.path == study.gauge.site.path
