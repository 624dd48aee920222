"""Reading the vendored W3C SPARQL 1.1 tests (tests/fixtures/w3c, tools/vendor-w3c-tests.sh): the
manifests, the data each test addresses, and SPARQL results in JSON, XML, CSV and TSV, parsed into
one comparable form.

The manifests are read with the base IRI of their published location, so a test's data file has
the IRI the W3C gives it; the server loads each data file as the named graph of that IRI (the
Protocol tests' own graph names, ``http://kasei.us/...``, where they give one) and a test's query
is sent with that graph as its ``default-graph-uri``: nothing is fetched.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import rdflib
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, XSD

W3C = Path(__file__).parent / "fixtures" / "w3c"
PUBLISHED = "https://w3c.github.io/rdf-tests/sparql/sparql11/"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
RESULTS = "{http://www.w3.org/2005/sparql-results#}"


def manifest(suite: str) -> Graph:
    """The manifest of ``suite`` (a folder of tests/fixtures/w3c) at its published IRI."""
    return Graph().parse(W3C / suite / "manifest.ttl", format="turtle",
                         publicID=f"{PUBLISHED}{suite}/manifest.ttl")


def entries(graph: Graph) -> list[URIRef]:
    """The manifest's tests, in its order."""
    [listed] = graph.objects(None, MF.entries)
    return list(Collection(graph, listed))


def local_file(iri: URIRef | str) -> Path:
    """The vendored file of a test file's published IRI."""
    return W3C / str(iri).removeprefix(PUBLISHED)


def protocol_graphs() -> dict[str, Path]:
    """The named graphs the Protocol tests address (ut:graphData): graph IRI -> its file."""
    graph = manifest("protocol")
    return {str(graph.value(data, RDFS.label)): local_file(graph.value(data, UT.graph))
            for data in graph.objects(None, UT.graphData)}


def evaluation_graphs(*suites: str) -> dict[str, Path]:
    """The data files of query evaluation tests (qt:data), each a named graph of its IRI."""
    found = {}
    for suite in suites:
        graph = manifest(suite)
        for data in graph.objects(None, QT.data):
            found[str(data)] = local_file(data)
    return found


# --- Results, in one comparable form ----------------------------------------------------------

@dataclass(frozen=True)
class Results:
    """A SELECT result (variables and rows of terms; None for unbound) or an ASK result."""

    variables: tuple[str, ...] = ()
    rows: tuple[tuple, ...] = ()
    boolean: bool | None = None

    def rewritten(self, terms: dict) -> Results:
        """These results with each term of ``terms`` replaced by its value (and, as CSV keeps
        only strings, each plain literal spelling a key by the value's string)."""
        strings = {str(key): Literal(str(value)) for key, value in terms.items()}

        def rewrite(term):
            if term in terms:
                return terms[term]
            if isinstance(term, Literal) and term.datatype is None and not term.language:
                return strings.get(str(term), term)
            return term
        return Results(self.variables, tuple(tuple(map(rewrite, row)) for row in self.rows),
                       self.boolean)

    def canonical(self) -> tuple:
        """Rows as a sorted multiset, blank nodes all alike (a few in these tests), numbers by
        value (TSV may write 1.0e6 for "1.0E6"^^xsd:double)."""
        return (tuple(sorted(self.variables)), sorted(
            tuple(sorted((name, _canonical(term)) for name, term in zip(self.variables, row,
                                                                     strict=True)))
            for row in self.rows), self.boolean)

    def as_csv(self) -> tuple:
        """What CSV keeps of these results: each term as its string."""
        return (tuple(sorted(self.variables)), sorted(
            tuple(sorted((name, _csv_string(term)) for name, term in zip(self.variables, row,
                                                                      strict=True)))
            for row in self.rows), self.boolean)


def _canonical(term) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return "_:"
    if isinstance(term, Literal) and term.datatype in NUMERIC:
        return f"number {term.toPython()!r}"
    return term.n3()


NUMERIC = {XSD.integer, XSD.decimal, XSD.double, XSD.float}


