"""When a commitment and a membership bound their parties: certain and possible spans, read from
the dates, date readings, status readings and bounds the data gives (rules 2 and 3 of
knowledge/obligations.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from pactgraph.knowledge.intervals import Day, Span
from pactgraph.namespaces import ELI, PG

ENDED_STATUSES = (PG.Superseded, PG.Lapsed, PG.Terminated)


def day_of(graph: Graph, node: Any, prop: URIRef) -> Day | None:
    values = sorted(str(v) for v in graph.objects(node, prop) if isinstance(v, Literal))
    return values[0] if values else None


def _readings(graph: Graph, node: Any, prop: URIRef) -> list[tuple[Day, URIRef]]:
    """The readings of ``prop``, earliest first; a dataset's coding only where no source gives
    the date itself (a COW end date is a coding of the alliance, not the treaty's end)."""
    found = sorted((str(graph.value(r, PG.readingValue)), r)
                   for r in graph.objects(node, PG.dateReading)
                   if graph.value(r, PG.readingOf) == prop)
    stated = [(day, r) for day, r in found
              if (r, PG.datasetCoding, Literal(True)) not in graph]
    return stated or found


@dataclass
class Evidence:
    nodes: set[URIRef] = field(default_factory=set)

    def add(self, *nodes: Any) -> None:
        self.nodes.update(n for n in nodes if isinstance(n, URIRef))


def commitment_span(graph: Graph, commitment: URIRef, evidence: Evidence) -> Span | None:
    """When the commitment bound its parties, certainly and possibly (rule 2)."""
    entry = day_of(graph, commitment, ELI.first_date_entry_in_force)
    entries = _readings(graph, commitment, ELI.first_date_entry_in_force)
    signatures = _readings(graph, commitment, ELI.date_document)  # when sources disagree on it
    evidence.add(*(r for _, r in signatures))
    signed = (day_of(graph, commitment, ELI.date_document)
              or (signatures[0][0] if signatures else None)
              or day_of(graph, commitment, DCTERMS.date))
    by = day_of(graph, commitment, PG.inForceNoLaterThan)
    evidence.add(*(r for _, r in entries))
    earliest = day_of(graph, commitment, PG.inForceNoEarlierThan)
    possible_from = entry or (entries[0][0] if entries else None) or earliest or signed or by
    certain_from = entry or (entries[-1][0] if entries else None) or by
    if possible_from is None:
        return None
    ended = day_of(graph, commitment, ELI.date_no_longer_in_force)
    ends = _readings(graph, commitment, ELI.date_no_longer_in_force)
    evidence.add(*(r for _, r in ends))
    status = graph.value(commitment, PG.legalStatus)
    certain_until = ended or (ends[0][0] if ends else None)
    possible_until = ended or (ends[-1][0] if ends else None)
    if status == PG.StatusUnconfirmed:
        possible_until = None
        certain_until = certain_until or certain_from
    elif status in ENDED_STATUSES and certain_until is None:
        certain_until = certain_from  # ended on a day nobody gives: never certain
    for reading in graph.objects(commitment, PG.statusReading):
        if graph.value(reading, PG.status) == PG.InForce and status != PG.InForce:
            evidence.add(reading)
            possible_until = _dissent_until(graph, commitment, reading)
    return Span.of(possible_from, possible_until, certain_from, certain_until)


def _dissent_until(graph: Graph, commitment: URIRef, reading: Any) -> Day | None:
    """How long a reading that the commitment stayed in force lets it last (rule 2)."""
    until = day_of(graph, reading, PG.statusUntil)
    if until:
        return until
    for successor in graph.objects(commitment, DCTERMS.isReplacedBy):
        known = (day_of(graph, successor, ELI.first_date_entry_in_force)
                 or day_of(graph, successor, PG.inForceNoLaterThan)
                 or day_of(graph, successor, ELI.date_no_longer_in_force))
        if known:
            return known
    return None


def membership_span(graph: Graph, membership: Any, treaty: Span) -> Span:
    """When one membership bound its member (rule 3), within the treaty's span."""
    start = day_of(graph, membership, PG.memberFrom)
    until = day_of(graph, membership, PG.memberUntil)
    earliest = day_of(graph, membership, PG.memberFromEarliest)
    possible_from = start or earliest or treaty.possible.start
    certain_from = start or day_of(graph, membership, PG.memberFromLatest)
    if start is None and certain_from is None and earliest is None:
        certain_from = treaty.certain.start if treaty.certain else None
    certain_until = until or day_of(graph, membership, PG.memberUntilEarliest)
    possible_until = until or day_of(graph, membership, PG.memberUntilLatest)
    status = graph.value(membership, PG.participationStatus)
    if status in (PG.Withdrawn, PG.MembershipSuspended) and certain_until is None:
        certain_until = certain_from or possible_from  # ended on a day nobody gives
    return treaty.meet(Span.of(possible_from, possible_until, certain_from, certain_until))
