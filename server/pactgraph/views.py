"""Readable pages for the things people look up: treaties, states, clauses, invocations.

Pure functions over the published rdflib graph, no Flask (like ``describe``): each builds plain
data that one template lays out. Every value passes through a ``Labeller``, so links to our IRIs
point at the running server and literals stay literals (the templates escape them).

The generic property table of ``describe.resource_view`` stays on every page, under these
summaries, so nothing in the data is hidden by a layout that forgot it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from .describe import Labeller, Link, label_of
from .namespaces import ELI, PG, WD

# --- Small readers --------------------------------------------------------------------------------


def _texts(graph: Graph, node: Any, prop: URIRef) -> list[str]:
    return sorted(str(o) for o in graph.objects(node, prop) if isinstance(o, Literal))


def _text(graph: Graph, node: Any, prop: URIRef) -> str:
    values = _texts(graph, node, prop)
    return values[0] if values else ""


def _links(graph: Graph, node: Any, prop: URIRef, labels: Labeller) -> list[Link]:
    return sorted((labels.term(o) for o in graph.objects(node, prop)), key=lambda link: link.text)


def _link(graph: Graph, node: Any, prop: URIRef, labels: Labeller) -> Link | None:
    found = _links(graph, node, prop, labels)
    return found[0] if found else None


def _flag(graph: Graph, node: Any, prop: URIRef) -> bool | None:
    value = graph.value(node, prop)
    return bool(value.toPython()) if isinstance(value, Literal) else None


def _sources(graph: Graph, nodes: Iterable[Any], labels: Labeller) -> list[tuple[Link, str]]:
    found = {o for node in nodes for o in graph.objects(node, DCTERMS.source)}
    return sorted(((labels.term(s), str(graph.value(s, DCTERMS.publisher) or "")) for s in found),
                  key=lambda pair: pair[0].text)


def commitment_classes(graph: Graph) -> set[URIRef]:
    return set(graph.transitive_subjects(RDFS.subClassOf, PG.Commitment))


def page_kind(graph: Graph, node: URIRef) -> str | None:
    """Which readable layout fits ``node``: commitment, state, clause, invocation (or None)."""
    types = set(graph.objects(node, RDF.type))
    if types & commitment_classes(graph):
        return "commitment"
    for kind, cls in (("state", PG.State), ("clause", PG.ObligationClause),
                      ("invocation", PG.Invocation)):
        if cls in types:
            return kind
    return None


# --- Dates ----------------------------------------------------------------------------------------

# The dates a commitment's timeline shows, in the order they happen.
DATE_PROPERTIES = ((ELI.date_document, "signed"), (ELI.first_date_entry_in_force, "in force"),
                   (ELI.date_no_longer_in_force, "ended"))


@dataclass(frozen=True)
class DateMark:
    what: str             # "signed", "in force", "ended"
    date: str             # as published: YYYY-MM-DD or YYYY
    disputed: bool = False
    note: str = ""
    sources: tuple[tuple[Link, str], ...] = ()


def date_marks(graph: Graph, commitment: URIRef, labels: Labeller) -> list[DateMark]:
    """Signed, in force and ended, each either a date or the sources' conflicting readings."""
    marks = []
    for prop, what in DATE_PROPERTIES:
        for value in _texts(graph, commitment, prop):
            marks.append(DateMark(what, value))
        for reading in graph.objects(commitment, PG.dateReading):
            if graph.value(reading, PG.readingOf) == prop:
                marks.append(DateMark(what, _text(graph, reading, PG.readingValue), True,
                                      _text(graph, reading, PG.note),
                                      tuple(_sources(graph, [reading], labels))))
    order = {what: rank for rank, (_, what) in enumerate(DATE_PROPERTIES)}
    return sorted(marks, key=lambda m: (m.date, order[m.what]))


def start_and_end(graph: Graph, commitment: URIRef) -> tuple[str | None, str | None]:
    """From entry into force (else its earliest reading, else signature) to the end (else the
    earliest reading of the end); the rule queries/06-in-force-on-date.rq states."""
    def earliest(prop: URIRef) -> str | None:
        direct = _texts(graph, commitment, prop)
        readings = sorted(_text(graph, r, PG.readingValue)
                          for r in graph.objects(commitment, PG.dateReading)
                          if graph.value(r, PG.readingOf) == prop)
        return (direct or readings or [None])[0]

    start = earliest(ELI.first_date_entry_in_force) or earliest(ELI.date_document)
    return start, earliest(ELI.date_no_longer_in_force)


