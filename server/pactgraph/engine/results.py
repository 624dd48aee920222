"""Writing a query's answer with the row cap applied while writing (``max_result_rows``).

pyoxigraph writes whole result sets only, so a capped result cannot go through its writers:
solutions are written here, in the four SPARQL results formats, stopping after ``max_rows`` (each
term as ``engine/term_writers.py`` writes it); graph results go through pyoxigraph's RDF writers
fed by a counting iterator. The tests check that these writers say the same as pyoxigraph's
(``tests/test_limits.py``).

A capped answer is never silently short: the caller gets ``truncated=True`` and sends the
``Pactgraph-Results-Truncated`` header; where the format has room for it the body says so too
(SPARQL JSON: ``head.link`` and a top-level ``"pactgraph"`` member; SPARQL XML: ``<link>`` in the
head; Turtle, TriG, N-Triples, N-Quads: a comment on the first line).

These writers are the general route; ``engine/answers.py`` lets pyoxigraph's own writers do SELECT
results whenever the result is known to be at most one row over the cap.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from pactgraph.engine.cuts import BYTES, Capped, Caps, Cut, too_large
from pactgraph.engine.federation import FEDERATION_REFUSED
from pactgraph.engine.jsonld_answer import jsonld_bytes
from pactgraph.engine.term_writers import csv_term, json_term, tsv_term, xml_term
from pactgraph.errors import QueryError, UnsupportedOperation
from pactgraph.namespaces import PREFIXES

RESULTS_JSON = "application/sparql-results+json"
RESULTS_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
JSON_LD = "application/ld+json"
RDF_FORMAT = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
}
# Formats whose syntax has line comments, so a capped body can say so in its first line.
_HASH_COMMENTS = {"text/turtle", "application/n-triples", "application/n-quads",
                  "application/trig"}


@dataclass(frozen=True)
class Written:
    body: bytes
    # Solutions or triples written. (A whole SPARQL JSON answer written by pyoxigraph is counted
    # from its row separators without parsing: one too many per literal that contains "},{".)
    rows: int
    cut: Cut | None = None  # which cap cut the answer (None: it is whole)

    @property
    def truncated(self) -> bool:
        return self.cut is not None


def _json_row(names: list[str], solution) -> str:
    row = {}
    for index, name in enumerate(names):
        term = solution[index]
        if term is not None:
            row[name] = json_term(term)
    return _dumps(row)


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# --- Solutions -----------------------------------------------------------------------------------

def _write_json(solutions, names: list[str], caps: Caps, link: str | None) -> Written:
    capped = Capped(solutions, caps, lambda solution: _json_row(names, solution),
                    frame=len(_dumps(names)), separator=1)
    rows = list(capped)
    return json_written(names, rows, link, capped.cut)


def json_written(names: list[str], rows: list[str], link: str | None, cut: Cut | None) -> Written:
    """A SPARQL JSON answer of ``rows`` (each a binding already written as JSON)."""
    head: dict = {"vars": names}
    document: dict = {"head": head}
    if cut is not None:
        if link:
            head["link"] = [link]
        # Before "results": streaming parsers (Oxigraph's) refuse members after the bindings.
        document["pactgraph"] = cut.member()
    document["results"] = {"bindings": []}
    frame = _dumps(document)  # ends with the empty bindings: '[]}}'
    body = f"{frame[:-3]}{','.join(rows)}]}}}}".encode()
    return Written(body, len(rows), cut)


def _xml_row(names: list[str], solution) -> str:
    bindings = "".join(f"<binding name={quoteattr(name)}>{xml_term(solution[index])}</binding>"
                       for index, name in enumerate(names) if solution[index] is not None)
    return f"<result>{bindings}</result>"


def _write_xml(solutions, names: list[str], caps: Caps, link: str | None) -> Written:
    head = "".join(f"<variable name={quoteattr(name)}/>" for name in names)
    capped = Capped(solutions, caps, lambda solution: _xml_row(names, solution),
                    frame=len(head.encode()))
    results = "".join(capped)
    note = ""
    if capped.cut is not None:
        link_element, note = xml_signals(capped.cut, link)
        head += link_element
    body = ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"{note}<head>{head}</head><results>{results}</results></sparql>\n")
    return Written(body.encode("utf-8"), capped.count, capped.cut)


def xml_signals(cut: Cut, link: str | None) -> tuple[str, str]:
    """What a cut SPARQL XML answer carries: a ``<link>`` for the head, a comment before it."""
    link_element = f"<link href={quoteattr(link)}/>" if link else ""
    return link_element, f"<!-- {escape(cut.note()).replace('--', '- -')} -->"


def _csv_line(values: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue()


def _write_delimited(solutions, names: list[str], caps: Caps, tsv: bool) -> Written:
    if tsv:
        header = "\t".join(f"?{name}" for name in names) + "\n"
        line = lambda solution: "\t".join(  # noqa: E731
            tsv_term(solution[index]) for index in range(len(names))) + "\n"
    else:
        header = _csv_line(names)
        line = lambda solution: _csv_line(  # noqa: E731
            [csv_term(solution[index]) for index in range(len(names))])
    capped = Capped(solutions, caps, line, frame=len(header.encode()))
    body = header + "".join(capped)
    return Written(body.encode("utf-8"), capped.count, capped.cut)


def write_solutions(solutions, media_type: str, max_rows: int, link: str | None,
                    max_bytes: int | None = None) -> Written:
    """A SELECT result (``ox.QuerySolutions``) in ``media_type``, at most ``max_rows`` rows and
    about ``max_bytes`` bytes (cut at a row; LimitExceeded if the first row alone is longer)."""
    names = [variable.value for variable in solutions.variables]
    caps = Caps.of(max_rows, max_bytes)
    if media_type == RESULTS_JSON:
        return _write_json(solutions, names, caps, link)
    if media_type == RESULTS_XML:
        return _write_xml(solutions, names, caps, link)
    if media_type in (CSV, TSV):
        return _write_delimited(solutions, names, caps, tsv=media_type == TSV)
    raise ValueError(f"not a results format: {media_type}")


def write_boolean(value: bool, media_type: str) -> Written:
    if media_type == RESULTS_JSON:
        return Written(json.dumps({"head": {}, "boolean": value}).encode(), 1)
    body = ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n")
    return Written(body.encode(), 1)


def write(result, media_type: str, max_rows: int, link: str | None = None,
          max_bytes: int | None = None) -> Written:
    """Any query result (``store.QueryResult``) in ``media_type``: the one entry point, used by
    the query workers and by ``pactgraph query``."""
    try:
        if result.kind == "ask":
            return write_boolean(bool(result.value), media_type)
        if result.kind == "select":
            return write_solutions(result.value, media_type, max_rows, link, max_bytes)
        return write_triples(result.value, media_type, max_rows, max_bytes)
    except OSError:
        # Only SERVICE reaches for a socket while evaluating lazily, and query workers have no
        # network (engine/sandbox.py): what got past the text check failed in the kernel.
        raise UnsupportedOperation(FEDERATION_REFUSED) from None
    except (ValueError, SyntaxError) as error:
        # Raised while evaluating lazily or writing (RDF/XML cannot write every predicate IRI,
        # rdflib cannot carry every term to JSON-LD): about this query and format, not a fault.
        raise QueryError(f"the query could not be answered in {media_type}: {error}") from None


# --- Graphs --------------------------------------------------------------------------------------

def write_triples(triples, media_type: str, max_rows: int, max_bytes: int | None = None) -> Written:
    """A CONSTRUCT or DESCRIBE result in ``media_type``, at most ``max_rows`` triples and about
    ``max_bytes`` bytes (cut at a triple; LimitExceeded if the first alone is longer).

    Triples are measured (roughly: characters of N-Triples) while they are taken; then the body
    written, which may be longer (RDF/XML, JSON-LD, non-ASCII text), is cut again at a triple
    until it fits.
    JSON-LD is written by ``engine/jsonld_answer.py`` (compacted, RDF 1.1 terms only).
    """
    caps = Caps.of(max_rows, max_bytes)
    capped = Capped(triples, caps, _same, size=lambda triple: len(str(triple)) + 3)
    kept, cut = list(capped), capped.cut
    body = _graph_bytes(kept, media_type)
    while len(body) > caps.row_bytes() and kept:
        fitting = min(len(kept) - 1, len(kept) * caps.row_bytes() // len(body))
        if fitting == 0:
            raise too_large(len(body), caps.bytes)
        kept, cut = kept[:fitting], Cut(BYTES, caps.bytes)
        body = _graph_bytes(kept, media_type)
    if cut is not None and media_type in _HASH_COMMENTS:
        body = f"# {cut.note()}\n".encode() + body
    return Written(body, len(kept), cut)


def _same(item):
    return item


def _graph_bytes(triples: list, media_type: str) -> bytes:
    if media_type == JSON_LD:
        return jsonld_bytes(triples)
    return ox.serialize(triples, format=RDF_FORMAT[media_type], prefixes=PREFIXES) or b""
