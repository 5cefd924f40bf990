"""A small plant with data for the report tests: two lines, samples over three days,
an excluded sample, violations acknowledged and open."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from alerts.models import ReasonCode, Violation
from alerts.tests.factories import ReasonCodeFactory, ViolationFactory
from conftest import persona
from hierarchy.models import Node
from hierarchy.roles import QA_MANAGER
from hierarchy.tests.factories import NodeFactory, build_plant
from spc.models import Characteristic, Sample
from spc.reports import pdf
from spc.tests.factories import CharacteristicFactory, MeasurementFactory, SampleFactory

DAY0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


@dataclass
class Dataset:
    """What the ``dataset`` fixture stored."""

    plant: dict[str, Node]
    other_line: Node
    bore: Characteristic  # I-MR on the plant's cell, spec 9..11, limits 10 ± 0.45, mm, 2 dp
    width: Characteristic  # X̄-R n=3 on the plant's equipment
    elsewhere: Characteristic  # on another line: outside the plant's line subtree
    excluded: Sample
    reasons: list[ReasonCode]
    violations: list[Violation]


def add_sample(
    char: Characteristic, values: list[float], when: datetime, **kwargs: object
) -> Sample:
    """A stored sample with measurement rows (bypasses the pipeline)."""
    sample: Sample = SampleFactory(
        characteristic=char, timestamp=when, actual_n=len(values), value=sum(values) / len(values),
        mean=sum(values) / len(values), range=max(values) - min(values), **kwargs,
    )  # fmt: skip
    for position, value in enumerate(values):
        MeasurementFactory(sample=sample, position=position, value=value)
    return sample


BORE_VALUES = [10.1, 9.9, 10.0, 10.2, 9.8, 10.05, 9.95, 10.15, 9.85, 10.0, 10.1, 9.9]


@pytest.fixture
def report_dir(settings: Any, tmp_path: Path) -> Path:
    """Report files go to a temporary directory."""
    settings.OPENSPC_REPORTS_DIR = str(tmp_path)
    return tmp_path


@pytest.fixture
def dataset(db: None, report_dir: Path) -> Dataset:
    plant = build_plant()
    other_line = NodeFactory(parent=plant["area"], name="Line 2")
    bore = CharacteristicFactory(
        hierarchy=plant["cell"], name="Bore", usl=11.0, lsl=9.0, target=10.0, sigma=0.15,
        center_line=10.0, ucl=10.45, lcl=9.55, unit="mm", decimal_places=2,
    )  # fmt: skip
    width = CharacteristicFactory(
        hierarchy=plant["equipment"], name="Width", chart_type="XBAR_R", subgroup_size=3,
        usl=5.5, lsl=4.5, sigma=0.1,
    )  # fmt: skip
    elsewhere = CharacteristicFactory(hierarchy=other_line, name="Elsewhere", usl=2.0, lsl=0.0)
    for i, value in enumerate(BORE_VALUES):
        add_sample(bore, [value], DAY0 + timedelta(hours=6 * i))  # days 0..2
    excluded = add_sample(bore, [12.5], DAY0 + timedelta(hours=7), is_excluded=True)
    for i in range(4):
        add_sample(width, [5.0 + 0.1 * i, 4.9, 5.1], DAY0 + timedelta(hours=12 * i))
    add_sample(elsewhere, [1.0], DAY0)
    add_sample(elsewhere, [1.5], DAY0 + timedelta(hours=1))
    reasons = [ReasonCodeFactory(code="tool-wear", description="Tool wear"),
               ReasonCodeFactory(code="material", description="Material lot")]  # fmt: skip
    bore_samples = list(bore.samples.order_by("id"))
    user = User.objects.create_user("quinn", password="qa-pass-123")
    violations = []
    specs = [  # (sample, rule, ack reason or None, minutes to ack)
        (bore_samples[0], 1, reasons[0], 10), (bore_samples[1], 1, reasons[0], 20),
        (bore_samples[2], 2, reasons[1], 30), (bore_samples[3], 1, None, None),
        (bore_samples[4], 5, None, None),
    ]  # fmt: skip
    for sample, rule, reason, minutes in specs:
        created = sample.timestamp
        violations.append(ViolationFactory(
            sample=sample, rule=rule, created_at=created, reason_code=reason,
            acknowledged_at=created + timedelta(minutes=minutes) if reason else None,
            acknowledged_by=user if reason else None, comment="checked" if reason else "",
        ))  # fmt: skip
    width_sample = width.samples.first()
    violations.append(
        ViolationFactory(
            sample=width_sample, rule=3, severity="WARNING", created_at=width_sample.timestamp
        )
    )
    elsewhere_sample = elsewhere.samples.first()
    ViolationFactory(sample=elsewhere_sample, rule=1, created_at=elsewhere_sample.timestamp)
    return Dataset(plant, other_line, bore, width, elsewhere, excluded, reasons, violations)


@pytest.fixture
def qa_client(db: None) -> Client:
    """A logged-in QA manager."""
    user = persona("qa-manager", "qa-pass-456", QA_MANAGER)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def pdf_engine() -> None:
    """Skip when WeasyPrint cannot load Debian's Pango (fail instead under CI, where
    ``scripts/system_packages.sh`` must have installed it)."""
    require_pdf_engine()


def require_pdf_engine() -> None:
    """Skip the calling test without a working WeasyPrint; fail under CI."""
    problem = pdf.engine_problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"WeasyPrint cannot load Pango: {problem}")
        pytest.skip(f"WeasyPrint cannot load Pango: {problem}")