# --- Clauses, scopes, invocations -----------------------------------------------------------------


@dataclass(frozen=True)
class ScopeView:
    description: str
    regions: tuple[Link, ...]
    protects: tuple[Link, ...]
    unlimited: bool | None
    defined_in: Link | None


@dataclass(frozen=True)
class InterpretationView:
    link: Link
    stated_by: tuple[Link, ...]
    stated_in: str
    description: str
    extends_to: tuple[Link, ...]
    regions: tuple[Link, ...]


@dataclass(frozen=True)
class ClauseView:
    link: Link
    article: str
    treaty: Link | None
    paraphrase: str
    quotes: tuple[str, ...]
    trigger: Link | None
    strength: Link | None
    rank: int | None
    scope: ScopeView | None
    invocation_status: Link | None
    condition_note: str
    notes: tuple[str, ...]
    interpretations: tuple[InterpretationView, ...]
    invocations: tuple[InvocationView, ...]
    sources: tuple[tuple[Link, str], ...]


@dataclass(frozen=True)
class InvocationView:
    link: Link
    date: str
    confirmation_date: str
    clause: Link | None
    treaty: Link | None
    invoker: tuple[Link, ...]
    assisted: tuple[Link, ...]
    kind: Link | None
    collective: bool | None
    triggering_event: str
    outcome: str
    notes: tuple[str, ...]
    sources: tuple[tuple[Link, str], ...]


def scope_view(graph: Graph, scope: Any, labels: Labeller) -> ScopeView:
    return ScopeView(_text(graph, scope, PG.description),
                     tuple(_links(graph, scope, PG.region, labels)),
                     tuple(_links(graph, scope, PG.protects, labels)),
                     _flag(graph, scope, PG.geographicallyUnlimited),
                     _link(graph, scope, PG.scopeDefinedIn, labels))


def invocation_view(graph: Graph, invocation: URIRef, labels: Labeller) -> InvocationView:
    clause = graph.value(invocation, PG.invokedClause)
    treaty = graph.value(clause, ELI.is_part_of) if clause is not None else None
    return InvocationView(
        link=labels.term(invocation),
        date=_text(graph, invocation, PG.invocationDate),
        confirmation_date=_text(graph, invocation, PG.confirmationDate),
        clause=labels.term(clause) if clause is not None else None,
        treaty=labels.term(treaty) if treaty is not None else None,
        invoker=tuple(_links(graph, invocation, PG.invokingParty, labels)),
        assisted=tuple(_links(graph, invocation, PG.assistedParty, labels)),
        kind=_link(graph, invocation, PG.invocationKind, labels),
        collective=_flag(graph, invocation, PG.collectiveDecision),
        triggering_event=_text(graph, invocation, PG.triggeringEvent),
        outcome=_text(graph, invocation, PG.outcome),
        notes=tuple(_texts(graph, invocation, PG.note)),
        sources=tuple(_sources(graph, [invocation], labels)))


def _interpretation_view(graph: Graph, node: URIRef, labels: Labeller) -> InterpretationView:
    return InterpretationView(labels.term(node), tuple(_links(graph, node, PG.statedBy, labels)),
                              _text(graph, node, PG.statedIn), _text(graph, node, PG.description),
                              tuple(_links(graph, node, PG.extendsTo, labels)),
                              tuple(_links(graph, node, PG.extendsToRegion, labels)))


def clause_view(graph: Graph, clause: URIRef, labels: Labeller) -> ClauseView:
    scope = graph.value(clause, PG.geographicScope)
    strength = graph.value(clause, PG.obligationStrength)
    rank = graph.value(strength, PG.strengthRank) if strength is not None else None
    treaty = graph.value(clause, ELI.is_part_of)
    invocations = sorted((invocation_view(graph, i, labels)
                          for i in graph.subjects(PG.invokedClause, clause)),
                         key=lambda view: view.date)
    return ClauseView(
        link=labels.term(clause), article=_text(graph, clause, ELI.number),
        treaty=labels.term(treaty) if treaty is not None else None,
        paraphrase=_text(graph, clause, PG.paraphrase),
        quotes=tuple(_texts(graph, clause, PG.quotedPhrase)),
        trigger=_link(graph, clause, PG.trigger, labels),
        strength=labels.term(strength) if strength is not None else None,
        rank=int(rank) if rank is not None else None,
        scope=scope_view(graph, scope, labels) if scope is not None else None,
        invocation_status=_link(graph, clause, PG.invocationStatus, labels),
        condition_note=_text(graph, clause, PG.conditionNote),
        notes=tuple(_texts(graph, clause, PG.note)),
        interpretations=tuple(_interpretation_view(graph, i, labels)
                              for i in sorted(graph.subjects(PG.interpretationOf, clause))),
        invocations=tuple(invocations),
        sources=tuple(_sources(graph, [clause, *([scope] if scope is not None else [])], labels)))


