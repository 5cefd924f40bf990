"""The demo plant: one enterprise, two sites, several lines, characteristics of every chart type.

Data only (names, chart settings, sampling rhythm, the nominal process each characteristic
simulates) plus the function that creates it, so ``seed_demo``, the simulator and the tests
share one definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from alerts.models import ReasonCode
from hierarchy.models import Level, Node
from spc.demo_process import ATTRIBUTE, decimals_for
from spc.models import Characteristic


@dataclass(frozen=True)
class DemoCharacteristic:
    """One characteristic of the demo plant and the nominal process that feeds it.

    ``subgroup_size`` is the nominal n: measurements per subgroup, or for p, np and u charts
    the items (units) inspected per sample. ``mean`` is the process mean of the individual
    values, the defective fraction (p), the defectives per sample (np) or the defects per
    sample (c) or per unit (u); ``sigma`` is the individual values' standard deviation
    (variables only). ``every`` is the sampling rhythm in minutes.
    """

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
    every: int = 30

    @property
    def sample_size(self) -> float:
        """Items (p, np) or units (u) per sample; 1 for c and variables charts."""
        return float(self.subgroup_size) if self.chart_type in ("P", "NP", "U") else 1.0

    @property
    def rate(self) -> float:
        """Defectives per item (p, np) or defects per unit (c, u); 0 for variables."""
        if self.chart_type == "NP":
            return self.mean / self.sample_size
        return self.mean if self.chart_type in ATTRIBUTE else 0.0


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
        "cnc-1", "Bore diameter", "XBAR_R", 5, 74.0, 0.01, 74.03, 73.97, provider="MQTT", every=5
    ),
    DemoCharacteristic(
        "cnc-1", "Shaft OD", "XBAR_R", 5, 25.0, 0.005, 25.015, 24.985, provider="MQTT", every=5
    ),
    DemoCharacteristic(
        "cnc-1",
        "Surface roughness Ra",
        "I_MR",
        1,
        0.8,
        0.05,
        1.0,
        None,
        "µm",
        provider="MQTT",
        every=10,
    ),
    DemoCharacteristic(
        "cnc-1",
        "Spindle temperature",
        "EWMA",
        1,
        42.0,
        0.5,
        46.0,
        38.0,
        "°C",
        provider="MQTT",
        every=1,
    ),
    DemoCharacteristic(
        "cnc-2",
        "Flange thickness",
        "XBAR_S",
        8,
        12.0,
        0.02,
        12.06,
        11.94,
        provider="MQTT",
        every=10,
    ),
    DemoCharacteristic(
        "cnc-2", "Hole position X", "I_MR", 1, 50.0, 0.01, 50.03, 49.97, provider="MQTT", every=5
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
        every=30,
    ),
    DemoCharacteristic(
        "cnc-2", "Tool wear", "CUSUM", 1, 0.2, 0.01, 0.25, None, provider="MQTT", every=15
    ),
    DemoCharacteristic("final-1", "Torque", "I_MR", 1, 12.0, 0.3, 13.0, 11.0, "N·m", every=30),
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
        every=60,
    ),
    # Attribute charts: n is the items (units) inspected per sample, so that the stored
    # characteristic-level limits are those of the nominal sample.
    DemoCharacteristic("final-1", "Defective units", "P", 100, 0.04, 0.0, unit="", every=60),
    # 6 defects per sample rather than 4: with c-bar = 4 the 1 sigma zone edges (2 and 6)
    # would be attainable counts, and rule 7 would fire on every few dozen samples.
    DemoCharacteristic("final-1", "Label defects", "C", 1, 6.0, 0.0, unit="defects", every=120),
    DemoCharacteristic(
        "press-4",
        "Part weight",
        "XBAR_R",
        5,
        120.0,
        0.4,
        121.5,
        118.5,
        "g",
        provider="MQTT",
        every=2,
    ),
    DemoCharacteristic(
        "press-4", "Wall thickness", "I_MR", 1, 2.5, 0.02, 2.58, 2.42, provider="MQTT", every=2
    ),
    DemoCharacteristic("press-4", "Short shots", "NP", 200, 3.0, 0.0, unit="parts", every=60),
    DemoCharacteristic(
        "press-7", "Cycle time", "I_MR", 1, 31.0, 0.4, 33.0, 29.0, "s", provider="MQTT", every=1
    ),
    DemoCharacteristic(
        "press-7",
        "Melt temperature",
        "EWMA",
        1,
        230.0,
        1.0,
        236.0,
        224.0,
        "°C",
        provider="MQTT",
        every=1,
    ),
    DemoCharacteristic("press-7", "Flash length", "XBAR_R", 3, 0.3, 0.05, 0.5, None, every=30),
    DemoCharacteristic(
        "paint-1",
        "Film thickness",
        "XBAR_S",
        6,
        60.0,
        2.0,
        68.0,
        52.0,
        "µm",
        provider="MQTT",
        every=10,
    ),
    DemoCharacteristic("paint-1", "Gloss", "I_MR", 1, 88.0, 0.8, 92.0, 84.0, "GU", every=30),
    DemoCharacteristic(
        "paint-1", "Paint defects per m²", "U", 4, 1.5, 0.0, unit="defects", every=60
    ),
    DemoCharacteristic("paint-1", "Orange peel rejects", "P", 250, 0.02, 0.0, unit="", every=120),
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
                "decimal_places": _decimal_places(spec),
                "sampling_interval_minutes": spec.every,
                "provider": spec.provider,
                "mqtt_topic": f"openspc/demo/{spec.line}/{_slug(spec.name)}"
                if spec.provider == "MQTT"
                else "",
                **spec.extra,
            },
        )
        created.append(char)
    return created


def _decimal_places(spec: DemoCharacteristic) -> int:
    """The simulated gauge's decimals for variables; proportions to 4, counts to 2."""
    if spec.chart_type in ATTRIBUTE:
        return 4 if spec.chart_type == "P" else 2
    return decimals_for(spec.sigma)


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")


def spec_for(char: Characteristic) -> DemoCharacteristic | None:
    """The demo spec a characteristic was created from (None for any other characteristic)."""
    return _SPECS.get((char.hierarchy.code, char.name))


_SPECS = {(spec.line, spec.name): spec for spec in CHARACTERISTICS}
