"""Load the ontology, the data and the shapes with rdflib, and validate the data with pySHACL.

With knowledge/rdf_files.py (which parses each file, in any RDF format) and
knowledge/source_graphs.py (which merges them), the only modules that read RDF files: once, at
start-up or on ``pactgraph validate``, never on the request path.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

import pyshacl
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from pactgraph import collector
from pactgraph.errors import PactgraphError
from pactgraph.knowledge.findings import Finding, ValidationReport
from pactgraph.knowledge.overlay_graph import overlay
from pactgraph.knowledge.pyshacl_focus import focus_nodes_in_a_set
from pactgraph.knowledge.rdf_files import RdfFile, graph_files, rdf_files
from pactgraph.knowledge.source_graphs import SourceGraphs, bind_prefixes
from pactgraph.knowledge.sparql_constraints import sparql_constraints_on_oxigraph
from pactgraph.knowledge.sparql_once import parse_each_sparql_query_once
from pactgraph.namespaces import SH, SHAPES

DERIVED_SHAPE = str(SHAPES.DefenseObligationShape)  # the shape of what the build derives


@dataclass
class Knowledge:
    """Everything pactgraph publishes, loaded and parsed: ontology, data and shapes."""

    ontology: SourceGraphs
    data: SourceGraphs
    shapes: SourceGraphs

    @classmethod
    def load(cls, ontology_paths, data_paths, shapes_paths) -> Knowledge:
        return cls(SourceGraphs.load(ontology_paths), SourceGraphs.load(data_paths, data=True),
                   SourceGraphs.load(shapes_paths))

    @classmethod
    def from_settings(cls, settings: dict) -> Knowledge:
        return cls(SourceGraphs.load(settings["ontology_paths"]),
                   SourceGraphs.load(settings["data_paths"], settings["data_format"],
                                     settings["data_graphs"], data=True),
                   SourceGraphs.load(settings["shapes_paths"]))

    @functools.cached_property
    def derived(self):
        """The obligations derived from the data and the ontology's entailments
        (knowledge/derivation.py), computed once."""
        from pactgraph.knowledge.derivation import derive_graphs
        return derive_graphs(self.ontology.graph, self.data.graph)

    def published_parts(self) -> tuple[Graph, ...]:
        """The graphs the server publishes: ontology, data, derived obligations and entailed
        triples (shapes are served on their own)."""
        return (self.ontology.graph, self.data.graph, self.derived.obligation_graph,
                self.derived.entailed)

    def published(self) -> Graph:
        """``published_parts`` merged into one graph."""
        merged = bind_prefixes(Graph())
        for part in self.published_parts():
            merged += part
        return merged

    def validate(self, focus_nodes: Iterable | None = None, obligations: Iterable | None = None,
                 derived=None) -> ValidationReport:
        """Validate the data, and the obligations derived from it, against the shapes, with the
        ontology supplying the class hierarchy; obligations written by hand are refused. Given
        ``focus_nodes``, only those nodes of the data against the shapes that target them, and
        given ``obligations``, only those derived obligations (knowledge/incremental.py), read
        from ``derived`` if given (some commitments' obligations only: build/revalidation.py)."""
        from pactgraph.knowledge.derivation import hand_written_obligations
        focus = None if focus_nodes is None else list(focus_nodes)
        findings = [Finding("Violation", str(node), "rdf:type", "pg:DefenseObligation is derived "
                            "from the data when it is built; never write one by hand (remove it)",
                            None, str(self.data.file_defining(node)))
                    for node in hand_written_obligations(self.data.graph)]
        if not findings and focus != []:
            findings += self._check(self.data.graph, focus=focus)
        # Obligations derived from data that does not conform are not worth checking; from data
        # with warnings they are (they were skipped then, the bundled data's included).
        if not ValidationReport(tuple(findings)).violations \
                and (URIRef(DERIVED_SHAPE), None, None) in self.shapes.graph:
            findings += self._check_obligations(obligations, derived)
        ordered = sorted(findings, key=lambda f: (f.file or "", f.focus, f.path or "", f.message))
        return ValidationReport(tuple(ordered))

    def _check_obligations(self, nodes: Iterable | None, derived=None) -> list[Finding]:
        """The findings on the derived obligations (all, or ``nodes``), checked with only the
        data's rdf:type triples they need: inside the whole data they took 4x longer at 10x (the
        data's shapes scanned it). Only where the shapes define their shape (a user's may not)."""
        checked = Graph()
        if nodes is None:
            checked += self.derived.obligation_graph
            checked += self.data.graph.triples((None, RDF.type, None))
        types: dict = {}  # the same states and clauses are named again and again
        for node in () if nodes is None else nodes:
            checked += self.obligation_read(node, types, derived)
        return self._check(checked, [DERIVED_SHAPE]) if len(checked) else []

    def obligation_read(self, node, types: dict | None = None, derived=None) -> Iterator[tuple]:
        """What the obligations' shape reads of the derived obligation ``node``: its own
        triples and the rdf:type triples of what it names (knowledge/incremental.py hashes the
        same to tell which obligations an edit changed). ``types``: the rdf:type triples of each
        node named so far, kept there (obligations name the same states and clauses again).
        ``derived``: the derivation to read it from, if not ``self.derived``."""
        for triple in (derived or self.derived).obligation_graph.triples((node, None, None)):
            yield triple
            named = triple[2]
            if types is None:
                yield from self.data.graph.triples((named, RDF.type, None))
                continue
            found = types.get(named)
            if found is None:
                found = types[named] = tuple(self.data.graph.triples((named, RDF.type, None)))
            yield from found

    def _check(self, data: Graph, only: list[str] | None = None,
               focus: list | None = None) -> list[Finding]:
        """SHACL findings on ``data`` (with the shapes ``only``, and the nodes ``focus``, if
        given)."""
        with parse_each_sparql_query_once(), focus_nodes_in_a_set(), \
                sparql_constraints_on_oxigraph(), collector.on_new_objects():
            _, results, _ = pyshacl.validate(
                # Some nodes of the data: read through it, not copied (knowledge/overlay_graph.py)
                data if focus is None else overlay(data), inplace=focus is not None,
                use_shapes=only, focus_nodes=focus,
                # a copy: pySHACL adds RDFS/OWL axioms to the shapes graph it is given, and the
                # shapes are published as they were written
                shacl_graph=self.shapes.graph + Graph(),
                ont_graph=self.ontology.graph,
                inference="none",
                advanced=True,
                allow_warnings=True,
            )
        if not isinstance(results, Graph):  # pySHACL reports broken shapes this way
            raise PactgraphError(f"the shapes could not be applied: {results}")
        return list(self._findings(results))

    def file_of(self, finding: Finding) -> Finding:
        """``finding`` pointing at the file that now describes its focus (kept from an earlier
        report, it may name a file that no longer does)."""
        return replace(finding, file=self._file(URIRef(finding.focus)))

    def _file(self, node) -> str | None:
        """The file that describes ``node``, for a finding on it."""
        where = self.data.file_defining(node)
        return None if where is None else str(where)

    def _findings(self, results: Graph) -> Iterable[Finding]:
        for result in results.subjects(SH.resultSeverity, None):
            focus = results.value(result, SH.focusNode)
            path = results.value(result, SH.resultPath)
            value = results.value(result, SH.value)
            yield Finding(
                severity=str(results.value(result, SH.resultSeverity)).rsplit("#", 1)[-1],
                focus=str(focus), path=_compact(results, path),
                message=str(results.value(result, SH.resultMessage) or "constraint not met"),
                value=None if value is None else str(value),
                file=self._file(focus))


def data_files(settings: dict) -> list[RdfFile]:
    """The data files the settings name: ``data_paths`` and the files of ``data_graphs``."""
    return [*rdf_files(settings["data_paths"], settings["data_format"]),
            *graph_files(settings["data_graphs"], settings["data_format"])]


def input_files(settings: dict) -> list[RdfFile]:
    """Every file the published store is built from: the ontology, the data and the shapes."""
    return [*rdf_files(settings["ontology_paths"]), *data_files(settings),
            *rdf_files(settings["shapes_paths"])]


def _compact(graph: Graph, node) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        return bind_prefixes(graph).namespace_manager.normalizeUri(node)
    return "(complex path)"
