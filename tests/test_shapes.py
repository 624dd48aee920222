"""The SHACL shapes, tested both ways, with the message a contributor actually sees.

Data-driven, like pySHACL's own tests: every case is a Turtle file under ``tests/shapes/``.

- ``base.ttl``: a small, complete, valid dataset that uses every class the shapes check.
- ``valid/*.ttl``: complete graphs for legitimate edge cases; each must produce no finding at all.
- ``invalid/*.ttl``: each breaks exactly one constraint of ``base.ttl``. A file is a change to the
  base, with its expectation in header comments, and the triples to add in Turtle (with the base's
  prefixes)::

      # expect-focus: treaty:example-mdt-1950          (a prefixed name or an <IRI>)
      # expect-message: exactly one rdfs:label         (part of the shape's sh:message)
      # expect-severity: Warning                       (optional; Violation when absent)
      # remove: treaty:example-mdt-1950 rdfs:label *   (subject predicate object; * for any)

Validation goes through ``pactgraph.knowledge.sources.Knowledge``, the code ``pactgraph validate``
runs, so the tests see the same findings (focus, message, severity) that a contributor sees.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SKOS
from rdflib.term import Node

from pactgraph import settings
from pactgraph.knowledge.sources import DERIVED_SHAPE, Knowledge, SourceGraphs, ValidationReport
from pactgraph.namespaces import SH, SHAPES

FIXTURES = Path(__file__).parent / "shapes"
BASE = FIXTURES / "base.ttl"
VALID = sorted((FIXTURES / "valid").glob("*.ttl"))
INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))
DERIVED = sorted((FIXTURES / "derived").glob("*.ttl"))  # changes to base.ttl's derived obligations

PREFIX_LINE = re.compile(r"^@prefix\s+([\w-]*):\s*<([^>]*)>\s*\.\s*$", re.MULTILINE)
HEADER_LINE = re.compile(r"^#\s*(expect-focus|expect-message|expect-severity|remove):\s*(.+?)\s*$",
                         re.MULTILINE)

# Constraint parameters that, set directly on a node shape, make it report on the focus node itself.
NODE_LEVEL_PARAMETERS = (SH.pattern, SH.nodeKind, SH["class"], SH.datatype, SH["in"], SH.hasValue)


# --- Loading and validating ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def resolved_settings() -> dict:
    return settings.resolve()


@pytest.fixture(scope="module")
def ontology(resolved_settings: dict) -> SourceGraphs:
    return SourceGraphs.load(resolved_settings["ontology_paths"])


@pytest.fixture(scope="module")
def shapes(resolved_settings: dict) -> SourceGraphs:
    return SourceGraphs.load(resolved_settings["shapes_paths"])


@pytest.fixture(scope="module")
def base() -> Graph:
    return Graph().parse(BASE, format="turtle")


def validate(graph: Graph, ontology: SourceGraphs, shapes: SourceGraphs) -> ValidationReport:
    return Knowledge(ontology=ontology, data=SourceGraphs(graph=graph), shapes=shapes).validate()


# --- Reading an invalid fixture -------------------------------------------------------------------

BASE_PREFIXES: dict[str, str] = dict(PREFIX_LINE.findall(BASE.read_text(encoding="utf-8")))
BASE_PREFIX_BLOCK = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in BASE_PREFIXES.items())


def parse_term(token: str) -> URIRef | None:
    """A header term: ``*`` (any), an ``<IRI>`` or a prefixed name declared in base.ttl."""
    if token == "*":
        return None
    if token.startswith("<") and token.endswith(">"):
        return URIRef(token[1:-1])
    prefix, colon, local = token.partition(":")
    if not colon or prefix not in BASE_PREFIXES:
        raise ValueError(f"{token!r} is not *, an <IRI> or a name with a prefix of base.ttl")
    return URIRef(BASE_PREFIXES[prefix] + local)


@dataclass(frozen=True)
class Expectation:
    """What an invalid fixture changes in the base graph, and the one finding it must cause."""

    path: Path
    focus: URIRef
    message: str
    severity: str
    removals: tuple[tuple[URIRef | None, URIRef | None, URIRef | None], ...]
    additions: Graph

    @classmethod
    def read(cls, path: Path) -> Expectation:
        text = path.read_text(encoding="utf-8")
        header: dict[str, list[str]] = {}
        for key, value in HEADER_LINE.findall(text):
            header.setdefault(key, []).append(value)
        (focus,) = header["expect-focus"]
        (message,) = header["expect-message"]
        (severity,) = header.get("expect-severity", ["Violation"])
        removals = []
        for line in header.get("remove", []):
            subject, predicate, obj = line.split()
            removals.append((parse_term(subject), parse_term(predicate), parse_term(obj)))
        additions = Graph().parse(data=BASE_PREFIX_BLOCK + text, format="turtle")
        return cls(path, parse_term(focus), message, severity, tuple(removals), additions)

    def applied_to(self, base: Graph) -> Graph:
        graph = Graph()
        graph += base
        for pattern in self.removals:
            assert pattern in base, f"{self.path.name}: base.ttl has no triple {pattern}"
            graph.remove(pattern)
        graph += self.additions
        return graph


EXPECTATIONS = [Expectation.read(path) for path in INVALID]
DERIVED_EXPECTATIONS = [Expectation.read(path) for path in DERIVED]


# --- The data -----------------------------------------------------------------------------------

def test_bundled_data_conforms(resolved_settings: dict) -> None:
    report = Knowledge.from_settings(resolved_settings).validate()
    assert report.conforms, report.text()


def test_base_graph_has_no_finding(
    base: Graph, ontology: SourceGraphs, shapes: SourceGraphs
) -> None:
    report = validate(base, ontology, shapes)
    assert not report.findings, report.text()


@pytest.mark.parametrize("path", VALID, ids=[path.stem for path in VALID])
def test_valid_graph_has_no_finding(
    path: Path, ontology: SourceGraphs, shapes: SourceGraphs
) -> None:
    report = validate(Graph().parse(path, format="turtle"), ontology, shapes)
    assert not report.findings, report.text()


@pytest.mark.parametrize("expected", EXPECTATIONS, ids=[e.path.stem for e in EXPECTATIONS])
def test_invalid_fixture_reports_its_constraint(
    expected: Expectation, base: Graph, ontology: SourceGraphs, shapes: SourceGraphs
) -> None:
    report = validate(expected.applied_to(base), ontology, shapes)
    seen = [f for f in report.findings
            if f.focus == str(expected.focus) and expected.message in f.message]
    assert seen, f"expected on <{expected.focus}>: {expected.message!r}\n{report.text()}"
    assert {f.severity for f in seen} == {expected.severity}, report.text()
    if expected.severity == "Violation":
        assert not report.conforms
        # Exactly one constraint broken: no other violation (warnings may come with the change).
        others = [f for f in report.violations if expected.message not in f.message]
    else:
        assert report.conforms, report.text()
        others = [f for f in report.findings if expected.message not in f.message]
    assert not others, "other findings:\n" + "\n".join(f.line() for f in others)


@pytest.mark.parametrize("expected", DERIVED_EXPECTATIONS,
                         ids=[e.path.stem for e in DERIVED_EXPECTATIONS])
def test_derived_obligation_fixture_reports_its_constraint(
    expected: Expectation, base: Graph, ontology: SourceGraphs, shapes: SourceGraphs
) -> None:
    """Obligations are derived, never written in data/, so their fixtures change what base.ttl
    derives (knowledge/derivation.py) and the build's own check must catch it."""
    from pactgraph.knowledge.derivation import derive_graphs
    knowledge = Knowledge(ontology=ontology, data=SourceGraphs(graph=base), shapes=shapes)
    derived = expected.applied_to(derive_graphs(ontology.graph, base).obligation_graph)
    types = Graph()
    types += base.triples((None, RDF.type, None))
    findings = knowledge._check(derived + types, [DERIVED_SHAPE])
    seen = [f for f in findings if f.focus == str(expected.focus) and expected.message in f.message]
    assert seen, f"expected on <{expected.focus}>: {expected.message!r}\n{findings}"
    others = [f for f in findings
              if f.severity == "Violation" and expected.message not in f.message]
    assert not others, "other findings:\n" + "\n".join(f.line() for f in others)


