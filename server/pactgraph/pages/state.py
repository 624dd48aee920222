"""What a state's page shows: who must help it and how strongly, the commitments it gives and
receives, past and present, and the invocations it made or benefited from.

Separate from ``commitment_page`` because it reads the graph from the other side: it starts from a
state and gathers the commitments, memberships and invocations that name it, and it is fed the
rows of the example question ``who-must-help`` (and a link to it) by the resource blueprint.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF

from pactgraph.namespaces import ELI, PG
from pactgraph.pages.clause import InvocationView, invocation_view
from pactgraph.pages.commitment_dates import DateOn, earliest, span
from pactgraph.pages.labeller import Labeller, Link
from pactgraph.pages.readers import (
    commitment_classes,
    flag_of,
    link_of,
    sources_of,
    text_of,
    wikidata_links,
)


@dataclass(frozen=True)
class Helper:
    state: Link
    caveat: str


@dataclass(frozen=True)
class HelpGroup:
    """The states obliged to help under one article of one commitment, with one strength."""

    commitment: Link
    article: str
    clause: Link | None
    strength: Link
    rank: int
    helpers: tuple[Helper, ...]


@dataclass(frozen=True)
class StateCommitment:
    commitment: Link
    role: str
    start: str
    end: str
    status: Link | None
    participation: Link | None
    strongest: Link | None   # the strongest defense clause's strength, if any
    has_defense: bool | None = None   # as the commitment states it, clause in the data or not
    start_note: str = ""     # what the start is, when not this state's own membership
    end_note: str = ""


def date_note(date: DateOn | None) -> str:
    """How a row says that a date is the commitment's, not the state's membership, or one
    reading of several."""
    if date is None:
        return ""
    what = {"in force": "treaty in force", "signed": "treaty signed", "issued": "issued",
            "ended": "treaty ended"}[date.what]
    return f"{what}; one reading, sources differ" if date.reading else what


# Names of states that take "the" in a sentence ("If the Philippines is attacked").
_WITH_ARTICLE = ("United ", "Republic of ", "Kingdom of ", "Federated States", "Philippines",
                 "Netherlands", "Soviet Union", "Bahamas", "Gambia", "Czech Republic",
                 "Dominican Republic", "Central African Republic", "Maldives", "Comoros",
                 "Seychelles", "Marshall Islands", "Solomon Islands", "Holy See")


def in_sentence(name: str) -> str:
    """A state's name as it stands in an English sentence: "the Philippines", "Japan"."""
    return f"the {name}" if name.startswith(_WITH_ARTICLE) else name


@dataclass(frozen=True)
class StateView:
    title: str
    iso: str
    key: str   # what the API takes for the state: its ISO code, or its slug when it has none
    cow: str
    wikidata: tuple[Link, ...]
    helpers: tuple[HelpGroup, ...]
    helpers_asked_by: Link   # the example question that found the helpers, linked to its file
    commitments: tuple[StateCommitment, ...]
    invoked: tuple[InvocationView, ...]
    assisted: tuple[InvocationView, ...]
    sources: tuple[tuple[Link, str], ...] = field(default=())

    @property
    def in_sentence(self) -> str:
        return in_sentence(self.title)


def help_groups(rows: Iterable[dict[str, Any]], state: str, labels: Labeller) -> list[HelpGroup]:
    """Rows of the question ``who-must-help`` about ``state``, grouped by commitment and article."""
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        if row["attacked"] != state:
            continue
        key = (row["commitment"], row["article"], row["strength"])
        group = groups.setdefault(key, {"row": row, "helpers": []})
        group["helpers"].append(Helper(labels.term(URIRef(row["helper"])), row.get("caveat", "")))
    found = []
    for (commitment, article, strength), group in groups.items():
        row = group["row"]
        clause = row.get("clause")
        found.append(HelpGroup(
            labels.term(URIRef(commitment)), article,
            labels.term(URIRef(clause)) if clause else None,
            Link(row["strengthLabel"], labels.term(URIRef(strength)).href),
            int(row["rank"]), tuple(sorted(group["helpers"], key=lambda h: h.state.text))))
    return sorted(found, key=lambda g: (g.rank, g.commitment.text, g.article))


def strongest_strength(graph: Graph, commitment: Any, labels: Labeller) -> Link | None:
    strengths = [s for p in graph.objects(commitment, ELI.has_part)
                 for s in graph.objects(p, PG.obligationStrength)]
    if not strengths:
        return None
    best = min(strengths, key=lambda s: int(graph.value(s, PG.strengthRank) or 99))
    return labels.term(best)


def state_commitments(graph: Graph, state: URIRef, labels: Labeller) -> list[StateCommitment]:
    # Only the commitments the state is named in, each with its memberships: reading every
    # commitment and, for each, every membership of the state took 223 s for France at 80 times
    # the data (10,138 commitments, hundreds of memberships).
    memberships_in: dict[Any, list[Any]] = {}
    for membership in graph.subjects(PG.member, state):
        memberships_in.setdefault(graph.value(membership, PG.membershipOf), []).append(membership)
    named_in = {*graph.subjects(PG.party, state), *graph.subjects(PG.concerns, state),
                *memberships_in} - {None}
    classes = commitment_classes(graph)
    found = []
    for commitment in named_in:
        if classes.isdisjoint(graph.objects(commitment, RDF.type)):
            continue
        role = ("party" if (commitment, PG.party, state) in graph
                else "concerned" if (commitment, PG.concerns, state) in graph else "")
        memberships = memberships_in.get(commitment, [])
        whole = span(graph, commitment)
        if whole[0] is None:
            whole = (earliest(graph, commitment, DCTERMS.date, "issued"), whole[1])
        for membership in memberships or [None]:
            own = ((text_of(graph, membership, PG.memberFrom),
                    text_of(graph, membership, PG.memberUntil))
                   if membership is not None else ("", ""))
            start, end = ((own[i], "") if own[i] else
                          ((whole[i].date, date_note(whole[i])) if whole[i] else ("", ""))
                          for i in (0, 1))
            found.append(StateCommitment(
                labels.term(commitment), role or "member", start[0], end[0],
                link_of(graph, commitment, PG.legalStatus, labels),
                link_of(graph, membership, PG.participationStatus, labels)
                if membership is not None else None,
                strongest_strength(graph, commitment, labels),
                flag_of(graph, commitment, PG.hasMutualDefenseObligation), start[1], end[1]))
    return sorted(found, key=lambda c: (c.start or "9999", c.commitment.text))



def state_view(graph: Graph, state: URIRef, labels: Labeller,
               who_must_help: Iterable[dict[str, Any]], asked_by: Link) -> StateView:
    def invocations(prop: URIRef) -> tuple[InvocationView, ...]:
        return tuple(sorted((invocation_view(graph, i, labels)
                             for i in graph.subjects(prop, state)), key=lambda v: v.date))

    return StateView(
        title=labels.text(state), iso=text_of(graph, state, PG.iso3166Alpha3),
        key=str(state).rsplit("/", 1)[-1],
        cow=text_of(graph, state, PG.cowStateCode),
        wikidata=tuple(wikidata_links(graph, state, labels)),
        helpers=tuple(help_groups(who_must_help, str(state), labels)),
        helpers_asked_by=asked_by,
        commitments=tuple(state_commitments(graph, state, labels)),
        invoked=invocations(PG.invokingParty), assisted=invocations(PG.assistedParty),
        sources=tuple(sources_of(graph, [state], labels)))
