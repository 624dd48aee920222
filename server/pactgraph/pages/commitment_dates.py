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

# The dates a commitment's timeline shows, in the order they happen; a declaration has no
# signature, only the date it was issued (dcterms:date).
DATE_PROPERTIES = ((DCTERMS.date, "issued"), (ELI.date_document, "signed"),
                   (ELI.first_date_entry_in_force, "in force"),
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


@dataclass(frozen=True)
class DateOn:
    """A date as a page shows it: what it is the date of, and whether it is one reading among
    sources that disagree (then the page says so)."""

    date: str
    what: str             # "in force", "signed", "issued", "ended"
    reading: bool = False


def earliest(graph: Graph, commitment: URIRef, prop: URIRef, what: str) -> DateOn | None:
    """The date ``prop`` as published, else the earliest of its readings (marked as one)."""
    direct = texts_of(graph, commitment, prop)
    if direct:
        return DateOn(direct[0], what)
    readings = sorted(text_of(graph, r, PG.readingValue)
                      for r in graph.objects(commitment, PG.dateReading)
                      if graph.value(r, PG.readingOf) == prop)
    return DateOn(readings[0], what, True) if readings else None


def span(graph: Graph, commitment: URIRef) -> tuple[DateOn | None, DateOn | None]:
    """``start_and_end`` with what each date is (a signature or an issue date stands in for an
    entry into force the data lacks) and whether it is one of several readings."""
    start = (earliest(graph, commitment, ELI.first_date_entry_in_force, "in force")
             or earliest(graph, commitment, ELI.date_document, "signed")
             or earliest(graph, commitment, DCTERMS.date, "issued"))  # a declaration's date
    return start, earliest(graph, commitment, ELI.date_no_longer_in_force, "ended")


def start_and_end(graph: Graph, commitment: URIRef) -> tuple[str | None, str | None]:
    """From entry into force (else its earliest reading, else signature) to the end (else the
    earliest reading of the end); the rule queries/06-in-force-on-date.rq states."""
    start, end = span(graph, commitment)
    return (start.date if start else None), (end.date if end else None)
