"""What the coverage page says: the commitments published, by area and status, how many clauses
were invoked, and the commitments known but left out, with why (from data/coverage.ttl).

Everything here is read from the published graph. The areas a commitment belongs to are its
``dcterms:spatial`` links to the areas described in data/coverage.ttl; a commitment without one
is listed under "area not assigned" rather than guessed from its parties. The commitments left out
are the SKOS concepts of the scheme ``dataset#left-out``, each with the reason (``skos:scopeNote``)
and what was searched (``skos:editorialNote``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from pactgraph.namespaces import DATASET_IRI, ELI, PG
from pactgraph.pages.describe import label_of, label_or_iri

LEFT_OUT = URIRef(DATASET_IRI + "#left-out")
UNASSIGNED = "area not assigned"


@dataclass(frozen=True)
class Published:
    """One commitment as the coverage page lists it."""

    iri: URIRef
    label: str
    areas: tuple[str, ...]
    status: str
    in_force: bool
    has_defense_clause: bool
    invocations: int


@dataclass(frozen=True)
class LeftOut:
    """A commitment known but not published, and why."""

    label: str
    areas: tuple[str, ...]
    reason: str
    searched: str
    seen: tuple[str, ...]


@dataclass(frozen=True)
class Coverage:
    published: tuple[Published, ...]
    by_area: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]
    statuses: tuple[str, ...]
    in_force_with_clause: int
    invocations: int
    invoked_commitments: int
    left_out: tuple[LeftOut, ...]


def _areas(graph: Graph, node: URIRef, predicate: URIRef) -> tuple[str, ...]:
    found = sorted(label_or_iri(graph, area) for area in graph.objects(node, predicate))
    return tuple(found) or (UNASSIGNED,)


def _invocations_by_commitment(graph: Graph) -> Counter[URIRef]:
    counts: Counter[URIRef] = Counter()
    for invocation in graph.subjects(RDF.type, PG.Invocation):
        for clause in graph.objects(invocation, PG.invokedClause):
            for commitment in graph.objects(clause, ELI.is_part_of):
                counts[commitment] += 1
    return counts


COMMITMENT_CLASSES = (PG.Commitment, PG.Treaty, PG.MutualDefenseTreaty, PG.Statute, PG.Declaration)


def _commitments(graph: Graph) -> set[URIRef]:
    """Every commitment, by its class; the subclasses are named so that a graph without the
    ontology (the data alone) is read the same way."""
    found: set[URIRef] = set()
    classes = {*COMMITMENT_CLASSES, *graph.transitive_subjects(RDFS.subClassOf, PG.Commitment)}
    for cls in classes:
        found.update(s for s in graph.subjects(RDF.type, cls) if isinstance(s, URIRef))
    return found


def published(graph: Graph) -> tuple[Published, ...]:
    invoked = _invocations_by_commitment(graph)
    rows = []
    for commitment in _commitments(graph):
        status = next(graph.objects(commitment, PG.legalStatus), None)
        defense = next(graph.objects(commitment, PG.hasMutualDefenseObligation), None)
        rows.append(Published(
            iri=commitment,
            label=label_or_iri(graph, commitment),
            areas=_areas(graph, commitment, DCTERMS.spatial),
            status=(label_of(graph, status) if status is not None else None) or "status not given",
            in_force=status == PG.InForce,
            has_defense_clause=bool(defense is not None and defense.toPython() is True),
            invocations=invoked[commitment],
        ))
    return tuple(sorted(rows, key=lambda row: (row.areas, row.label)))


def left_out(graph: Graph) -> tuple[LeftOut, ...]:
    rows = []
    for concept in graph.subjects(SKOS.inScheme, LEFT_OUT):
        rows.append(LeftOut(
            label=label_or_iri(graph, concept),
            areas=_areas(graph, concept, DCTERMS.coverage),
            reason=str(next(graph.objects(concept, SKOS.scopeNote), "")),
            searched=str(next(graph.objects(concept, SKOS.editorialNote), "")),
            seen=tuple(sorted(str(page) for page in graph.objects(concept, RDFS.seeAlso))),
        ))
    return tuple(sorted(rows, key=lambda row: (row.areas, row.label)))


def coverage(graph: Graph) -> Coverage:
    rows = published(graph)
    statuses = tuple(sorted({row.status for row in rows}))
    tally: dict[str, Counter[str]] = {}
    for row in rows:
        for area in row.areas:
            tally.setdefault(area, Counter())[row.status] += 1
    by_area = tuple((area, tuple((status, tally[area][status]) for status in statuses))
                    for area in sorted(tally, key=lambda a: (a == UNASSIGNED, a)))
    return Coverage(
        published=rows,
        by_area=by_area,
        statuses=statuses,
        in_force_with_clause=sum(1 for row in rows if row.in_force and row.has_defense_clause),
        invocations=len(set(graph.subjects(RDF.type, PG.Invocation))),
        invoked_commitments=sum(1 for row in rows if row.invocations),
        left_out=left_out(graph),
    )
