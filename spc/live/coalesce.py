"""Coalescing a page's live fragments: many events within a short window become one frame.

A burst of samples (a machine catching up, a replay after a reconnect) used to send one
WebSocket frame per sample to every page. The consumer now adds each event's fragments to
a :class:`FrameBuffer` and sends what it holds once per window (``OPENSPC_LIVE_COALESCE_MS``).

Out-of-band roots fall into two kinds, told apart by their ``hx-swap-oob`` value:

- **replacements** (``true`` / ``outerHTML``: a card, a state badge, the status block, an
  acknowledged cell, an episode's "latest" label): a later one with the same id supersedes
  the earlier, so only the newest is kept, at the place of the newest (after whatever an
  earlier append created that it may update);
- **insertions** (``beforeend`` / ``afterbegin`` into an id: chart points, new violation
  rows, toasts): every one is kept; those into the same target are merged into one wrapper
  at the place of the first, in the order the page would have had after separate swaps.
  The chart therefore still gets every point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser

VOID = frozenset(
    "area base br col embed hr img input link meta source track wbr".split()  # noqa: SIM905
)
_OOB = re.compile(r'\bhx-swap-oob="([^"]*)"')
_ID = re.compile(r'\sid="([^"]*)"')
_NEWLINE = re.compile("\n")
REPLACE_SPECS = frozenset({"true", "outerHTML"})


@dataclass(frozen=True)
class Root:
    """One top-level element of a frame: its whole text and where its content lies."""

    html: str
    start_tag: str
    inner: str


class _Splitter(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.text = text
        self.line_starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
        self.depth = 0
        self.start = 0
        self.inner_start = 0
        self.start_tag = ""
        self.roots: list[Root] = []

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth == 0:
            self.start = self._offset()
            self.start_tag = self.get_starttag_text() or ""
            self.inner_start = self.start + len(self.start_tag)
            if tag in VOID:
                self._close_root(self.inner_start, self.inner_start)
                return
        if tag not in VOID:
            self.depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth == 0:
            self.start = self._offset()
            self.start_tag = self.get_starttag_text() or ""
            end = self.start + len(self.start_tag)
            self._close_root(end, end)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID or self.depth == 0:
            return
        self.depth -= 1
        if self.depth == 0:
            here = self._offset()
            end = self.text.index(">", here) + 1
            self._close_root(here, end)

    def _close_root(self, inner_end: int, end: int) -> None:
        self.roots.append(
            Root(
                html=self.text[self.start : end],
                start_tag=self.start_tag,
                inner=self.text[self.inner_start : inner_end],
            )
        )


@lru_cache(maxsize=1024)
def split_roots(html: str) -> tuple[Root, ...]:
    """The top-level elements of a frame of fragments (text between them is dropped).

    Cached: the pages showing one chart get the same rendered string for an event."""
    parser = _Splitter(html)
    parser.feed(html)
    parser.close()
    return tuple(parser.roots)


@dataclass
class _Insertion:
    start_tag: str
    spec: str
    inners: list[str] = field(default_factory=list)

    def html(self) -> str:
        parts = reversed(self.inners) if self.spec.startswith("afterbegin") else self.inners
        name = self.start_tag[1:].split(None, 1)[0].rstrip(">/")
        return f"{self.start_tag}{''.join(parts)}</{name}>"


class FrameBuffer:
    """The fragments waiting for a page's next frame; see the module docstring."""

    def __init__(self) -> None:
        self.parts: dict[tuple[str, ...], str | _Insertion] = {}
        self.events = 0

    def __bool__(self) -> bool:
        return bool(self.parts)

    def add(self, html: str) -> None:
        """Add one event's fragments."""
        if not html:
            return
        self.events += 1
        for root in split_roots(html):
            spec_match = _OOB.search(root.start_tag)
            id_match = _ID.search(root.start_tag)
            spec = spec_match.group(1) if spec_match else ""
            target = id_match.group(1) if id_match else ""
            if ":" in spec:  # "afterbegin:#rows": the target is the selector
                target = spec
            if not spec or not target:
                self.parts[("other", str(len(self.parts)), root.html)] = root.html
            elif spec in REPLACE_SPECS:
                key = ("replace", target)
                self.parts.pop(key, None)  # keep the newest, at the newest's place
                self.parts[key] = root.html
            else:
                insertion = self.parts.setdefault(
                    ("insert", target, spec), _Insertion(root.start_tag, spec)
                )
                assert isinstance(insertion, _Insertion)
                insertion.inners.append(root.inner)

    def take(self) -> str:
        """The frame to send (empty when nothing waits), and start a new one."""
        frame = "".join(p if isinstance(p, str) else p.html() for p in self.parts.values())
        self.parts = {}
        self.events = 0
        return frame
