"""What changed between two releases: the triples added and removed, per commitment, in RDF (quads:
one named graph of added and one of removed triples per commitment, described in the default
graph) and in words (Markdown).

A triple belongs to the commitment whose IRI its subject is or extends (``treaty/x`` and
``treaty/x/article-iv``, ``treaty/x/member/FRA``), or to the commitment its subject points at
(an invocation, through the clause it invokes: ``LINKS``); any other triple (a state, a source,
the version stamps) is listed under "resources of no commitment".
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from dataclasses import dataclass

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import DCTERMS, RDF, RDFS, VOID

from pactgraph.namespaces import ELI, PG, PREFIXES, compact_iri

OTHER = "other"  # the changes of resources of no commitment


@dataclass(frozen=True)
class Changes:
    """The triples added and removed since ``previous``, by commitment IRI (or OTHER)."""

    version: str
    previous: str
    added: dict[str, Graph]
    removed: dict[str, Graph]

    @property
    def owners(self) -> list[str]:
        return sorted(set(self.added) | set(self.removed))


def _commitments(graph: Graph) -> list[str]:
    kinds = set(graph.transitive_subjects(RDFS.subClassOf, PG.Commitment))  # with itself
    found = {str(s) for kind in kinds for s in graph.subjects(RDF.type, kind)
             if isinstance(s, URIRef)}
    return sorted(found, key=len, reverse=True)  # longest first: the most specific owner wins


# What ties a resource to the commitment it is about, when its IRI does not say (an invocation).
LINKS = (PG.invokedClause, PG.membershipOf, PG.interpretationOf, ELI.is_part_of)


def _owner(triple, graph: Graph, commitments: list[str]) -> str:
    subject = str(triple[0])
    linked = (str(o) for link in LINKS for o in graph.objects(triple[0], link))
    for candidate in (subject, *linked):
        for commitment in commitments:
            if candidate == commitment or candidate.startswith(commitment + "/"):
                return commitment
    return OTHER


def changes(previous: Graph, current: Graph, version: str, previous_version: str) -> Changes:
    """The triples of ``current`` not in ``previous`` (added) and the converse (removed)."""
    commitments = sorted(set(_commitments(previous)) | set(_commitments(current)),
                         key=len, reverse=True)
    added: dict[str, Graph] = defaultdict(Graph)
    removed: dict[str, Graph] = defaultdict(Graph)
    for triple in current - previous:
        added[_owner(triple, current, commitments)].add(triple)
    for triple in previous - current:
        removed[_owner(triple, previous, commitments)].add(triple)
    return Changes(version, previous_version, dict(added), dict(removed))


def _slug(owner: str) -> str:
    return owner.rsplit("/", 1)[-1] if owner != OTHER else OTHER


def as_rdf(found: Changes, release_iri: str) -> Dataset:
    """The changes as a dataset: per commitment, a named graph of added and one of removed
    triples, each described (what it is about, how many triples) in the default graph."""
    dataset = Dataset()
    for prefix, namespace in PREFIXES.items():
        dataset.bind(prefix, namespace)
    described = dataset.default_graph if hasattr(dataset, "default_graph") else dataset
    release = URIRef(release_iri)
    for owner in found.owners:
        for kind, graphs in (("added", found.added), ("removed", found.removed)):
            if owner not in graphs:
                continue
            name = URIRef(f"{release_iri}/changes/{kind}/{_slug(owner)}")
            target = dataset.graph(name)
            for triple in sorted(graphs[owner]):
                target.add(triple)
            described.add((release, DCTERMS.hasPart, name))
            described.add((name, RDF.type, VOID.Dataset))
            if owner != OTHER:
                described.add((name, DCTERMS.subject, URIRef(owner)))
            described.add((name, VOID.triples, Literal(len(graphs[owner]))))
            described.add((name, RDFS.label, Literal(
                f"Triples {kind} in {found.version} since {found.previous}: "
                f"{compact_iri(owner) if owner != OTHER else 'resources of no commitment'}",
                lang="en")))
    return dataset


def as_nquads(found: Changes, release_iri: str) -> bytes:
    """``as_rdf`` as N-Quads, sorted: the same changes always give the same bytes (rdflib's TriG
    writer orders the graphs differently from one run to the next)."""
    with warnings.catch_warnings():
        # rdflib 7's Dataset warns about its own deprecated ConjunctiveGraph internals
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset = as_rdf(found, release_iri)
        lines = set()
        for graph in dataset.graphs():
            named = graph.identifier != DATASET_DEFAULT_GRAPH_ID
            for s, p, o in graph:
                where = f" {graph.identifier.n3()}" if named else ""
                lines.add(f"{s.n3()} {p.n3()} {o.n3()}{where} .\n")
    return "".join(sorted(lines)).encode("utf-8")


def _term(term, labels: Graph) -> str:
    if isinstance(term, URIRef):
        label = labels.value(term, RDFS.label)
        return f"{label} (`{compact_iri(str(term))}`)" if label else f"`{compact_iri(str(term))}`"
    text = str(term)
    return f'"{text[:120]}…"' if len(text) > 120 else f'"{text}"'


def as_words(found: Changes, labels: Graph) -> str:
    """The changes in words, commitment by commitment (Markdown)."""
    lines = [f"# pactgraph {found.version}: changes since {found.previous}", ""]
    if not found.owners:
        lines.append("No triple was added or removed.")
    for owner in found.owners:
        added, removed = found.added.get(owner, Graph()), found.removed.get(owner, Graph())
        title = "Resources of no commitment" if owner == OTHER else _term(URIRef(owner), labels)
        lines += [f"## {title}", "", f"{len(added)} triple(s) added, {len(removed)} removed.", ""]
        for sign, graph in (("added", added), ("removed", removed)):
            for s, p, o in sorted(graph):
                lines.append(f"- {sign}: {_term(s, labels)} {compact_iri(str(p))} "
                             f"{_term(o, labels)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
