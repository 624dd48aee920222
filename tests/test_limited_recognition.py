"""A state with limited recognition (Abkhazia, South Ossetia): no ISO 3166 code, named by a slug.

The fixture site is copied with New Zealand turned into such a state, ``state:example-land``, so
that every path a party takes is walked with one: validation, the derived obligations (whose
IRIs carry the protected party's code), the API that takes a state by code, the state's page and
the list of states, and the treaty's table of parties. Article IV's number is left out, as for
the treaties with Abkhazia and South Ossetia, whose article numbers no stored page confirms.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask
from rdflib import URIRef

from pactgraph.web.app import create_app

SITE = Path(__file__).parent / "fixtures" / "site"
LAND = "https://w3id.org/pactgraph/id/state/example-land"
CLAUSE = "https://w3id.org/pactgraph/id/treaty/anzus-1951/article-iv"

LIMITED_STATE = """
state:example-land a pg:State , pg:StateWithLimitedRecognition ;
    rdfs:label "Example Land (fixture)"@en ;
    pg:note "Recognised by Australia only (fixture); others regard it as part of a state."@en ;
    dcterms:source <http://fredsakademiet.dk/ordbog/aord/a78.htm> .
"""


@pytest.fixture(scope="module")
def limited_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    site = tmp_path_factory.mktemp("limited-site")
    shutil.copy(SITE / "dataset.ttl", site)
    states = (SITE / "states.ttl").read_text(encoding="utf-8")
    nzl = states.index("state:NZL a pg:State")
    states = states[:nzl] + states[states.index("state:USA", nzl):]
    (site / "states.ttl").write_text(
        states.replace("@prefix wd:", "@prefix dcterms: <http://purl.org/dc/terms/> .\n@prefix wd:")
        + LIMITED_STATE, encoding="utf-8")
    treaty = (SITE / "anzus-1951.ttl").read_text(encoding="utf-8")
    (site / "anzus-1951.ttl").write_text(
        treaty.replace("state:NZL", "state:example-land")
              .replace("member:NZL", "member:example-land")
              .replace('    eli:number "IV" ;\n', ""),  # a number no source confirms: a warning
        encoding="utf-8")
    app = create_app({"data_paths": [str(site)]})
    app.config["TESTING"] = True
    return app


def test_its_treaty_validates_and_derives_obligations_named_by_its_slug(limited_app: Flask) -> None:
    graph = limited_app.extensions["pactgraph"].graph
    assert (URIRef(LAND), None, None) in graph
    derived = URIRef(f"{CLAUSE}/obligation/example-land-1952-04-29")
    assert (derived, URIRef("https://w3id.org/pactgraph/def#protectedParty"), URIRef(LAND)) in graph


def test_the_api_takes_its_slug(limited_app: Flask) -> None:
    answer = limited_app.test_client().get(
        "/api/obligations?protected=example-land&date=2000-01-01")
    assert answer.status_code == 200
    helpers = {row["guarantor"] for row in answer.get_json()["obligations"]}
    assert helpers == {"https://w3id.org/pactgraph/id/state/AUS",
                       "https://w3id.org/pactgraph/id/state/USA"}


def test_a_slug_that_names_no_state_is_404_and_a_malformed_one_400(limited_app: Flask) -> None:
    client = limited_app.test_client()
    assert client.get("/api/obligations?protected=nowhere-land").status_code == 404
    assert client.get("/api/obligations?protected=Example_Land").status_code == 400
    assert client.get("/api/obligations?protected=aus").status_code == 400  # a code, in capitals


def test_pages_list_it_without_an_iso_code(limited_app: Flask) -> None:
    client = limited_app.test_client()
    page = client.get("/id/state/example-land", headers={"Accept": "text/html"},
                      follow_redirects=True)
    assert page.status_code == 200
    assert "Recognised by Australia only" in page.get_data(as_text=True)
    assert "protected=example-land" in page.get_data(as_text=True)
    listing = client.get("/states/").get_data(as_text=True)
    assert "Example Land (fixture)" in listing and "none (limited recognition)" in listing
    treaty = client.get("/id/treaty/anzus-1951", headers={"Accept": "text/html"},
                        follow_redirects=True)
    assert "none (limited recognition)" in treaty.get_data(as_text=True)


def test_its_page_names_no_empty_article_and_offers_no_map(limited_app: Flask) -> None:
    """The map draws states by ISO code, so a state without one is not offered it; and a clause
    whose number no source gives is named by its treaty alone, not 'Article :'."""
    page = limited_app.test_client().get("/doc/state/example-land",
                                         headers={"Accept": "text/html"}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "See them on the world map" not in text
    assert "Article :" not in text and "Article </" not in text
