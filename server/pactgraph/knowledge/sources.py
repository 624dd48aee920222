"""Load the ontology, the data and the shapes with rdflib, and validate the data with pySHACL.

This is the only module that reads RDF files. It runs once, at start-up or on
``pactgraph validate``; nothing on the request path parses files or validates shapes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyshacl
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.plugins.sparql import processor
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery

from pactgraph.errors import PactgraphError, RdfParseError
from pactgraph.namespaces import PREFIXES, SH, SHAPES

DERIVED_SHAPE = str(SHAPES.DefenseObligationShape)  # the shape of what the build derives


def turtle_files(paths: Iterable[str | Path]) -> list[Path]:
    """The ``.ttl`` files named by ``paths``: files as given, folders searched recursively."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(sorted(path.rglob("*.ttl")))
        elif path.exists():
            found.append(path)
        else:
            raise RdfParseError(str(path), "no such file or folder")
    return found


def bind_prefixes(graph: Graph) -> Graph:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


def parse_turtle(path: Path) -> Graph:
    """Parse one Turtle file; a syntax error becomes an error that names the file and line."""
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except BadSyntax as error:
        raise RdfParseError(str(path), error._why, line=error.lines + 1) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise RdfParseError(str(path), str(error)) from None
    return graph


@dataclass
class SourceGraphs:
    """The triples of one kind of file (ontology, data or shapes), merged, and their files."""

    graph: Graph = field(default_factory=lambda: bind_prefixes(Graph()))
    files: dict[Path, Graph] = field(default_factory=dict)

    @classmethod
    def load(cls, paths: Iterable[str | Path]) -> SourceGraphs:
        loaded = cls()
        for path in turtle_files(paths):
            part = parse_turtle(path)
            loaded.files[path] = part
            loaded.graph += part
        return loaded

    def file_defining(self, node) -> Path | None:
        """The file in which ``node`` is a subject, to point a contributor at it."""
        for path, part in self.files.items():
            if (node, None, None) in part:
                return path
        return None


@dataclass(frozen=True)
class Finding:
    """One SHACL validation result, in the terms a contributor needs to fix it."""

    severity: str  # "Violation", "Warning" or "Info"
    focus: str
    path: str | None
    message: str
    value: str | None
    file: str | None

    def line(self) -> str:
        where = self.file or "(no file)"
        path = f" {self.path}" if self.path else ""
        value = f" (value: {self.value})" if self.value else ""
        return f"{self.severity}: {where}: <{self.focus}>{path}: {self.message}{value}"


@dataclass(frozen=True)
class ValidationReport:
    findings: tuple[Finding, ...]

    @property
    def conforms(self) -> bool:
        """Only violations fail validation; warnings and infos are reported but allowed."""
        return not self.violations

    @property
    def violations(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "Violation")

    def text(self) -> str:
        if not self.findings:
            return "The data conforms to the shapes."
        lines = [finding.line() for finding in self.findings]
        others = len(self.findings) - len(self.violations)
        if self.conforms:
            summary = f"The data conforms to the shapes, with {others} warning(s) to look at."
        else:
            summary = (f"The data does not conform: {len(self.violations)} violation(s), "
                       f"{others} other finding(s).")
        return "\n".join([*lines, summary])


@dataclass
class Knowledge:
    """Everything pactgraph publishes, loaded and parsed: ontology, data and shapes."""

    ontology: SourceGraphs
    data: SourceGraphs
    shapes: SourceGraphs

    @classmethod
    def load(cls, ontology_paths, data_paths, shapes_paths) -> Knowledge:
        return cls(SourceGraphs.load(ontology_paths), SourceGraphs.load(data_paths),
                   SourceGraphs.load(shapes_paths))

    @classmethod
    def from_settings(cls, settings: dict) -> Knowledge:
        return cls.load(settings["ontology_paths"], settings["data_paths"],
                        settings["shapes_paths"])

    @functools.cached_property
    def derived(self):
        """The obligations derived from the data and the ontology's entailments
        (knowledge/derivation.py), computed once."""
        from pactgraph.knowledge.derivation import derive_graphs
        return derive_graphs(self.ontology.graph, self.data.graph)

    def published(self) -> Graph:
        """The graph the server publishes: ontology, data, derived obligations and entailed
        triples (shapes are served on their own)."""
        merged = bind_prefixes(Graph())
        for part in (self.ontology.graph, self.data.graph, self.derived.obligation_graph,
                     self.derived.entailed):
            merged += part
        return merged

    def validate(self) -> ValidationReport:
        """Validate the data, and the obligations derived from it, against the shapes, with the
        ontology supplying the class hierarchy; obligations written by hand are refused."""
        from pactgraph.knowledge.derivation import hand_written_obligations
        findings = [Finding("Violation", str(node), "rdf:type", "pg:DefenseObligation is derived "
                            "from the data when it is built; never write one by hand (remove it)",
                            None, str(self.data.file_defining(node)))
                    for node in hand_written_obligations(self.data.graph)]
        if not findings:
            findings += self._check(self.data.graph)
        if not findings:  # the obligations, with only the data's types (4x faster at 10x than
            types = Graph()  # validating them inside the data: the data's shapes scan less)
            types += self.data.graph.triples((None, RDF.type, None))
            findings += self._check(self.derived.obligation_graph + types, [DERIVED_SHAPE])
        ordered = sorted(findings, key=lambda f: (f.file or "", f.focus, f.path or "", f.message))
        return ValidationReport(tuple(ordered))

    def _check(self, data: Graph, only: list[str] | None = None) -> list[Finding]:
        """SHACL findings on ``data`` (with the shapes ``only``, if given)."""
        with parse_each_sparql_query_once():
            _, results, _ = pyshacl.validate(
                data, use_shapes=only,
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

    def _findings(self, results: Graph) -> Iterable[Finding]:
        for result in results.subjects(SH.resultSeverity, None):
            focus = results.value(result, SH.focusNode)
            path = results.value(result, SH.resultPath)
            value = results.value(result, SH.value)
            where = self.data.file_defining(focus)
            yield Finding(
                severity=str(results.value(result, SH.resultSeverity)).rsplit("#", 1)[-1],
                focus=str(focus),
                path=_compact(results, path),
                message=str(results.value(result, SH.resultMessage) or "constraint not met"),
                value=None if value is None else str(value),
                file=None if where is None else str(where),
            )


def _compact(graph: Graph, node) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        return bind_prefixes(graph).namespace_manager.normalizeUri(node)
    return "(complex path)"


@functools.cache
def _parsed_query(text: str, base: str | None, namespaces: frozenset):
    return translateQuery(parseQuery(text), base, dict(namespaces))


@contextmanager
def parse_each_sparql_query_once() -> Iterator[None]:
    """Let rdflib reuse the parsed form of each SPARQL constraint while pySHACL validates.

    pySHACL evaluates every sh:sparql constraint once per focus node, passing the query as text, and
    rdflib parses it again each time: parsing was 80% of validation time (15-20 s on the bundled
    data, 2.5 s with this). Only parsing is shared; each evaluation still binds its own focus node,
    exactly as a prepared query would. The patch lasts only while validation runs.
    """
    original = processor.SPARQLProcessor.query

    def query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False):  # noqa: N803
        if isinstance(strOrQuery, str):
            strOrQuery = _parsed_query(strOrQuery, base, frozenset((initNs or {}).items()))
        return original(self, strOrQuery, initBindings, initNs, base, DEBUG)

    processor.SPARQLProcessor.query = query
    try:
        yield
    finally:
        processor.SPARQLProcessor.query = original
