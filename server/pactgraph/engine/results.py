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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

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
    truncated: bool    # True when more were available than ``max_rows``


def truncation_note(max_rows: int) -> str:
    return (f"only the first {max_rows} results are included; the query has more (limit set by "
            "the 'max_result_rows' setting). Add ORDER BY with LIMIT and OFFSET to page through.")


class _Capped:
    """An iterator over at most ``limit`` items that records whether more were there."""

    def __init__(self, items: Iterable, limit: int) -> None:
        self._items = iter(items)
        self._limit = limit
        self.count = 0
        self.truncated = False

    def __iter__(self) -> Iterator:
        for item in self._items:
            if self.count >= self._limit:
                self.truncated = True
                return
            self.count += 1
            yield item


# --- Solutions -----------------------------------------------------------------------------------

def _write_json(solutions, names: list[str], max_rows: int, link: str | None) -> Written:
    capped = _Capped(solutions, max_rows)
    bindings = []
    for solution in capped:
        row = {}
        for index, name in enumerate(names):
            term = solution[index]
            if term is not None:
                row[name] = json_term(term)
        bindings.append(row)
    return json_written(names, bindings, max_rows, link, capped.truncated)


def json_written(names: list[str], bindings: list[dict], max_rows: int, link: str | None,
                  truncated: bool) -> Written:
    head: dict = {"vars": names}
    document: dict = {"head": head}
    if truncated:
        if link:
            head["link"] = [link]
        # Before "results": streaming parsers (Oxigraph's) refuse members after the bindings.
        document["pactgraph"] = {"truncated": True, "max_result_rows": max_rows,
                                 "message": truncation_note(max_rows)}
    document["results"] = {"bindings": bindings}
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Written(body, len(bindings), truncated)


def _write_xml(solutions, names: list[str], max_rows: int, link: str | None) -> Written:
    capped = _Capped(solutions, max_rows)
    results = []
    for solution in capped:
        bindings = "".join(f"<binding name={quoteattr(name)}>{xml_term(solution[index])}"
                           "</binding>" for index, name in enumerate(names)
                           if solution[index] is not None)
        results.append(f"<result>{bindings}</result>")
    head = "".join(f"<variable name={quoteattr(name)}/>" for name in names)
    note = ""
    if capped.truncated:
        link_element, note = xml_signals(max_rows, link)
        head += link_element
    body = ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"{note}<head>{head}</head><results>{''.join(results)}</results></sparql>\n")
    return Written(body.encode("utf-8"), capped.count, capped.truncated)


def xml_signals(max_rows: int, link: str | None) -> tuple[str, str]:
    """What a cut SPARQL XML answer carries: a ``<link>`` for the head, a comment before it."""
    link_element = f"<link href={quoteattr(link)}/>" if link else ""
    return link_element, f"<!-- {escape(truncation_note(max_rows)).replace('--', '- -')} -->"


def _write_delimited(solutions, names: list[str], max_rows: int, tsv: bool) -> Written:
    capped = _Capped(solutions, max_rows)
    if tsv:
        lines = ["\t".join(f"?{name}" for name in names)]
        lines += ["\t".join(tsv_term(solution[index]) for index in range(len(names)))
                  for solution in capped]
        body = "\n".join(lines) + "\n"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(names)
        for solution in capped:
            writer.writerow([csv_term(solution[index]) for index in range(len(names))])
        body = buffer.getvalue()
    return Written(body.encode("utf-8"), capped.count, capped.truncated)


def write_solutions(solutions, media_type: str, max_rows: int, link: str | None) -> Written:
    """A SELECT result (``ox.QuerySolutions``) in ``media_type``, at most ``max_rows`` rows."""
    names = [variable.value for variable in solutions.variables]
    if media_type == RESULTS_JSON:
        return _write_json(solutions, names, max_rows, link)
    if media_type == RESULTS_XML:
        return _write_xml(solutions, names, max_rows, link)
    if media_type in (CSV, TSV):
        return _write_delimited(solutions, names, max_rows, tsv=media_type == TSV)
    raise ValueError(f"not a results format: {media_type}")


def write_boolean(value: bool, media_type: str) -> Written:
    if media_type == RESULTS_JSON:
        return Written(json.dumps({"head": {}, "boolean": value}).encode(), 1, False)
    body = ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n")
    return Written(body.encode(), 1, False)


def write(result, media_type: str, max_rows: int, link: str | None = None) -> Written:
    """Any query result (``store.QueryResult``) in ``media_type``: the one entry point, used by
    the query workers and by ``pactgraph query``."""
    try:
        if result.kind == "ask":
            return write_boolean(bool(result.value), media_type)
        if result.kind == "select":
            return write_solutions(result.value, media_type, max_rows, link)
        return write_triples(result.value, media_type, max_rows)
    except OSError:
        # Only SERVICE reaches for a socket while evaluating lazily, and query workers have no
        # network (engine/sandbox.py): what got past the text check failed in the kernel.
        raise UnsupportedOperation(FEDERATION_REFUSED) from None
    except (ValueError, SyntaxError) as error:
        # Raised while evaluating lazily or writing (RDF/XML cannot write every predicate IRI,
        # rdflib cannot carry every term to JSON-LD): about this query and format, not a fault.
        raise QueryError(f"the query could not be answered in {media_type}: {error}") from None


# --- Graphs --------------------------------------------------------------------------------------

def write_triples(triples, media_type: str, max_rows: int) -> Written:
    """A CONSTRUCT or DESCRIBE result in ``media_type``, at most ``max_rows`` triples.

    JSON-LD is written by ``engine/jsonld_answer.py`` (compacted, RDF 1.1 terms only).
    """
    capped = _Capped(triples, max_rows)
    if media_type == JSON_LD:
        body = jsonld_bytes(capped)
    else:
        body = ox.serialize(capped, format=RDF_FORMAT[media_type], prefixes=PREFIXES) or b""
    if capped.truncated and media_type in _HASH_COMMENTS:
        body = f"# {truncation_note(max_rows)}\n".encode() + body
    return Written(body, capped.count, capped.truncated)
