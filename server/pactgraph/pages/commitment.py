"""What a commitment's page shows (dates, parties, clauses, status periods, related commitments),
and the list of every commitment that the landing page starts from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from pactgraph.namespaces import ELI, PG
from pactgraph.pages.clause import ClauseView, InvocationView, clause_view
from pactgraph.pages.commitment_dates import DateMark, date_marks
from pactgraph.pages.describe import label_of, label_or_iri
from pactgraph.pages.labeller import Labeller, Link
from pactgraph.pages.readers import (
    commitment_classes,
    commitment_classes_members,
    flag_of,
    link_of,
    links_of,
    sources_of,
    text_of,
    texts_of,
    wikidata_links,
)


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
    def party_count(self) -> int:
        """The parties proper: a state the commitment protects but does not bind is not one."""
        return len({p.state.href for p in self.parties if p.role == "party"})

    @property
    def protected_count(self) -> int:
        return len({p.state.href for p in self.parties if p.role != "party"})

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
            iso = text_of(graph, state, PG.iso3166Alpha3)
            for membership in sorted(memberships.get(state, [None]), key=str):
                if membership is None:
                    views.append(PartyView(labels.term(state), iso, role))
                    continue
                views.append(PartyView(
                    labels.term(state), iso, role, text_of(graph, membership, PG.memberFrom),
                    text_of(graph, membership, PG.memberUntil),
                    link_of(graph, membership, PG.participationStatus, labels),
                    text_of(graph, membership, PG.note)))
    return sorted(views, key=lambda v: (v.role != "party", v.member_from, v.state.text))


def _period_views(graph: Graph, commitment: URIRef, labels: Labeller) -> list[PeriodView]:
    return sorted((PeriodView(labels.term(p), link_of(graph, p, PG.status, labels),
                              tuple(links_of(graph, p, PG.betweenParties, labels)),
                              text_of(graph, p, PG.periodStart), text_of(graph, p, PG.periodEnd),
                              text_of(graph, p, PG.note))
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
        alt_labels=tuple(texts_of(graph, commitment, SKOS.altLabel)),
        kind=tuple(labels.term(t) for t in sorted(set(graph.objects(commitment, RDF.type))
                                                  & classes)),
        status=link_of(graph, commitment, PG.legalStatus, labels),
        place_signed=text_of(graph, commitment, PG.placeSigned),
        has_defense=flag_of(graph, commitment, PG.hasMutualDefenseObligation),
        dates=tuple(date_marks(graph, commitment, labels)),
        parties=tuple(_party_views(graph, commitment, labels)),
        clauses=tuple(sorted(clauses, key=lambda c: (c.rank if c.rank is not None else 99))),
        other_parts=tuple(others),
        periods=tuple(_period_views(graph, commitment, labels)),
        termination=text_of(graph, commitment, PG.terminationTerms),
        notes=tuple(texts_of(graph, commitment, PG.note)),
        related=tuple(related),
        wikidata=tuple(wikidata_links(graph, commitment, labels)),
        sources=tuple(sources_of(graph, [commitment], labels)))


@dataclass(frozen=True)
class Commitment:
    iri: URIRef
    label: str
    kind: str
    signed: str
    status: str
    issued: bool = False   # ``signed`` is the date a declaration was issued (it is not signed)


def commitments(graph: Graph) -> list[Commitment]:
    """Every treaty, statute and declaration in the data, by date signed."""
    classes = commitment_classes(graph)
    found = []
    for item in commitment_classes_members(graph):
        types = set(graph.objects(item, RDF.type)) & classes
        # the most specific type: the one with the most superclasses
        kind = max(types, key=lambda t: (len(set(graph.transitive_objects(t, RDFS.subClassOf))),
                                         str(t)))
        status = graph.value(item, PG.legalStatus)
        signed = graph.value(item, ELI.date_document)
        issued = graph.value(item, DCTERMS.date) if signed is None else None
        found.append(Commitment(
            item, label_or_iri(graph, item), label_or_iri(graph, kind),
            str(signed or issued or ""),
            (label_of(graph, status) or "") if status is not None else "", issued is not None))
    return sorted(found, key=lambda c: (c.signed or "9999", c.label))
