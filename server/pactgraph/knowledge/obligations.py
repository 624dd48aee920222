"""Derive defense obligations from the curated data: who must defend whom, under which clause, when.

One ``Derived`` per guarantor, protected party, clause and period: the row of a dyadic alliance
dataset (ATOP's dyad-years, to the day). Derived when the publication is built (build/prebuilt.py
publishes them in their own named graph, knowledge/obligation_triples.py writes them as RDF), never
written by hand. The rules, in order:

1. Only a clause that obliges a party to act (strength rank 4 or stronger) gives obligations:
   consultation, policy statements and unilateral statements never do; nor does a commitment that
   is not legally binding or says it has no defense obligation.
2. The commitment's span: possible from its entry into force (or its earliest reading, or
   ``pg:inForceNoEarlierThan``, or its signature); certain from its entry into force (or its
   latest reading, or ``pg:inForceNoLaterThan``).
   Its end: certain until the earliest end reading, possible until the latest; an unconfirmed
   status leaves the possible end open; a dissenting ``pg:StatusReading`` keeps it possible until
   the reading's ``pg:statusUntil`` or until its replacement is known in force.
3. Each party's span: its memberships (bounds where days are unconfirmed), else the commitment's.
   Only parties are bound and protected: a state a statute concerns (Qatar under the US executive
   order, the Cook Islands under New Zealand's Act) is protected by domestic law, not by an
   obligation between states, and is shown beside obligations, not among them.
4. A pair's span is the meeting of the three, less any suspension between the two parties.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from pactgraph.knowledge.derivation_reads import Recording
from pactgraph.knowledge.intervals import Span, after_period, year_start
from pactgraph.knowledge.spans import Evidence, commitment_span, day_of, membership_span
from pactgraph.namespaces import ELI, PG

OBLIGING_RANK = 4  # "act in accordance with constitutional processes" and anything stronger
NOT_BINDING = (PG.NotBinding,)


@dataclass(frozen=True)
class Derived:
    guarantor: URIRef
    protected: URIRef
    clause: URIRef | None  # None: a defense treaty whose clause is not published
    commitment: URIRef
    span: Span
    end_disputed: bool
    evidence: frozenset[URIRef] = field(default_factory=frozenset)
    caveats: frozenset[URIRef] = field(default_factory=frozenset)


def party_spans(graph: Graph, commitment: URIRef, treaty: Span
                ) -> dict[URIRef, list[tuple[Span, Any]]]:
    """Each party's spans, with the membership behind each (None: bound for the treaty's life)."""
    found: dict[URIRef, list[tuple[Span, Any]]] = {}
    for membership in graph.subjects(PG.membershipOf, commitment):
        member = graph.value(membership, PG.member)
        found.setdefault(member, []).append((membership_span(graph, membership, treaty),
                                             membership))
    for party in graph.objects(commitment, PG.party):
        found.setdefault(party, [(treaty, None)])
    return {party: [(s, m) for s, m in spans if not s.empty] for party, spans in found.items()}


def _suspensions(graph: Graph, commitment: URIRef) -> list[tuple]:
    """Suspensions, and periods over which the obligations between some parties are disputed
    (a frozen participation: status unconfirmed), with their possible and certain bounds."""
    found = []
    for period in graph.objects(commitment, PG.statusPeriod):
        if graph.value(period, PG.status) not in (PG.Suspended, PG.StatusUnconfirmed):
            continue
        start, end = day_of(graph, period, PG.periodStart), day_of(graph, period, PG.periodEnd)
        if start is None:
            continue
        found.append((period, set(graph.objects(period, PG.betweenParties)), year_start(start),
                      after_period(start), year_start(end) if end else None,
                      after_period(end) if end else None,
                      graph.value(period, PG.status) == PG.StatusUnconfirmed))
    return found


def _less_suspensions(span: Span, pair: set, suspensions: list) -> Iterator[tuple[Span, Any]]:
    """The pair's span less each suspension between its two parties (rule 4)."""
    pieces: list[tuple[Span, Any]] = [(span, None)]
    for period, between, maybe_from, surely_from, maybe_end, surely_end, disputed in suspensions:
        if between and not (pair <= between or (len(between) == 1 and between <= pair)):
            continue
        cut = []
        for piece, _ in pieces:
            before = piece.before(maybe_from, surely_from)
            if disputed:  # obligations disputed over the period: possible, no longer certain
                cut.append((Span(piece.possible, before.certain), period))
                continue
            cut.append((before, period))
            later = piece.after(maybe_end, surely_end)
            if later is not None:
                cut.append((later, period))
        pieces = [(p, c) for p, c in cut if not p.empty]
    yield from pieces


