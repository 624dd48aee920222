"""The two caps on an answer, rows (``max_result_rows``) and bytes (``max_result_bytes``), and
how a cut answer says which one cut it.

A writer pulls its rows (or triples) through ``Capped``, which stops before the row that would
pass either cap and records the ``Cut``. Each cut carries the signals of the row cap, naming its
own setting: the note a comment or message holds, and the ``"pactgraph"`` member of SPARQL JSON.
A row that alone is longer than the byte cap (one literal of 100 MB) cannot be cut at a row
boundary: ``too_large`` is the 503 that answers it, and nothing of it is sent.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from pactgraph.errors import LimitExceeded

ROWS = "max_result_rows"
BYTES = "max_result_bytes"
# Room kept under the byte cap for what an answer holds besides its rows: the head (variable names)
# and the signals of a cut (a note of ~250 bytes, a link).
FRAME_BYTES = 2048


@dataclass(frozen=True)
class Caps:
    rows: int = sys.maxsize
    bytes: int = sys.maxsize

    @classmethod
    def of(cls, rows: int | None, max_bytes: int | None = None) -> Caps:
        return cls(sys.maxsize if rows is None else rows,
                   sys.maxsize if max_bytes is None else max_bytes)

    def row_bytes(self, frame: int = 0) -> int:
        """How many bytes the rows may take, ``frame`` being what the rest of the answer takes."""
        return max(0, self.bytes - FRAME_BYTES - frame)


@dataclass(frozen=True)
class Cut:
    """Which cap cut an answer: ``setting`` (ROWS or BYTES), whose value is ``limit``."""

    setting: str
    limit: int

    def note(self) -> str:
        if self.setting == ROWS:
            return (f"only the first {self.limit} results are included; the query has more "
                    f"(limit set by the '{ROWS}' setting). Add ORDER BY with LIMIT and OFFSET to "
                    "page through.")
        return (f"only the first results are included, as the answer would be longer than "
                f"{self.limit} bytes (limit set by the '{BYTES}' setting). Add ORDER BY with "
                "LIMIT and OFFSET to page through, or ask for shorter values.")

    def member(self) -> dict:
        """The top-level ``"pactgraph"`` member of a cut SPARQL JSON answer."""
        return {"truncated": True, self.setting: self.limit, "message": self.note()}


def too_large(size: int, max_bytes: int) -> LimitExceeded:
    """The error for an answer whose first row (or triple) alone is over the byte cap."""
    return LimitExceeded(BYTES, f"the first result alone is {size} bytes long, more than the "
                         f"{max_bytes} bytes an answer may hold; nothing of it is sent. Ask for "
                         "shorter values (SUBSTR, STRLEN) or leave the long ones out")


class Capped:
    """``items``, each turned into a piece by ``render``, while they fit both caps; ``cut`` says
    which cap stopped them (None: all fitted). ``size`` measures a piece in bytes (plus
    ``separator`` between pieces); ``frame`` is what the answer takes besides its pieces."""

    def __init__(self, items: Iterable, caps: Caps, render: Callable = str,
                 size: Callable[[object], int] | None = None, frame: int = 0,
                 separator: int = 0) -> None:
        self._items = iter(items)
        self._caps = caps
        self._render = render
        self._size = size or (lambda piece: len(piece.encode("utf-8")))
        self._budget = caps.row_bytes(frame) if caps.bytes != sys.maxsize else sys.maxsize
        self._separator = separator
        self.count = 0
        self.bytes = 0
        self.cut: Cut | None = None

    def __iter__(self) -> Iterator:
        for item in self._items:
            if self.count >= self._caps.rows:
                self.cut = Cut(ROWS, self._caps.rows)
                return
            piece = self._render(item)
            if self._budget != sys.maxsize:
                size = self._size(piece) + self._separator
                if self.bytes + size > self._budget:
                    if self.count == 0:
                        raise too_large(size, self._caps.bytes)
                    self.cut = Cut(BYTES, self._caps.bytes)
                    return
                self.bytes += size
            self.count += 1
            yield piece
