"""Content negotiation by profile: Accept-Profile and _profile choose between the full description
and the summary card of a resource, _mediatype overrides Accept, the response names its profile
and lists the others, and every cache (the front cache, shared caches by Vary) keeps them apart.

On the fixture site; graphs are parsed back and compared, never matched as strings.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

from pactgraph.namespaces import DATASET_IRI, ONTOLOGY_IRI
from pactgraph.web import profiles

TREATY = "/id/treaty/anzus-1951"
DOC = "/doc/treaty/anzus-1951"
FULL, CARD = profiles.FULL.iri, profiles.CARD.iri


@pytest.mark.parametrize(("header", "parameter", "expected"), [
    (None, None, profiles.FULL),
    (f"<{CARD}>", None, profiles.CARD),
    (f"<{FULL}>;q=0.5, <{CARD}>;q=0.9", None, profiles.CARD),
    (f"<{CARD}>;q=0, <{FULL}>", None, profiles.FULL),
    ("<https://example.org/other>", None, profiles.FULL),   # none of ours: the default
    ("not a profile, <", None, profiles.FULL),               # malformed: skipped
    (f"<{FULL}>", "card", profiles.CARD),                     # the parameter wins
    (None, CARD, profiles.CARD),                              # by IRI too
])
def test_choosing_a_profile(header, parameter, expected):
    assert profiles.choose(header, parameter) is expected


def test_an_unknown_profile_parameter_is_refused_naming_ours():
    with pytest.raises(Exception, match="profiles .*card"):
        profiles.choose(None, "brief")


def turtle(response) -> Graph:
    assert response.status_code == 200, response.get_data(as_text=True)
    return Graph().parse(data=response.get_data(as_text=True), format="turtle")


def test_the_card_is_a_small_part_of_the_full_description(small_client):
    full = turtle(small_client.get(DOC, headers={"Accept": "text/turtle"}))
    card = turtle(small_client.get(DOC, headers={"Accept": "text/turtle",
                                                 "Accept-Profile": f"<{CARD}>"}))
    subject = URIRef("https://w3id.org/pactgraph/id/treaty/anzus-1951")
    assert set(card) < set(full) and len(card) < len(full) / 3
    assert set(card.subjects()) == {subject}
    assert (subject, RDF.type, None) in card and (subject, RDFS.label, None) in card


def test_the_response_names_its_profile_and_lists_the_others(small_client):
    response = small_client.get(DOC, query_string={"_profile": "card"},
                                headers={"Accept": "text/turtle"})
    assert response.headers["Content-Profile"] == f"<{CARD}>"
    assert "Accept-Profile" in response.vary and "Accept" in response.vary
    links = response.headers["Link"]
    for profile in profiles.PROFILES:
        assert f'profile="{profile.iri}"' in links
    assert f'<{DOC}?_profile=card&_mediatype=application%2Fld%2Bjson>; rel="alternate"; ' \
           f'type="application/ld+json"; profile="{CARD}"' in links
    assert "_profile=card&_mediatype=text%2Fturtle" not in links  # what is served
    default = small_client.get(DOC, headers={"Accept": "text/turtle",
                                             "Accept-Profile": "<https://example.org/x>"})
    assert default.headers["Content-Profile"] == f"<{FULL}>"


def test_mediatype_parameter_overrides_accept(small_client):
    response = small_client.get(DOC, query_string={"_mediatype": "text/turtle",
                                                   "_profile": "card"},
                                headers={"Accept": "text/html"})
    assert response.mimetype == "text/turtle" and len(turtle(response)) > 0
    html = small_client.get(DOC, query_string={"_profile": "card"},
                            headers={"Accept": "text/html"})
    assert html.mimetype == "text/html" and html.status_code == 200


def test_an_unknown_profile_parameter_is_a_406(small_client):
    response = small_client.get(DOC, query_string={"_profile": "brief"})
    assert response.status_code == 406
    assert "card" in response.get_data(as_text=True)


def test_the_redirect_keeps_the_profile_parameters(small_client):
    response = small_client.get(TREATY, query_string={"_profile": "card"},
                                headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{DOC}.ttl?_profile=card")


def test_the_front_cache_keeps_profiles_apart(small_client):
    """The same URL and Accept, asked twice with each profile: answers from memory never
    cross (the front cache keys on Accept-Profile)."""
    sizes = {}
    for _ in range(2):
        for profile in profiles.PROFILES:
            response = small_client.get(DOC, headers={"Accept": "text/turtle",
                                                      "Accept-Profile": f"<{profile.iri}>"})
            assert response.headers["Content-Profile"] == f"<{profile.iri}>"
            sizes.setdefault(profile.token, set()).add(len(turtle(response)))
    assert all(len(found) == 1 for found in sizes.values())
    assert sizes["card"] != sizes["full"]


def test_the_alt_profile_lists_every_representation_and_each_answers(small_client):
    listing = turtle(small_client.get(DOC, query_string={"_profile": "alt"},
                                      headers={"Accept": "text/turtle"}))
    altr = "http://www.w3.org/ns/dx/conneg/altr#"
    subject = URIRef("https://w3id.org/pactgraph/id/treaty/anzus-1951")
    urls = list(listing.objects(subject, URIRef(altr + "hasRepresentation")))
    media_types = {str(listing.value(url, URIRef("http://purl.org/dc/terms/format")))
                   for url in urls}
    assert "text/turtle" in media_types and "text/html" in media_types
    assert len(urls) == len(profiles.PROFILES) * len(media_types)
    assert listing.value(subject, URIRef(altr + "hasDefaultRepresentation")) in urls
    for url in urls:
        profile = str(listing.value(url, URIRef("http://purl.org/dc/terms/conformsTo")))
        path = str(url).removeprefix("http://localhost")
        response = small_client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Content-Profile"] == f"<{profile}>"
        assert response.mimetype == str(listing.value(url, URIRef(
            "http://purl.org/dc/terms/format")))


# --- Every document that describes a resource: the resources, the ontology (the document of each
# of its terms) and each of its versions, the dataset description -------------------------------

DOCUMENTS = [  # (document path, the resource it describes)
    (DOC, "https://w3id.org/pactgraph/id/treaty/anzus-1951"),
    ("/def", ONTOLOGY_IRI),
    ("/def/0.1.0", ONTOLOGY_IRI),  # a released version (releases/, the bundled setting)
    ("/dataset", DATASET_IRI),
]


@pytest.mark.parametrize(("path", "focus"), DOCUMENTS, ids=[p for p, _ in DOCUMENTS])
def test_every_description_has_a_card_and_names_its_profiles(small_client, path, focus):
    full = small_client.get(path, headers={"Accept": "text/turtle"})
    card = small_client.get(path, headers={"Accept": "text/turtle",
                                           "Accept-Profile": f"<{CARD}>"})
    assert full.headers["Content-Profile"] == f"<{FULL}>"
    assert card.headers["Content-Profile"] == f"<{CARD}>"
    full_graph, card_graph = turtle(full), turtle(card)
    subject = URIRef(focus)
    assert set(card_graph) < set(full_graph) and len(card_graph) < len(full_graph) / 3
    assert set(card_graph.subjects()) == {subject} and (subject, RDF.type, None) in card_graph
    for response in (full, card):
        assert {"Accept", "Accept-Profile"} <= set(response.vary)
        links = response.headers["Link"]
        assert all(f'profile="{profile.iri}"' in links for profile in profiles.PROFILES)
    page = small_client.get(path, query_string={"_profile": "card"},
                            headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert small_client.get(path, query_string={"_profile": "brief"}).status_code == 406


@pytest.mark.parametrize(("path", "focus"), DOCUMENTS, ids=[p for p, _ in DOCUMENTS])
def test_every_description_lists_its_representations_and_each_answers(small_client, path,
                                                                       focus):
    listing = turtle(small_client.get(path, query_string={"_profile": "alt"},
                                      headers={"Accept": "text/turtle"}))
    altr = "http://www.w3.org/ns/dx/conneg/altr#"
    urls = list(listing.objects(URIRef(focus), URIRef(altr + "hasRepresentation")))
    assert len(urls) == len(profiles.PROFILES) * 5  # HTML and four RDF formats
    for url in urls:
        response = small_client.get(str(url).removeprefix("http://localhost"))
        assert response.status_code == 200, url
        assert response.headers["Content-Profile"] == "<{}>".format(listing.value(
            url, URIRef("http://purl.org/dc/terms/conformsTo")))
