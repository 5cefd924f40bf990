"""Tree order of the plant: each node right after its parent, siblings by name.

A node's ``tree_key`` is its parent's key followed by a segment of its own (name, then
id), so sorting the keys as plain strings lists the tree depth first with siblings by
name. Ids in a path do not sort: as strings ``/1/8/12/`` comes before ``/1/8/9/``.

A segment is hexadecimal text, so every database collation compares it character by
character as the bytes would compare (PostgreSQL's locale collations ignore punctuation
and fold case; hex digits have neither). Names compare case-folded and "naturally": a run
of digits compares by its number, so "Line 2" comes before "Line 10". Pure Python.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

#: Bytes of a name that take part in the order (longer names tie, then go by id).
NAME_BYTES = 48
#: Hex digits of the id in a segment (ids below 16**12).
ID_DIGITS = 12
#: Longest key of a tree six levels deep: what ``Node.tree_key`` must hold.
MAX_KEY_LENGTH = 6 * (2 * NAME_BYTES + 2 + ID_DIGITS)

_DIGIT_RUN = re.compile(r"(\d+)")
_NUMBER = 1  # a number sorts before any text (all printable characters are above 0x1f)
_END = "00"  # ends the name: a name sorts before any longer name it begins


def name_bytes(name: str) -> bytes:
    """The bytes a name sorts by: case-folded UTF-8 with each run of digits as a number
    (a marker, the count of its digits, the digits without leading zeros), so runs compare
    by value; cut at :data:`NAME_BYTES`."""
    out = bytearray()
    text = unicodedata.normalize("NFKC", name).strip().casefold()
    for part in _DIGIT_RUN.split(text):
        if not part:
            continue
        if part[0].isdigit():
            digits = str(int(part))
            out += bytes([_NUMBER, min(len(digits), 255)]) + digits.encode()
        else:
            out += part.encode()
    return bytes(out[:NAME_BYTES])


def sort_segment(name: str, pk: int) -> str:
    """One node's part of a tree key: its name's sort bytes in hex, an end mark, the id."""
    return name_bytes(name).hex() + _END + format(pk, f"0{ID_DIGITS}x")


def child_key(parent_key: str, name: str, pk: int) -> str:
    """The tree key of a node named ``name`` with id ``pk`` under a node keyed ``parent_key``
    ("" for a root)."""
    return parent_key + sort_segment(name, pk)


@dataclass
class Branch(Generic[T]):
    """One node of a nested tree with its children, in tree order."""

    item: T
    children: list[Branch[T]] = field(default_factory=list)


def nest(
    items: Iterable[T], key: Callable[[T], int], parent: Callable[[T], int | None]
) -> list[Branch[T]]:
    """Nest ``items`` (already in tree order) under their parents.

    An item whose parent is not among ``items`` (outside the user's sites, say) is a root.
    Children keep the order of ``items``.
    """
    branches: dict[int, Branch[T]] = {}
    roots: list[Branch[T]] = []
    for item in items:
        branch = Branch(item)
        branches[key(item)] = branch
        above = parent(item)
        if above is not None and above in branches:
            branches[above].children.append(branch)
        else:
            roots.append(branch)
    return roots