def _csv_string(term) -> str:
    """A term as CSV writes it; blank nodes ("_:label" in CSV) all alike."""
    if term is None:
        return ""
    if isinstance(term, BNode) or str(term).startswith("_:"):
        return "_:"
    return str(term)


def parse_json(text: str) -> Results:
    document = json.loads(text)
    if "boolean" in document:
        return Results(boolean=document["boolean"])
    variables = tuple(document["head"]["vars"])
    rows = tuple(tuple(_json_term(binding.get(name)) for name in variables)
                 for binding in document["results"]["bindings"])
    return Results(variables, rows)


def _json_term(value: dict | None):
    if value is None:
        return None
    if value["type"] == "uri":
        return URIRef(value["value"])
    if value["type"] == "bnode":
        return BNode(value["value"])
    language = value.get("xml:lang")
    datatype = value.get("datatype")
    return Literal(value["value"], lang=language, datatype=None if language else datatype,
                   normalize=False)


def parse_xml(text: bytes | str) -> Results:
    root = ET.fromstring(text)
    boolean = root.find(f"{RESULTS}boolean")
    if boolean is not None:
        return Results(boolean=boolean.text.strip() == "true")
    variables = tuple(v.get("name") for v in root.iter(f"{RESULTS}variable"))
    rows = []
    for result in root.iter(f"{RESULTS}result"):
        bound = {b.get("name"): _xml_term(b[0]) for b in result.findall(f"{RESULTS}binding")}
        rows.append(tuple(bound.get(name) for name in variables))
    return Results(variables, tuple(rows))


def _xml_term(element: ET.Element):
    kind = element.tag.removeprefix(RESULTS)
    if kind == "uri":
        return URIRef(element.text)
    if kind == "bnode":
        return BNode(element.text)
    language = element.get("{http://www.w3.org/XML/1998/namespace}lang")
    datatype = element.get("datatype")
    return Literal(element.text or "", lang=language, datatype=None if language else datatype,
                   normalize=False)


def parse_tsv(text: str) -> Results:
    lines = text.rstrip("\n").split("\n")
    variables = tuple(name.removeprefix("?") for name in lines[0].split("\t"))
    rows = tuple(tuple(_tsv_term(cell) for cell in line.split("\t")) for line in lines[1:])
    return Results(variables, rows)


def _tsv_term(cell: str):
    """A TSV cell is a term in Turtle's syntax (or empty): read as the object of a triple."""
    if cell == "":
        return None
    normalizing, rdflib.NORMALIZE_LITERALS = rdflib.NORMALIZE_LITERALS, False
    try:  # as written: 1.0e6 stays "1.0e6"^^xsd:double
        graph = Graph().parse(data=f"<urn:s> <urn:p> {cell} .", format="turtle")
    finally:
        rdflib.NORMALIZE_LITERALS = normalizing
    return next(iter(graph.objects()))


def parse_csv(text: str) -> Results:
    """CSV keeps strings only: every cell is a plain literal (empty: unbound)."""
    table = list(csv.reader(io.StringIO(text)))
    variables = tuple(table[0])
    rows = tuple(tuple(Literal(cell) if cell != "" else None for cell in row)
                 for row in table[1:])
    return Results(variables, rows)


PARSERS = {"application/sparql-results+json": parse_json,
           "application/sparql-results+xml": parse_xml,
           "text/tab-separated-values": parse_tsv, "text/csv": parse_csv}
BY_EXTENSION = {".srj": "application/sparql-results+json", ".srx": "application/sparql-results+xml",
                ".tsv": "text/tab-separated-values", ".csv": "text/csv"}


def parse_results(media_type: str, body: bytes) -> Results:
    """``body``, SPARQL results in ``media_type``, parsed (XML from bytes, as it declares its
    encoding; the others as UTF-8 text)."""
    parser = PARSERS[media_type]
    return parser(body) if parser is parse_xml else parser(body.decode("utf-8"))


def iter_requests(graph: Graph, test: URIRef) -> Iterator[URIRef]:
    """The HTTP requests of a Protocol test, in order."""
    action = graph.value(test, MF.action)
    yield from Collection(graph, graph.value(action, HT.requests))


def is_rdf_type(graph: Graph, node, kind) -> bool:
    return (node, RDF.type, kind) in graph
