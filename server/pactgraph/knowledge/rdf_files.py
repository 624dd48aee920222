"""Read RDF files in every format pactgraph takes, each into the graphs it names.

Turtle, N-Triples, N-Quads, TriG, JSON-LD and RDF/XML, chosen by the file's extension (the
``reads`` column of formats.py) or by a format the user names for files whose extension does not
say. A file of quads keeps its named graphs; its triples outside any named graph, and every triple
of a triples file, go into the graph the user names for that file, else the default graph of its
kind (``None`` here; the store calls it ``graph/data`` or ``graph/ontology``).

Data files in Turtle, N-Triples, N-Quads and TriG are parsed by Oxigraph into rdflib graphs: its
parser (Rust) and the conversion of its terms took about half as long as rdflib's parser (pure
Python) on the bundled and synthetic data, the same graphs every time
(``tests/test_rdf_formats.py``). The ontology and the shapes (small) are parsed by rdflib: their
downloads are written in the order its parser numbers blank nodes, and a release's bytes must not
change. A file Oxigraph refuses is parsed by rdflib as before, so what rdflib accepts is still
read, and a syntax error is still reported in rdflib's words. RDF/XML and JSON-LD are parsed by
rdflib alone (their parsers differ in more than speed: XML literals, contexts fetched or not).
One difference is by design: a literal written ``"x"^^xsd:string`` is the plain literal ``"x"``
(the same term in RDF 1.1, and in the store already).

A syntax error names the file and, wherever the parser knows it, the line: rdflib reports it for
Turtle and TriG, the XML and JSON parsers for RDF/XML and JSON-LD; for N-Triples and N-Quads, whose
rdflib parser does not, pyoxigraph is asked where the first error is.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from xml.sax import SAXParseException

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Dataset, Graph
from rdflib.exceptions import ParserError
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.parsers.notation3 import BadSyntax

from pactgraph import formats
from pactgraph.errors import RdfParseError
from pactgraph.terms import to_rdflib

_NAMES = {"text/turtle": "Turtle", "application/n-triples": "N-Triples",
          "application/n-quads": "N-Quads", "application/trig": "TriG",
          "application/ld+json": "JSON-LD", "application/rdf+xml": "RDF/XML"}
QUADS = ("application/n-quads", "application/trig", "application/ld+json")  # may name graphs
_OXIGRAPH = {"application/n-triples": ox.RdfFormat.N_TRIPLES,
             "application/n-quads": ox.RdfFormat.N_QUADS}
PARSED_BY_OXIGRAPH = {**_OXIGRAPH, "text/turtle": ox.RdfFormat.TURTLE,
                       "application/trig": ox.RdfFormat.TRIG}


@dataclass(frozen=True)
class RdfFile:
    """One file to read: where it is, the format it is read in, and the graph its triples (those
    outside a named graph of its own) go into; None for the default graph of its kind."""

    path: Path
    media_type: str
    graph: str | None = None
    base_iri: str | None = None  # relative IRIs' base: the file's own URI unless given

    @property
    def base(self) -> str:
        return self.base_iri or self.path.resolve().as_uri()

    @property
    def format_name(self) -> str:
        return _NAMES[self.media_type]

    def describe(self) -> str:
        """What decides how this file is read, for the hash of the input files."""
        return f"{self.path.name} {self.media_type} {self.graph or ''}"


def format_of(path: Path, data_format: str | None = None) -> str:
    """The media type ``path`` is read in: ``data_format`` if given, else by its extension."""
    if data_format:
        try:
            return formats.readable_media_type(data_format)
        except ValueError as error:
            raise RdfParseError(str(path), str(error), format_name="RDF") from None
    media_type = formats.READ_BY_EXTENSION.get(path.suffix.lower())
    if media_type is None:
        known = ", ".join(sorted(formats.READ_BY_EXTENSION))
        raise RdfParseError(str(path), f"cannot tell its format from its extension (pactgraph "
                            f"reads {known}); name it with --data-format "
                            f"({', '.join(formats.READABLE_NAMES)})", format_name="RDF")
    return media_type


def rdf_files(paths: Iterable[str | Path], data_format: str | None = None,
              graph: str | None = None) -> list[RdfFile]:
    """The RDF files named by ``paths``: files as given (read in ``data_format`` if given), folders
    searched recursively for the extensions pactgraph reads (each read by its extension)."""
    found: list[RdfFile] = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(RdfFile(file, format_of(file), graph) for file in sorted(path.rglob("*"))
                         if file.is_file() and file.suffix.lower() in formats.READ_BY_EXTENSION)
        elif path.exists():
            found.append(RdfFile(path, format_of(path, data_format), graph))
        else:
            raise RdfParseError(str(path), "no such file or folder", format_name="RDF")
    return found


def graph_files(pairs: Iterable[Iterable[str]], data_format: str | None = None) -> list[RdfFile]:
    """The files of ``pairs`` of (graph IRI, path): each file's triples go into that graph."""
    found: list[RdfFile] = []
    for iri, path in (tuple(pair) for pair in pairs):
        try:
            ox.NamedNode(iri)
        except ValueError:
            raise RdfParseError(str(path), f"the graph name {iri!r} is not an absolute IRI",
                                format_name="RDF") from None
        found.extend(rdf_files([path], data_format, graph=iri))
    return found