# --- Commitments ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartyView:
    state: Link
    iso: str
    role: str                       # "party" or "concerned"
    member_from: str = ""
    member_until: str = ""
    participation: Link | None = None
    note: str = ""


@dataclass(frozen=True)
class PeriodView:
    link: Link
    status: Link | None
    between: tuple[Link, ...]
    start: str
    end: str
    note: str


@dataclass(frozen=True)
class CommitmentView:
    title: str
    alt_labels: tuple[str, ...]
    kind: tuple[Link, ...]
    status: Link | None
    place_signed: str
    has_defense: bool | None
    dates: tuple[DateMark, ...]
    parties: tuple[PartyView, ...]
    clauses: tuple[ClauseView, ...]
    other_parts: tuple[Link, ...]
    periods: tuple[PeriodView, ...]
    termination: str
    notes: tuple[str, ...]
    related: tuple[tuple[str, tuple[Link, ...]], ...]   # (how, what): replaces, interprets...
    wikidata: tuple[Link, ...]
    sources: tuple[tuple[Link, str], ...]

    @property
    def invocations(self) -> list[InvocationView]:
        return sorted((i for c in self.clauses for i in c.invocations), key=lambda i: i.date)


def _party_views(graph: Graph, commitment: URIRef, labels: Labeller) -> list[PartyView]:
    memberships: dict[Any, list[Any]] = {}
    for membership in graph.subjects(PG.membershipOf, commitment):
        memberships.setdefault(graph.value(membership, PG.member), []).append(membership)
    views = []
    for role, prop in (("party", PG.party), ("concerned", PG.concerns)):
        for state in set(graph.objects(commitment, prop)) | (
                set(memberships) if role == "party" else set()):
            iso = _text(graph, state, PG.iso3166Alpha3)
            for membership in sorted(memberships.get(state, [None]), key=str):
                if membership is None:
                    views.append(PartyView(labels.term(state), iso, role))
                    continue
                views.append(PartyView(
                    labels.term(state), iso, role, _text(graph, membership, PG.memberFrom),
                    _text(graph, membership, PG.memberUntil),
                    _link(graph, membership, PG.participationStatus, labels),
                    _text(graph, membership, PG.note)))
    return sorted(views, key=lambda v: (v.role != "party", v.member_from, v.state.text))


def _period_views(graph: Graph, commitment: URIRef, labels: Labeller) -> list[PeriodView]:
    return sorted((PeriodView(labels.term(p), _link(graph, p, PG.status, labels),
                              tuple(_links(graph, p, PG.betweenParties, labels)),
                              _text(graph, p, PG.periodStart), _text(graph, p, PG.periodEnd),
                              _text(graph, p, PG.note))
                   for p in graph.objects(commitment, PG.statusPeriod)),
                  key=lambda view: view.start)


RELATED = ((DCTERMS.replaces, "replaces"), (DCTERMS.isReplacedBy, "replaced by"),
           (PG.interprets, "interprets"), (PG.establishes, "establishes"))


