"""The coverage page (/coverage): what is in, by area and status, and what was left out and why.

The view model is checked on the fixture site's graph; the page on the fixture site with a small
coverage file beside it (tests/fixtures/coverage); the bundled data only for what is about the data:
that every published commitment has an area in data/coverage.ttl.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from rdflib import Graph

from pactgraph import settings
from pactgraph.knowledge.sources import Knowledge
from pactgraph.pages.coverage import UNASSIGNED, coverage

FIXTURES = Path(__file__).parent / "fixtures"
ANZUS = "https://w3id.org/pactgraph/id/treaty/anzus-1951"


class Tables(HTMLParser):
    """Each table of a page by id: its rows, each a list of (cell text, href of a link or None)."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[tuple[str, str | None]]]] = {}
        self._table: str | None = None
        self._row: list | None = None
        self._cell: list | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table":
            self._table = attributes.get("id") or ""
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ["", None]
        elif tag == "a" and self._cell is not None and self._cell[1] is None:
            self._cell[1] = attributes.get("href")

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0] += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append((self._cell[0].strip(), self._cell[1]))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None


@pytest.fixture(scope="module")
def covered_app(small_site) -> Flask:
    return small_site(data_paths=[str(FIXTURES / "site"), str(FIXTURES / "coverage")])


def test_a_commitment_without_an_area_is_listed_as_unassigned(small_graph: Graph) -> None:
    view = coverage(small_graph)
    [anzus] = [row for row in view.published if str(row.iri) == ANZUS]
    assert anzus.areas == (UNASSIGNED,)
    assert anzus.in_force and anzus.has_defense_clause and anzus.invocations == 1
    assert view.in_force_with_clause == 1 and view.invoked_commitments == 1
    assert view.left_out == ()


def test_the_page_counts_commitments_by_area_and_status(covered_app: Flask) -> None:
    response = covered_app.test_client().get("/coverage")
    assert response.status_code == 200 and response.mimetype == "text/html"
    tables = Tables(response.get_data(as_text=True)).tables
    header, *rows = tables["by-area"]
    assert [text for text, _ in header] == ["Area", "in force"]
    assert [[text for text, _ in row] for row in rows] == [["Oceania", "1"]]
    [_, anzus] = tables["published"]
    assert anzus[0][1].endswith("/id/treaty/anzus-1951")
    assert [text for text, _ in anzus[1:]] == ["Oceania", "in force", "yes", "1"]


def test_the_page_says_what_was_left_out_and_why(covered_app: Flask) -> None:
    tables = Tables(covered_app.test_client().get("/coverage").get_data(as_text=True)).tables
    [_, example] = tables["left-out"]
    assert example[0][0] == "Example Pact of 1900"
    assert example[1][0] == "Oceania"
    assert example[2] == ("No stored page gives its entry into force. [seen]",
                          "https://example.org/depositary")
    assert example[3][0] == "Searched the depositary's list."


def test_the_landing_page_links_to_the_coverage_page(small_client) -> None:
    page = small_client.get("/").get_data(as_text=True)
    assert 'href="/coverage"' in page


def test_every_published_commitment_has_an_area() -> None:
    """data/coverage.ttl keeps up with the data: a new commitment needs its dcterms:spatial."""
    graph = Knowledge.from_settings(settings.resolve()).data.graph
    published = coverage(graph).published
    assert len(published) >= 30
    assert [str(row.iri) for row in published if row.areas == (UNASSIGNED,)] == []
