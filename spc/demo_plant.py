"""The demo plant: one enterprise, two sites, several lines, characteristics of every chart type.

Data only (names, chart settings, the process each characteristic simulates) plus the
function that creates it, so ``seed_demo``, the simulator and the tests share one definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from alerts.models import ReasonCode
from hierarchy.models import Level, Node
from spc.models import Characteristic


@dataclass(frozen=True)
class DemoCharacteristic:
    """One characteristic of the demo plant and the process that feeds it."""

    line: str
    name: str
    chart_type: str
    subgroup_size: int = 1
    mean: float = 10.0
    sigma: float = 0.1
    usl: float | None = None
    lsl: float | None = None
    unit: str = "mm"
    provider: str = "MANUAL"
    extra: dict[str, Any] = field(default_factory=dict)


SITES = {
    "detroit": (
        "Detroit Plant",
        {"machining": ("Machining", ["cnc-1", "cnc-2"]), "assembly": ("Assembly", ["final-1"])},
    ),
    "monterrey": (
        "Monterrey Plant",
        {
            "molding": ("Injection Molding", ["press-4", "press-7"]),
            "paint": ("Paint Shop", ["paint-1"]),
        },
    ),
}

CHARACTERISTICS: list[DemoCharacteristic] = [
    DemoCharacteristic(
        "cnc-1", "Bore diameter", "XBAR_R", 5, 74.0, 0.01, 74.03, 73.97, provider="MQTT"
    ),
    DemoCharacteristic(
        "cnc-1", "Shaft OD", "XBAR_R", 5, 25.0, 0.005, 25.015, 24.985, provider="MQTT"
    ),
    DemoCharacteristic(
        "cnc-1", "Surface roughness Ra", "I_MR", 1, 0.8, 0.05, 1.0, None, "µm", provider="MQTT"
    ),
    DemoCharacteristic(
        "cnc-1", "Spindle temperature", "EWMA", 1, 42.0, 0.5, 46.0, 38.0, "°C", provider="MQTT"
    ),
    DemoCharacteristic(
        "cnc-2", "Flange thickness", "XBAR_S", 8, 12.0, 0.02, 12.06, 11.94, provider="MQTT"
    ),
    DemoCharacteristic(
        "cnc-2", "Hole position X", "I_MR", 1, 50.0, 0.01, 50.03, 49.97, provider="MQTT"
    ),
    DemoCharacteristic(
        "cnc-2",
        "Thread depth",
        "XBAR_R",
        4,
        15.0,
        0.03,
        15.1,
        14.9,
        extra={"subgroup_mode": "VARIABLE_LIMITS", "min_measurements": 2},
    ),
    DemoCharacteristic("cnc-2", "Tool wear", "CUSUM", 1, 0.2, 0.01, 0.25, None, provider="MQTT"),
    DemoCharacteristic("final-1", "Torque", "I_MR", 1, 12.0, 0.3, 13.0, 11.0, "N·m"),
    DemoCharacteristic(
        "final-1",
        "Leak rate",
        "XBAR_S",
        5,
        2.0,
        0.1,
        2.5,
        None,
        "ml/min",
        extra={"subgroup_mode": "STANDARDIZED", "min_measurements": 2},
    ),
    DemoCharacteristic(
        "final-1", "Defective units", "P", 1, 0.04, 0.0, unit="", extra={"sample_size": 100}
    ),
    DemoCharacteristic("final-1", "Label defects", "C", 1, 4.0, 0.0, unit="defects"),
    DemoCharacteristic(
        "press-4", "Part weight", "XBAR_R", 5, 120.0, 0.4, 121.5, 118.5, "g", provider="MQTT"
    ),
    DemoCharacteristic(
        "press-4", "Wall thickness", "I_MR", 1, 2.5, 0.02, 2.58, 2.42, provider="MQTT"
    ),
    DemoCharacteristic(
        "press-4", "Short shots", "NP", 1, 3.0, 0.0, unit="parts", extra={"sample_size": 200}
    ),
    DemoCharacteristic(
        "press-7", "Cycle time", "I_MR", 1, 31.0, 0.4, 33.0, 29.0, "s", provider="MQTT"
    ),
    DemoCharacteristic(
        "press-7", "Melt temperature", "EWMA", 1, 230.0, 1.0, 236.0, 224.0, "°C", provider="MQTT"
    ),
    DemoCharacteristic("press-7", "Flash length", "XBAR_R", 3, 0.3, 0.05, 0.5, None),
    DemoCharacteristic(
        "paint-1", "Film thickness", "XBAR_S", 6, 60.0, 2.0, 68.0, 52.0, "µm", provider="MQTT"
    ),
    DemoCharacteristic("paint-1", "Gloss", "I_MR", 1, 88.0, 0.8, 92.0, 84.0, "GU"),
    DemoCharacteristic(
        "paint-1",
        "Paint defects per m²",
        "U",
        1,
        1.5,
        0.0,
        unit="defects",
        extra={"sample_size": 4},
    ),
    DemoCharacteristic(
        "paint-1", "Orange peel rejects", "P", 1, 0.02, 0.0, unit="", extra={"sample_size": 250}
    ),
]

REASON_CODES = [
    ("tool-wear", "Tool worn or broken", "MACHINE"),
    ("machine-adjust", "Machine adjusted or repaired", "MACHINE"),
    ("setup-change", "Set-up or changeover", "METHOD"),
    ("material-lot", "New material lot", "MATERIAL"),
    ("operator-error", "Operator error", "MAN"),
    ("gauge-error", "Gauge or measurement error", "MEASUREMENT"),
    ("temperature", "Ambient temperature or humidity", "ENVIRONMENT"),
    ("false-alarm", "Investigated, no assignable cause", "OTHER"),
]


def _node(name: str, code: str, level: str, parent: Node | None) -> Node:
    node = Node.objects.filter(parent=parent, code=code).first()
    if node is None:
        node = Node(name=name, code=code, level=level, parent=parent)
        node.save()
    return node


def _lines() -> dict[str, Node]:
    enterprise = _node("Acme Manufacturing", "acme", Level.ENTERPRISE, None)
    lines: dict[str, Node] = {}
    for site_code, (site_name, areas) in SITES.items():
        site = _node(site_name, site_code, Level.SITE, enterprise)
        for area_code, (area_name, line_codes) in areas.items():
            area = _node(area_name, area_code, Level.AREA, site)
            for line_code in line_codes:
                lines[line_code] = _node(line_code.upper(), line_code, Level.LINE, area)
    return lines


@transaction.atomic
def create_demo_plant() -> list[Characteristic]:
    """Create (or find) the demo tree, its characteristics and the reason codes."""
    for code, description, category in REASON_CODES:
        ReasonCode.objects.get_or_create(
            code=code, defaults={"description": description, "category": category}
        )
    lines = _lines()
    created = []
    for spec in CHARACTERISTICS:
        extra = {k: v for k, v in spec.extra.items() if k != "sample_size"}
        char, _ = Characteristic.objects.get_or_create(
            hierarchy=lines[spec.line],
            name=spec.name,
            defaults={
                "chart_type": spec.chart_type,
                "subgroup_size": spec.subgroup_size,
                "usl": spec.usl,
                "lsl": spec.lsl,
                "target": spec.mean if spec.usl is not None and spec.lsl is not None else None,
                "unit": spec.unit,
                "provider": spec.provider,
                "mqtt_topic": f"openspc/demo/{spec.line}/{_slug(spec.name)}"
                if spec.provider == "MQTT"
                else "",
                **extra,
            },
        )
        created.append(char)
    return created


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")
