"""Errors a reader can act on (issue 17): parse errors that name the unknown prefix or word with a
caret under it and a suggestion, ``id:state/XXX`` read as written, errors as JSON for clients that
asked for JSON, and ``Accept: application/json`` answered with SPARQL JSON results."""

from __future__ import annotations

import json

import pytest

from pactgraph.engine.syntax_hints import explain, undeclared_prefix, with_slashes_escaped
from pactgraph.namespaces import PREFIXES

STATE = "https://w3id.org/pactgraph/id/state/AUS"


def caret_under(message: str, word: str) -> bool:
    """Whether ``message`` shows a line holding ``word`` with carets right under it."""
    lines = message.split("\n")
    for text, marks in zip(lines, lines[1:], strict=False):
        column = marks.find("^")
        if column >= 0 and text[column:column + len(word)] == word \
                and marks.strip() == "^" * len(word):
            return True
    return False


def run(client, query, **headers):
    return client.get("/sparql", query_string={"query": query}, headers=headers)


def test_an_unknown_prefix_is_named_with_a_caret_and_a_suggestion(small_client):
    response = run(small_client, "SELECT * WHERE {\n  ?s pgg:member ?o\n}")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "pgg:" in body and "did you mean pg:?" in body
    assert caret_under(body, "pgg:")
    assert "line 2, column 6" in body
    assert "u{00B7}" not in body  # none of the parser's character classes


def test_a_misspelt_keyword_is_named_with_a_suggestion(small_client):
    body = run(small_client, "SELEC * WHERE { ?s ?p ?o }").get_data(as_text=True)
    assert "'SELEC'" in body and "did you mean SELECT?" in body
    assert caret_under(body, "SELEC")
    body = run(small_client, "SELECT * WHERE { ?s ?p ?o FILTR(?o) }").get_data(as_text=True)
    assert "did you mean FILTER?" in body and caret_under(body, "FILTR")


def test_a_prefix_declared_in_the_query_is_not_called_unknown():
    query = "PREFIX ex: <http://example.org/>\nSELECT * WHERE { ?s ex:p _:b . ?s pgx:q 1e5 }"
    found = undeclared_prefix(query, PREFIXES)
    assert found is not None and found.text == "pgx:"


def test_a_message_it_cannot_place_is_kept():
    assert explain("SELECT", "something else", PREFIXES) == "SPARQL syntax error: something else"


@pytest.mark.parametrize("query", [
    "SELECT ?p WHERE { id:state/AUS ?p ?o }",
    f"SELECT ?p WHERE {{ <{STATE}> ?p ?o . FILTER(?o != id:state/NZL) }}",
])
def test_a_slash_in_a_name_of_a_predeclared_prefix_is_read(small_client, query):
    response = run(small_client, query, Accept="application/sparql-results+json")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["results"]["bindings"]


def test_property_paths_are_not_taken_for_slashed_names():
    text = "SELECT * WHERE { ?s pg:a/pg:b ?o . ?s pg:a/a ?c . ?s id:state/AUS ?d }"
    assert with_slashes_escaped(text, PREFIXES) == text.replace("state/AUS", "state\\/AUS")


def test_a_slashed_name_that_still_fails_reports_the_text_as_written(small_client):
    body = run(small_client, "SELECT * WHERE { id:state/AUS ?p ?o").get_data(as_text=True)
    assert "id:state/AUS ?p ?o" in body and "state\\/" not in body


@pytest.mark.parametrize("headers,query_string", [
    ({"Accept": "application/sparql-results+json"}, {}),
    ({"Accept": "application/json"}, {}),
    ({}, {"format": "json"}),
])
def test_errors_are_json_when_json_was_asked_for(small_client, headers, query_string):
    response = small_client.get("/sparql", query_string={"query": "SELEC *", **query_string},
                                headers=headers)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    problem = json.loads(response.data)
    assert problem["status"] == 400 and "SELECT" in problem["detail"]


def test_errors_stay_plain_text_for_other_clients(small_client):
    response = run(small_client, "SELEC *", Accept="*/*")
    assert response.mimetype == "text/plain"


@pytest.mark.parametrize("query,kind", [
    ("SELECT ?s WHERE { ?s a pg:State }", "select"),
    ("ASK { ?s a pg:State }", "ask"),
])
def test_accept_application_json_gets_sparql_json(small_client, query, kind):
    response = run(small_client, query, Accept="application/json")
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    document = json.loads(response.data)
    assert ("results" in document) if kind == "select" else isinstance(document["boolean"], bool)


def test_accept_application_json_gets_json_ld_for_a_graph(small_client):
    response = run(small_client, f"DESCRIBE <{STATE}>", Accept="application/json")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