def _continued(graph: Graph, pieces: list[tuple[URIRef, URIRef, Span]], role: int
               ) -> Iterator[tuple[URIRef, URIRef, Span, URIRef | None]]:
    """Each (guarantor, protected, span) with the party at ``role`` (0 or 1) replaced by its
    continuator (pg:continuedBy) from the day the continuator took over."""
    for piece in pieces:
        state = piece[role]
        successor = graph.value(state, PG.continuedBy)
        if successor is None:
            yield (*piece, None)
            continue
        earliest = day_of(graph, state, PG.continuedFromEarliest)
        latest = day_of(graph, state, PG.continuedFromLatest) or earliest
        span = piece[2]
        if earliest is None or latest is None:
            yield (*piece, None)
            continue
        before, after = span.before(earliest, latest), span.after(earliest, latest)
        if not before.empty:
            yield (*piece, None)[:2] + (before, None)
        if after is not None and not after.empty:
            parties = list(piece[:2])
            parties[role] = successor
            yield (parties[0], parties[1], after, state)


def obliging_clauses(graph: Graph, commitment: URIRef) -> list[URIRef | None]:
    """The commitment's clauses that oblige a party to act (rule 1); ``[None]`` for a
    mutual-defense treaty that says it obliges but whose clause is not published (the US–ROC
    treaty): its obligations are derived with no clause rather than left out."""
    if graph.value(commitment, PG.legalStatus) in NOT_BINDING:
        return []
    if (commitment, PG.hasMutualDefenseObligation, Literal(True)) not in graph:
        return []
    found: list[URIRef | None] = []
    clauses = [c for c in graph.objects(commitment, ELI.has_part)
               if (c, RDF.type, PG.ObligationClause) in graph]
    for clause in clauses:
        rank = graph.value(graph.value(clause, PG.obligationStrength), PG.strengthRank)
        if rank is not None and int(rank) <= OBLIGING_RANK:
            found.append(clause)
    if not clauses and (commitment, RDF.type, PG.MutualDefenseTreaty) in graph:
        return [None]
    return sorted(found)


def _one_sided(graph: Graph, clauses: list[URIRef | None]):
    """``binding(guarantor, protected)``: the clauses that bind that pair. A one-sided clause
    obliges only its pg:obligedParty and protects only its pg:protectsParty (a Compact of Free
    Association binds the United States alone); a clause naming neither binds every pair."""
    sides = {clause: (set(graph.objects(clause, PG.obligedParty)),
                      set(graph.objects(clause, PG.protectsParty)))
             for clause in clauses if clause is not None}

    def binding(guarantor: URIRef, protected: URIRef) -> list[URIRef | None]:
        return [clause for clause in clauses
                if clause is None or ((not sides[clause][0] or guarantor in sides[clause][0])
                                      and (not sides[clause][1] or protected in sides[clause][1]))]
    return binding


def derive(graph: Graph, commitments: Iterable[URIRef],
           reads: dict[URIRef, set] | None = None) -> list[Derived]:
    """Every defense obligation that ``commitments`` create, by the rules above; given
    ``reads``, the nodes each commitment's derivation read are noted there
    (knowledge/derivation_reads.py)."""
    found: list[Derived] = []
    recording = None if reads is None else Recording(graph)
    for commitment in sorted(commitments):
        if recording is not None:
            recording.into = reads.setdefault(commitment, set())
            graph = recording  # type: ignore[assignment]
        clauses = obliging_clauses(graph, commitment)
        evidence = Evidence()
        treaty = commitment_span(graph, commitment, evidence) if clauses else None
        if treaty is None or treaty.empty:
            continue
        parties = party_spans(graph, commitment, treaty)
        frozen = {graph.value(m, PG.member): graph.value(m, PG.participationStatus)
                  for m in graph.subjects(PG.membershipOf, commitment)
                  if graph.value(m, PG.participationStatus) == PG.FrozenParticipation}
        suspensions = _suspensions(graph, commitment)
        binding = _one_sided(graph, clauses)
        for guarantor, protected in ((g, p) for g in parties for p in parties if g != p):
            caveats = frozenset(frozen[s] for s in (guarantor, protected) if s in frozen)
            for g_span, g_member in parties[guarantor]:
                for p_span, p_member in parties[protected]:
                    pair = g_span.meet(p_span)
                    if pair.empty:
                        continue
                    for piece, cause in _less_suspensions(pair, {guarantor, protected},
                                                          suspensions):
                        basis = evidence.nodes | {commitment, g_member, p_member, cause}
                        heirs = [(g, p, s, c1) for g, p, s, c0 in _continued(
                            graph, [(guarantor, protected, piece)], 0)
                            for g, p, s, c1 in _continued(graph, [(g, p, s)], 1)
                            for c1 in [c1 or c0]]
                        for heir_g, heir_p, span, via in heirs:
                            for clause in binding(guarantor, protected):
                                found.append(Derived(
                                    heir_g, heir_p, clause, commitment, span,
                                    span.disputed_end,
                                    frozenset(n for n in basis | {clause, via} if n is not None),
                                    caveats))
    return found