def read(source: RdfFile, by_oxigraph: bool = False) -> dict[str | None, Graph]:
    """The triples of ``source`` by the graph they go into (None: the default graph of its kind);
    a syntax error raises ``RdfParseError`` naming the file and, where known, the line.
    ``by_oxigraph``: parsed by Oxigraph where it can (the data files); else by rdflib, which
    numbers blank nodes in an order the ontology's and the shapes' downloads are written in."""
    try:
        parsed = _parse(source, by_oxigraph)
    except BadSyntax as error:
        raise _error(source, error._why, error.lines + 1) from None
    except SAXParseException as error:
        raise _error(source, error.getMessage(), error.getLineNumber()) from None
    except json.JSONDecodeError as error:
        raise _error(source, error.msg, error.lineno) from None
    except (ParserError, ValueError, UnicodeDecodeError, TypeError, KeyError, AttributeError) \
            as error:
        raise _error(source, str(error) or type(error).__name__, _first_error_line(source)) \
            from None
    graphs: dict[str | None, Graph] = {}
    for name, graph, own in parsed:
        if len(graph):
            key = name if name is not None else source.graph
            if key not in graphs and own:
                graphs[key] = graph  # a graph of its own, as parsed: not copied
                continue
            # a graph of an rdflib dataset lives in its store: copied into a graph of its own
            graphs.setdefault(key, Graph())
            graphs[key] += graph
    return graphs


@contextmanager
def _lexical_forms_kept() -> Iterator[None]:
    """rdflib rewrites typed literals in a canonical form as it parses ("1.0E6"^^xsd:double
    became "1000000.0"); a publisher serves the lexical form its files hold. Loading runs once,
    at start-up, before any thread could see the switch."""
    normalizing = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        yield
    finally:
        rdflib.NORMALIZE_LITERALS = normalizing


# (name, graph, whether the graph is its own: not a view of a dataset's store)
Parsed = list[tuple[str | None, Graph, bool]]


def _parse(source: RdfFile, by_oxigraph: bool) -> Parsed:
    """The graphs of ``source`` as rdflib reads them, by name (None: the default graph)."""
    with _lexical_forms_kept():
        if by_oxigraph and source.media_type in PARSED_BY_OXIGRAPH:
            try:
                return _parse_by_oxigraph(source)
            # AttributeError: a triple term (RDF 1.2), which rdflib's graphs cannot hold
            except (SyntaxError, ValueError, UnicodeDecodeError, AttributeError):
                pass  # rdflib reads it, or says what is wrong in its own words
        return _parse_as_written(source)


def _parse_by_oxigraph(source: RdfFile) -> Parsed:
    parsed: Parsed = []
    for name, triples in oxigraph_triples(source).items():
        graph = Graph()
        graph.addN((s, p, o, graph) for s, p, o in triples)
        parsed.append((name, graph, True))
    return parsed or [(None, Graph(), True)]


def oxigraph_triples(source: RdfFile) -> dict[str | None, list[tuple]]:
    """The triples of ``source`` parsed by Oxigraph, as rdflib terms (``pactgraph.terms``), by
    the name of their graph (None: the default one). Raises what Oxigraph raises."""
    by_name: dict[str | None, list] = {}
    iris: dict = {}
    blanks: dict[str, BNode] = {}

    def term(node):
        # Oxigraph keeps a document's blank-node labels; a label names a node of its own file
        # only, so each gets a new rdflib node, as rdflib's parser gives them.
        if isinstance(node, ox.BlankNode):
            return blanks.get(node.value) or blanks.setdefault(node.value, BNode())
        return to_rdflib(node, iris)

    with _lexical_forms_kept():
        for quad in ox.parse(path=str(source.path), base_iri=source.base,
                             format=PARSED_BY_OXIGRAPH[source.media_type]):
            graph_name = quad.graph_name
            name = None if isinstance(graph_name, ox.DefaultGraph) else str(term(graph_name))
            by_name.setdefault(name, []).append(
                (term(quad.subject), to_rdflib(quad.predicate, iris), term(quad.object)))
    return by_name


def _parse_as_written(source: RdfFile) -> Parsed:
    rdflib_format = formats.RDFLIB_FORMAT[source.media_type]
    base = source.base
    if source.media_type not in QUADS:
        return [(None, Graph().parse(source.path, format=rdflib_format, publicID=base), True)]
    with warnings.catch_warnings():
        # rdflib 7's Dataset.parse warns about its own deprecated ConjunctiveGraph internals
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset = Dataset()
        dataset.parse(source.path, format=rdflib_format, publicID=base)
        return [(None if graph.identifier == DATASET_DEFAULT_GRAPH_ID else str(graph.identifier),
                 graph, False) for graph in dataset.graphs()]


def _error(source: RdfFile, message: str, line: int | None) -> RdfParseError:
    return RdfParseError(str(source.path), message, line=line, format_name=source.format_name)


def _first_error_line(source: RdfFile) -> int | None:
    """Where pyoxigraph finds the first syntax error of an N-Triples or N-Quads file."""
    if source.media_type not in _OXIGRAPH:
        return None
    try:
        for _ in ox.parse(path=str(source.path), format=_OXIGRAPH[source.media_type]):
            pass
    except SyntaxError as error:
        return error.lineno
    return None