# --- The shapes file itself -----------------------------------------------------------------------

def constraint_nodes(graph: Graph) -> Iterator[tuple[Node, Node]]:
    """(shape, constraint) for every property shape and SPARQL constraint of every node shape."""
    for shape in graph.subjects(RDF.type, SH.NodeShape):
        for predicate in (SH.property, SH.sparql):
            for constraint in graph.objects(shape, predicate):
                yield shape, constraint


def path_terms(graph: Graph, path: Node) -> list[URIRef]:
    """The properties a SHACL path names: itself, its inverse, or each alternative."""
    if isinstance(path, URIRef):
        return [path]
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return path_terms(graph, inverse)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        items = Collection(graph, alternatives)
        return [term for item in items for term in path_terms(graph, item)]
    raise AssertionError(f"unexpected path form {path!r}")


def test_every_constraint_has_exactly_one_message(shapes: SourceGraphs) -> None:
    graph = shapes.graph
    missing = [f"{shape} → {constraint}" for shape, constraint in constraint_nodes(graph)
               if len(set(graph.objects(constraint, SH.message))) != 1]
    for shape in graph.subjects(RDF.type, SH.NodeShape):
        node_level = any((shape, parameter, None) in graph for parameter in NODE_LEVEL_PARAMETERS)
        if node_level and len(set(graph.objects(shape, SH.message))) != 1:
            missing.append(str(shape))
    assert not missing, "constraints without exactly one sh:message:\n" + "\n".join(missing)


