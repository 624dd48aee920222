"""The states index and the commitments index: every row, filtered and sorted on the server, so
that both work without JavaScript (the filter is a GET form, each column header a link).

The rows are built once per app (they depend only on the data) and filtered per request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rdflib import Graph
from rdflib.namespace import RDF

from pactgraph.namespaces import PG
from pactgraph.pages.commitment import commitments
from pactgraph.pages.describe import label_or_iri
from pactgraph.pages.labeller import Labeller
from pactgraph.pages.readers import commitment_classes_members, flag_of, text_of
from pactgraph.pages.search import fold
from pactgraph.pages.state import strongest_strength


@dataclass(frozen=True)
class StateRow:
    iri: str
    name: str
    iso: str
    commitments: int   # commitments it is or was party to, a member of, or protected by
    helpers: int       # states obliged to help it under commitments in force (who-must-help)


@dataclass(frozen=True)
class CommitmentRow:
    iri: str
    title: str
    kind: str
    date: str          # signed, or issued for a declaration
    status: str
    parties: int
    strongest: str     # the strongest defense clause's strength, "" if none in the data
    defense: str       # "yes", "no", "not recorded"


STATE_SORTS = ("name", "iso", "commitments", "helpers")
COMMITMENT_SORTS = ("date", "title", "kind", "status", "parties", "strongest")


def state_rows(graph: Graph, who_must_help: Iterable[dict[str, Any]]) -> list[StateRow]:
    helpers: dict[str, set[str]] = {}
    for row in who_must_help:
        helpers.setdefault(row["attacked"], set()).add(row["helper"])
    bound: dict[Any, set[Any]] = {}
    for commitment in commitment_classes_members(graph):
        states = {*graph.objects(commitment, PG.party), *graph.objects(commitment, PG.concerns),
                  *(graph.value(m, PG.member)
                    for m in graph.subjects(PG.membershipOf, commitment))}
        for state in states:
            bound.setdefault(state, set()).add(commitment)
    return [StateRow(str(s), label_or_iri(graph, s), text_of(graph, s, PG.iso3166Alpha3),
                     len(bound.get(s, ())), len(helpers.get(str(s), ())))
            for s in graph.subjects(RDF.type, PG.State)]


def commitment_rows(graph: Graph, labels: Labeller) -> list[CommitmentRow]:
    rows = []
    for c in commitments(graph):
        parties = {*graph.objects(c.iri, PG.party),
                   *(graph.value(m, PG.member) for m in graph.subjects(PG.membershipOf, c.iri))}
        strongest = strongest_strength(graph, c.iri, labels)
        flag = flag_of(graph, c.iri, PG.hasMutualDefenseObligation)
        rows.append(CommitmentRow(str(c.iri), c.label, c.kind, c.signed, c.status, len(parties),
                                  strongest.text if strongest else "",
                                  "not recorded" if flag is None else "yes" if flag else "no"))
    return rows


@dataclass(frozen=True)
class Listing:
    """The rows a request asked for, and how it asked."""

    rows: list[Any]
    total: int
    text: str
    sort: str
    descending: bool
    choices: dict[str, list[str]]   # the values a select filter offers, by field
    chosen: dict[str, str]


def listing(rows: list[Any], text: str, sort: str, descending: bool, sorts: tuple[str, ...],
            searched: tuple[str, ...], filters: dict[str, str]) -> Listing:
    """``rows`` whose ``searched`` fields hold ``text`` (folded) and whose fields equal
    ``filters``, sorted by ``sort`` (one of ``sorts``; the first if not)."""
    sort = sort if sort in sorts else sorts[0]
    wanted = fold(text)
    choices = {name: sorted({getattr(row, name) for row in rows} - {""}) for name in filters}
    kept = [row for row in rows
            if (not wanted or any(wanted in fold(str(getattr(row, f))) for f in searched))
            and all(not value or getattr(row, name) == value for name, value in filters.items())]
    kept.sort(key=lambda row: (_key(getattr(row, sort)), _key(getattr(row, searched[0]))),
              reverse=descending)
    return Listing(kept, len(rows), text, sort, descending, choices, dict(filters))


def _key(value: Any) -> tuple[int, Any]:
    """Numbers as numbers, text folded; blanks last when ascending."""
    if isinstance(value, int):
        return (0, value)
    return (1 if value else 2, fold(str(value)))
