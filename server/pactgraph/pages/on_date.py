"""What a state's or a treaty's page shows for one day: the pairs bound then, what changed that
day, and the unilateral statements made about the state by then (never counted as obligations).

The pairs are pages/obligations.py's rows; the day and the day before come from one query (an
interval that holds on either holds from the day before on), told apart by each row's interval.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from dataclasses import dataclass

from pactgraph.pages.obligations import Question, as_rows, fetch, holds, rows

# Above this many pairs a page lists them by protected party, one row each, instead of one row a
# pair: NATO binds 992 pairs on a day, a table of 550 KB that took most of its page's time to
# render and no reader scrolls through. Each pair's dates and evidence stay in the JSON and CSV.
PAIRS_IN_FULL = 60


@dataclass(frozen=True)
class Guarantor:
    iri: str
    label: str
    note: str = ""   # a caveat on the pair, or that its end is disputed


@dataclass(frozen=True)
class Defenders:
    """The guarantors bound to defend one protected party under one clause on the day."""

    protected: str
    protected_label: str
    commitment: str
    commitment_label: str
    article: str
    strength_label: str
    certain: tuple[Guarantor, ...]
    possible: tuple[Guarantor, ...]


def by_protected(rows: tuple[dict, ...]) -> tuple[Defenders, ...]:
    """The rows (already in protected party's order) gathered by protected party and clause."""
    groups: dict[tuple, dict[str, list[Guarantor]]] = {}
    for r in rows:
        key = (r["protected"], r["protected_label"], r["commitment"], r["commitment_label"],
               r["article"], r["strength_label"])
        note = r["caveat"] or ("end disputed" if r["end_disputed"] else "")
        groups.setdefault(key, {"certain": [], "possible": []})[r["certainty"]].append(
            Guarantor(r["guarantor"], r["guarantor_label"], note))
    return tuple(Defenders(*key, tuple(g["certain"]), tuple(g["possible"]))
                 for key, g in groups.items())


@dataclass(frozen=True)
class OnDate:
    """What a state's or a treaty's page shows for one day: the pairs bound then, and what
    changed that day (pairs bound that day but not the day before, and the reverse)."""

    date: str
    rows: tuple[dict, ...]
    began: tuple[dict, ...]
    ended: tuple[dict, ...]
    statements: tuple[dict, ...] = ()  # unilateral statements about the state, never obligations

    @property
    def grouped(self) -> tuple[Defenders, ...]:
        """The rows by protected party when there are too many for a row a pair and more than
        one protected party (a treaty's page; a state's page protects one), else ()."""
        if len(self.rows) <= PAIRS_IN_FULL or len({r["protected"] for r in self.rows}) < 2:
            return ()
        return by_protected(self.rows)


def day_before(day: str) -> str:
    return (datetime.date.fromisoformat(day) - datetime.timedelta(days=1)).isoformat()


def on_date(question: Question, select: Callable[[str], list[dict[str, str]]]) -> OnDate:
    def key(row: dict) -> tuple:
        return row["guarantor"], row["protected"], row["commitment"], row["clause"], \
            row["certainty"]
    if question.date <= "0001-01-01":
        return OnDate(question.date, tuple(rows(question, select)), (), ())
    # One query for both days: an interval that holds on either holds from the day before on.
    previous = dataclasses.replace(question, date=day_before(question.date))
    fetched = fetch(dataclasses.replace(question, since=previous.date), select)
    now = as_rows(question, [r for r in fetched if holds(r, question.date)])
    before = as_rows(previous, [r for r in fetched if holds(r, previous.date)])
    was, is_ = {key(r): r for r in before}, {key(r): r for r in now}
    return OnDate(question.date, tuple(now), tuple(r for k, r in is_.items() if k not in was),
                  tuple(r for k, r in was.items() if k not in is_))


def statements_sparql(state: str, day: str) -> str:
    """Unilateral statements about ``state`` made on or before ``day``: shown beside the
    obligations, never counted as one."""
    return f"""
SELECT ?statement ?label ?statedIn ?stance ?by ?byLabel WHERE {{
  ?statement a pg:UnilateralStatement ; pg:statementAbout <{state}> ; pg:statedIn ?statedIn ;
             rdfs:label ?label ; pg:statedBy ?by .
  OPTIONAL {{ ?statement pg:stance/skos:prefLabel ?stance }}
  OPTIONAL {{ ?by rdfs:label ?byLabel }}
  FILTER (STR(?statedIn) <= "{day}")
}} ORDER BY ?statedIn
"""