def test_every_property_message_names_its_property(shapes: SourceGraphs) -> None:
    graph = shapes.graph
    unnamed = []
    for _, constraint in constraint_nodes(graph):
        path = graph.value(constraint, SH.path)
        if path is None:
            continue
        message = str(graph.value(constraint, SH.message))
        for term in path_terms(graph, path):
            name = graph.namespace_manager.normalizeUri(term)
            if name not in message:
                unnamed.append(f"{name}: {message}")
    assert not unnamed, "messages that do not name their property:\n" + "\n".join(unnamed)


def test_every_message_is_expected_by_an_invalid_fixture(shapes: SourceGraphs) -> None:
    messages = {str(message) for message in shapes.graph.objects(None, SH.message)}
    unexercised = sorted(m for m in messages
                         if not any(e.message in m for e in EXPECTATIONS + DERIVED_EXPECTATIONS))
    assert not unexercised, "messages no fixture expects:\n" + "\n".join(unexercised)


@pytest.mark.parametrize("expected", EXPECTATIONS + DERIVED_EXPECTATIONS,
                         ids=[e.path.stem for e in EXPECTATIONS + DERIVED_EXPECTATIONS])
def test_fixture_expects_exactly_one_message(expected: Expectation, shapes: SourceGraphs) -> None:
    messages = {str(message) for message in shapes.graph.objects(None, SH.message)}
    matching = [m for m in messages if expected.message in m]
    assert len(matching) == 1, f"{expected.message!r} matches {len(matching)} messages: {matching}"


def test_controlled_value_lists_equal_the_ontology_schemes(
    shapes: SourceGraphs, ontology: SourceGraphs
) -> None:
    """Each sh:in list marked with shape:scheme holds exactly that scheme's concepts."""
    marked = list(shapes.graph.subject_objects(SHAPES.scheme))
    assert marked, "no property shape names its concept scheme"
    for constraint, scheme in marked:
        listed = set(Collection(shapes.graph, shapes.graph.value(constraint, SH["in"])))
        in_scheme = set(ontology.graph.subjects(SKOS.inScheme, scheme))
        assert listed == in_scheme, f"{scheme}: shapes list {listed ^ in_scheme} differently"


def test_every_concept_scheme_is_enforced(shapes: SourceGraphs, ontology: SourceGraphs) -> None:
    schemes = set(ontology.graph.subjects(RDF.type, SKOS.ConceptScheme))
    enforced = set(shapes.graph.objects(None, SHAPES.scheme))
    assert schemes == enforced, f"schemes without a shape: {schemes - enforced}"
