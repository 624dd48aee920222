"""When a commitment was signed, came into force and ended, as published or as sources dispute it.

The commitment page's timeline (``date_marks``), the state page's list of commitments and the
explore views all read these dates, so the rule that reads them (``start_and_end``, the one
queries/06-in-force-on-date.rq states) lives in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

from pactgraph.namespaces import ELI, PG
from pactgraph.pages.labeller import Labeller, Link
from pactgraph.pages.readers import sources_of, text_of, texts_of

# The dates a commitment's timeline shows, in the order they happen.
DATE_PROPERTIES = ((ELI.date_document, "signed"), (ELI.first_date_entry_in_force, "in force"),
                   (ELI.date_no_longer_in_force, "ended"))


@dataclass(frozen=True)
class DateMark:
    what: str             # "signed", "in force", "ended"
    date: str             # as published: YYYY-MM-DD or YYYY
    disputed: bool = False
    note: str = ""
    sources: tuple[tuple[Link, str], ...] = ()


def date_marks(graph: Graph, commitment: URIRef, labels: Labeller) -> list[DateMark]:
    """Signed, in force and ended, each either a date or the sources' conflicting readings."""
    marks = []
    for prop, what in DATE_PROPERTIES:
        for value in texts_of(graph, commitment, prop):
            marks.append(DateMark(what, value))
        for reading in graph.objects(commitment, PG.dateReading):
            if graph.value(reading, PG.readingOf) == prop:
                marks.append(DateMark(what, text_of(graph, reading, PG.readingValue), True,
                                      text_of(graph, reading, PG.note),
                                      tuple(sources_of(graph, [reading], labels))))
    order = {what: rank for rank, (_, what) in enumerate(DATE_PROPERTIES)}
    return sorted(marks, key=lambda m: (m.date, order[m.what]))


def start_and_end(graph: Graph, commitment: URIRef) -> tuple[str | None, str | None]:
    """From entry into force (else its earliest reading, else signature; a declaration from its
    date) to the end (else the earliest reading of the end); the rule queries/06-in-force-on-date.rq
    states."""
    def earliest(prop: URIRef) -> str | None:
        direct = texts_of(graph, commitment, prop)
        readings = sorted(text_of(graph, r, PG.readingValue)
                          for r in graph.objects(commitment, PG.dateReading)
                          if graph.value(r, PG.readingOf) == prop)
        return (direct or readings or [None])[0]

    start = (earliest(ELI.first_date_entry_in_force) or earliest(ELI.date_document)
             or earliest(DCTERMS.date))
    return start, earliest(ELI.date_no_longer_in_force)
