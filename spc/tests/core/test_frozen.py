"""quick_init: the same instances as the dataclass's own __init__, still frozen."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from spc.core.frozen import quick_init
from spc.core.types import ChartLimits, Point, Severity, Signal, Subgroup
from spc.pipeline.inputs import SubgroupInput


@dataclasses.dataclass(frozen=True, slots=True)
class _Slotted:
    a: float
    b: str = "x"
    c: tuple[int, ...] = ()


@quick_init
@dataclasses.dataclass(frozen=True, slots=True)
class _FastSlotted:
    a: float
    b: str = "x"
    c: tuple[int, ...] = ()


@dataclasses.dataclass(frozen=True)
class _Plain:
    a: float
    b: str = "x"
    c: tuple[int, ...] = ()


@quick_init
@dataclasses.dataclass(frozen=True)
class _FastPlain:
    a: float
    b: str = "x"
    c: tuple[int, ...] = ()


@pytest.mark.parametrize(("fast", "reference"), [(_FastSlotted, _Slotted), (_FastPlain, _Plain)])
def test_same_instances_as_the_generated_init(fast: type, reference: type) -> None:
    calls: list[tuple[tuple[object, ...], dict[str, object]]] = [
        ((1.0,), {}),
        ((1.0, "y"), {}),
        ((1.0, "y", (2,)), {}),
        ((), {"a": 2.0, "c": (3,)}),
    ]
    for args, kwargs in calls:
        assert dataclasses.astuple(fast(*args, **kwargs)) == dataclasses.astuple(
            reference(*args, **kwargs)
        )
    with pytest.raises(TypeError):
        fast()  # a required field is still required
    with pytest.raises(TypeError):
        fast(1.0, d=2)  # no field d
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast(1.0).a = 2.0


def test_pipeline_types_keep_equality_hash_replace_and_pickle() -> None:
    point = Point(1.5, 2.0, 0.0, 3.0, -3.0, z=0.5, state=(1.0,))
    assert point == Point(1.5, 2.0, 0.0, 3.0, -3.0, z=0.5, state=(1.0,))
    assert hash(point) == hash(Point(1.5, 2.0, 0.0, 3.0, -3.0, z=0.5, state=(1.0,)))
    assert dataclasses.replace(point, z=1.0).z == 1.0
    assert pickle.loads(pickle.dumps(point)) == point
    assert (point.mean, point.is_undersized) == (None, False)  # defaults
    assert Subgroup((1.0, 2.0)).measurements == (1.0, 2.0)
    assert ChartLimits(0.0, 1.0, -1.0).lcl == -1.0
    assert Signal(3, 1, Severity.WARNING, (1, 2, 3)).involved == (1, 2, 3)
    data = SubgroupInput(characteristic_id=4, measurements=(1.0,), operator="ann")
    assert (data.characteristic_id, data.operator, data.source) == (4, "ann", "MANUAL")
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.operator = "bob"


def test_fields_it_cannot_set_plainly_are_refused() -> None:
    @dataclasses.dataclass(frozen=True)
    class WithFactory:
        a: list[int] = dataclasses.field(default_factory=list)

    @dataclasses.dataclass
    class NotFrozen:
        a: int

    for cls in (WithFactory, NotFrozen):
        with pytest.raises(TypeError):
            quick_init(cls)