def commitment_view(graph: Graph, commitment: URIRef, labels: Labeller) -> CommitmentView:
    parts = sorted(graph.objects(commitment, ELI.has_part))
    clauses = [clause_view(graph, p, labels) for p in parts
               if (p, RDF.type, PG.ObligationClause) in graph]
    others = [labels.term(p) for p in parts if (p, RDF.type, PG.ObligationClause) not in graph]
    classes = commitment_classes(graph)
    replaced_by = [(s, DCTERMS.isReplacedBy) for s in graph.subjects(DCTERMS.replaces, commitment)]
    related = []
    for prop, how in RELATED:
        targets = list(graph.objects(commitment, prop))
        if prop == DCTERMS.isReplacedBy:
            targets += [s for s, _ in replaced_by]
        if targets:
            related.append((how, tuple(sorted({labels.term(t) for t in targets},
                                              key=lambda link: link.text))))
    return CommitmentView(
        title=labels.text(commitment),
        alt_labels=tuple(_texts(graph, commitment, SKOS.altLabel)),
        kind=tuple(labels.term(t) for t in sorted(set(graph.objects(commitment, RDF.type))
                                                  & classes)),
        status=_link(graph, commitment, PG.legalStatus, labels),
        place_signed=_text(graph, commitment, PG.placeSigned),
        has_defense=_flag(graph, commitment, PG.hasMutualDefenseObligation),
        dates=tuple(date_marks(graph, commitment, labels)),
        parties=tuple(_party_views(graph, commitment, labels)),
        clauses=tuple(sorted(clauses, key=lambda c: (c.rank if c.rank is not None else 99))),
        other_parts=tuple(others),
        periods=tuple(_period_views(graph, commitment, labels)),
        termination=_text(graph, commitment, PG.terminationTerms),
        notes=tuple(_texts(graph, commitment, PG.note)),
        related=tuple(related),
        wikidata=tuple(labels.term(o) for o in sorted(graph.objects(commitment, OWL.sameAs))
                       if str(o).startswith(str(WD))),
        sources=tuple(_sources(graph, [commitment], labels)))


# --- States ---------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class StateView:
    title: str
    iso: str
    cow: str
    wikidata: tuple[Link, ...]
    helpers: tuple[HelpGroup, ...]
    commitments: tuple[StateCommitment, ...]
    invoked: tuple[InvocationView, ...]
    assisted: tuple[InvocationView, ...]
    sources: tuple[tuple[Link, str], ...] = field(default=())


def help_groups(rows: Iterable[dict[str, Any]], state: str, labels: Labeller) -> list[HelpGroup]:
    """Rows of queries/01-who-must-help.rq about ``state``, grouped by commitment and article."""
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


def _strongest(graph: Graph, commitment: Any, labels: Labeller) -> Link | None:
    strengths = [s for p in graph.objects(commitment, ELI.has_part)
                 for s in graph.objects(p, PG.obligationStrength)]
    if not strengths:
        return None
    best = min(strengths, key=lambda s: int(graph.value(s, PG.strengthRank) or 99))
    return labels.term(best)


def state_commitments(graph: Graph, state: URIRef, labels: Labeller) -> list[StateCommitment]:
    found = []
    for commitment in commitment_classes_members(graph):
        role = ("party" if (commitment, PG.party, state) in graph
                else "concerned" if (commitment, PG.concerns, state) in graph else "")
        memberships = [m for m in graph.subjects(PG.member, state)
                       if graph.value(m, PG.membershipOf) == commitment]
        if not role and not memberships:
            continue
        start, end = start_and_end(graph, commitment)
        for membership in memberships or [None]:
            if membership is not None:
                start = _text(graph, membership, PG.memberFrom) or start or ""
                end = _text(graph, membership, PG.memberUntil) or end or ""
            found.append(StateCommitment(
                labels.term(commitment), role or "member", start or "", end or "",
                _link(graph, commitment, PG.legalStatus, labels),
                _link(graph, membership, PG.participationStatus, labels)
                if membership is not None else None,
                _strongest(graph, commitment, labels)))
    return sorted(found, key=lambda c: (c.start or "9999", c.commitment.text))


def commitment_classes_members(graph: Graph) -> set[Any]:
    return {s for c in commitment_classes(graph) for s in graph.subjects(RDF.type, c)}


def state_view(graph: Graph, state: URIRef, labels: Labeller,
               who_must_help: Iterable[dict[str, Any]]) -> StateView:
    def invocations(prop: URIRef) -> tuple[InvocationView, ...]:
        return tuple(sorted((invocation_view(graph, i, labels)
                             for i in graph.subjects(prop, state)), key=lambda v: v.date))

    return StateView(
        title=labels.text(state), iso=_text(graph, state, PG.iso3166Alpha3),
        cow=_text(graph, state, PG.cowStateCode),
        wikidata=tuple(labels.term(o) for o in sorted(graph.objects(state, OWL.sameAs))
                       if str(o).startswith(str(WD))),
        helpers=tuple(help_groups(who_must_help, str(state), labels)),
        commitments=tuple(state_commitments(graph, state, labels)),
        invoked=invocations(PG.invokingParty), assisted=invocations(PG.assistedParty),
        sources=tuple(_sources(graph, [state], labels)))


def label_or_iri(graph: Graph, node: Any) -> str:
    return label_of(graph, node) or str(node)
