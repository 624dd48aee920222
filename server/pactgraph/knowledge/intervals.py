"""Certain and possible intervals of days: the arithmetic behind derived obligations.

One convention everywhere: an interval is ``[from, until)``, ``until`` being the first day on which
the thing no longer holds (as ``eli:date_no_longer_in_force``, ``pg:memberUntil``,
``pg:periodEnd`` are read). Where sources disagree, a span carries two intervals: ``certain`` (every
source agrees it held) within ``possible`` (some source allows it). Days are ISO strings
(``YYYY-MM-DD``), which sort as dates; ``None`` as an ``until`` is "no end known".
"""

from __future__ import annotations

from dataclasses import dataclass

Day = str


def year_start(value: str) -> Day:
    """A published date, year or year-month as the first day it can denote."""
    if len(value) == 4:
        return value + "-01-01"
    if len(value) == 7:
        return value + "-01"
    return value[:10]


def after_period(value: str) -> Day:
    """A published date, year or year-month as the first day after the last day it can denote."""
    if len(value) == 4:
        return f"{int(value) + 1:04d}-01-01"
    if len(value) == 7:
        year, month = int(value[:4]), int(value[5:7])
        return f"{year + month // 12:04d}-{month % 12 + 1:02d}-01"
    return value[:10]


def _min_until(*untils: Day | None) -> Day | None:
    known = [u for u in untils if u is not None]
    return min(known) if known else None


@dataclass(frozen=True)
class Interval:
    """``[start, until)``; ``until`` None is open-ended."""

    start: Day
    until: Day | None = None

    @property
    def empty(self) -> bool:
        return self.until is not None and self.until <= self.start

    def holds_on(self, day: Day) -> bool:
        return self.start <= day and (self.until is None or day < self.until)

    def meet(self, other: Interval) -> Interval:
        return Interval(max(self.start, other.start), _min_until(self.until, other.until))


@dataclass(frozen=True)
class Span:
    """What the sources say about when something held: certainly (possibly never) and possibly."""

    possible: Interval
    certain: Interval | None = None

    @classmethod
    def of(cls, possible_from: Day, possible_until: Day | None, certain_from: Day | None,
           certain_until: Day | None) -> Span:
        possible = Interval(possible_from, possible_until)
        certain = None
        if certain_from is not None:
            certain = Interval(max(certain_from, possible_from),
                               _min_until(certain_until, possible_until))
            if certain.empty:
                certain = None
        return cls(possible, certain)

    @property
    def empty(self) -> bool:
        return self.possible.empty

    @property
    def disputed_end(self) -> bool:
        return self.certain is None or self.certain.until != self.possible.until

    def meet(self, other: Span) -> Span:
        possible = self.possible.meet(other.possible)
        certain = (self.certain.meet(other.certain)
                   if self.certain is not None and other.certain is not None else None)
        if certain is not None and certain.empty:
            certain = None
        return Span(possible, certain)

    def before(self, possible_start: Day, certain_start: Day) -> Span:
        """The part before something that possibly began on ``possible_start`` and certainly
        had by ``certain_start`` (a suspension): certain until the first, possible until the
        second."""
        return self.meet(Span(Interval("0001-01-01", certain_start),
                              Interval("0001-01-01", possible_start)))

    def after(self, possible_end: Day | None, certain_end: Day | None) -> Span | None:
        """The part after something that certainly ended by ``certain_end`` and possibly ended
        from ``possible_end``; None if it has not ended."""
        if possible_end is None:
            return None
        certain_from = certain_end if certain_end is not None else None
        other = Span(Interval(possible_end), Interval(certain_from) if certain_from else None)
        return self.meet(other)

    def certainty_on(self, day: Day) -> str | None:
        """'certain', 'possible', or None (the span does not reach ``day``)."""
        if self.certain is not None and self.certain.holds_on(day):
            return "certain"
        if self.possible.holds_on(day):
            return "possible"
        return None
