"""The lean path of a plain SPARQL GET answers exactly what Flask would, and only what it should.

Two apps on the same data are compared request by request: one through the lean path
(``lean_sparql.QueryPath``), one straight into Flask. Status, every header but Date, and the body
must be the same, for answers and for every kind of refusal. Other tests prove that the lean path
really answers without Flask, that a query it hands over is evaluated once, not twice, and that
both follow one plan (web/plan.py): a limit changed there changes both. Both apps serve the
fixture site (tests/fixtures/site).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import quote, quote_plus

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from pactgraph.web.context import executor_for, publication_of
from pactgraph.web.middleware.lean_sparql import QueryPath, decode_form_value
from pactgraph.web.plan import PLAN_FACTS, plan_facts

JSON = "application/sparql-results+json"
TREATIES = "SELECT ?t WHERE { ?t a pg:MutualDefenseTreaty } ORDER BY ?t"
SETTINGS = {"max_result_rows": 40, "query_workers": 1}  # small, so that a cut is easy to ask for


@pytest.fixture(scope="module")
def lean_app(small_site) -> Iterator[Flask]:
    app = small_site(**SETTINGS)
    yield app
    executor_for(app).close()


@pytest.fixture(scope="module")
def flask_app(small_site) -> Iterator[Flask]:
    app = small_site(**SETTINGS)
    yield app
    executor_for(app).close()


def lean_layer(app: Flask) -> QueryPath:
    layer = app.wsgi_app.app  # create_app: FrontCache(QueryPath(Flask))
    assert isinstance(layer, QueryPath)
    return layer


def call(wsgi_app, path: str, headers: dict[str, str] | None = None,
         method: str = "GET") -> tuple[str, list[tuple[str, str]], bytes]:
    environ = EnvironBuilder(path=path, method=method, headers=headers or {}).get_environ()
    started = []
    body = b"".join(wsgi_app(environ, lambda status, hdrs, exc=None: started.append((status,
                                                                                   hdrs))))
    status, response_headers = started[-1]
    return status, [(name, value) for name, value in response_headers if name != "Date"], body


def sparql(query: str, **extra: str) -> str:
    return "/sparql?" + "&".join(f"{name}={quote(value, safe='')}"
                                 for name, value in {"query": query, **extra}.items())


REQUESTS = [
    (sparql(TREATIES), {"Accept": JSON}),
    (sparql(TREATIES), {}),
    (sparql(TREATIES + " LIMIT 2"), {"Accept": "application/sparql-results+xml"}),
    (sparql(TREATIES + " LIMIT 2"), {"Accept": "text/csv"}),
    (sparql(TREATIES + " LIMIT 2"), {"Accept": "text/tab-separated-values"}),
    (sparql("ASK { ?s ?p ?o }"), {"Accept": JSON}),
    (sparql("CONSTRUCT { ?t a pg:MutualDefenseTreaty } WHERE { ?t a pg:MutualDefenseTreaty }"
            " LIMIT 2"), {"Accept": "text/turtle"}),
    # Cut by the row cap (40): the headers and body say so.
    (sparql("SELECT ?s WHERE { ?s ?p ?o } LIMIT 50"), {"Accept": JSON}),
    (sparql("SELECT ?s WHERE { ?s ?p ?o } LIMIT 50"), {"Host": "example.org:8080"}),
    # Refusals, each answered by the endpoint's error handlers.
    (sparql("SELECT ?s WHERE { ?s ?p "), {"Accept": JSON}),
    (sparql("INSERT DATA { <urn:a> <urn:b> <urn:c> }"), {"Accept": JSON}),
    (sparql("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"), {}),
    (sparql("ASK { ?s ?p ?o }"), {"Accept": "text/turtle"}),
    (sparql("x" * 20001), {}),
    (sparql(""), {}),
    ("/sparql?query=%zz", {}),
    # Not plain: handed to Flask whole.
    (sparql(TREATIES), {"Accept": "text/html"}),
    (sparql(TREATIES, format="xml"), {}),
    # Not cached (the text names now(), which may change between evaluations): Flask answers.
    (sparql(TREATIES + " # now()"), {"Accept": "text/csv"}),
]


@pytest.mark.parametrize(("path", "headers"), REQUESTS)
def test_the_lean_path_answers_what_flask_answers(lean_app, flask_app, path, headers):
    flask_only = lean_layer(flask_app).app
    lean = call(lean_layer(lean_app), path, headers)
    assert lean == call(flask_only, path, headers)


def test_every_header_is_compared(lean_app):
    """The comparison above is only as good as what Flask sends; make sure it sends the lot."""
    _, headers, _ = call(lean_layer(lean_app), sparql(TREATIES), {"Accept": JSON})
    assert [name for name, _ in headers] == [
        "Content-Type", "Content-Length", "ETag", "Cache-Control", "Vary",
        "Access-Control-Allow-Origin", "X-Content-Type-Options", "Referrer-Policy",
        "X-Frame-Options", "Cross-Origin-Opener-Policy"]


@pytest.fixture()
def counted(lean_app, monkeypatch) -> dict[str, int]:
    """Counts of requests reaching Flask behind the lean path, and of evaluations."""
    counts = {"flask": 0, "evaluations": 0}
    layer = lean_layer(lean_app)
    flask_wsgi, executor = layer.app, executor_for(lean_app)
    run = executor.run

    def counting_flask(environ, start_response):
        counts["flask"] += 1
        return flask_wsgi(environ, start_response)

    def counting_run(job):
        counts["evaluations"] += 1
        return run(job)

    monkeypatch.setattr(layer, "app", counting_flask)
    monkeypatch.setattr(executor, "run", counting_run)
    return counts


def test_a_plain_query_is_answered_without_flask(lean_app, counted):
    status, _, body = call(lean_layer(lean_app), sparql(TREATIES + " # lean 1"), {"Accept": JSON})
    assert status == "200 OK" and b'"bindings"' in body
    assert counted == {"flask": 0, "evaluations": 1}
    # The same question again: from the answer cache, still without Flask or a worker.
    assert call(lean_layer(lean_app), sparql(TREATIES + " # lean 1"),
                {"Accept": JSON})[2] == body
    assert counted == {"flask": 0, "evaluations": 1}


@pytest.mark.parametrize("query", ["SELECT ?s WHERE { ?s ?p ", "SELECT ?s WHERE { ?s ?p ?o }"])
def test_a_handed_over_query_is_evaluated_once(lean_app, counted, query):
    status, headers, _ = call(lean_layer(lean_app), sparql(query), {"Accept": JSON})
    assert status.startswith("400") or ("Pactgraph-Results-Truncated", "true") in headers
    assert counted == {"flask": 1, "evaluations": 1}


def test_a_limit_changed_in_the_plan_changes_both_paths(lean_app, counted, monkeypatch):
    """Both paths read the length limit and the cache lifetime from the app's one PlanFacts."""
    layer = lean_layer(lean_app)
    facts = replace(plan_facts(lean_app), max_query_length=64, cache_max_age_seconds=7)
    monkeypatch.setitem(publication_of(lean_app).kept, PLAN_FACTS, facts)
    longest = "ASK { ?s ?p ?o } # the longest query now accepted ".ljust(64, "x")
    lean = call(layer, sparql(longest), {"Accept": JSON})
    assert counted == {"flask": 0, "evaluations": 1}  # the lean path answered it
    assert lean[0] == "200 OK" and ("Cache-Control", "public, max-age=7") in lean[1]
    assert call(layer.app, sparql(longest), {"Accept": JSON}) == lean
    for wsgi_app in (layer, layer.app):
        status, _, body = call(wsgi_app, sparql(longest + "x"), {"Accept": JSON})
        assert status.startswith("413") and b"65 characters long; at most 64" in body
    posted = lean_app.test_client().post("/sparql", data=longest.encode() + b" " * 200,
                                         content_type="application/sparql-query")
    assert posted.status_code == 413 and b"at most 64 characters" in posted.data


@pytest.mark.parametrize(("path", "headers", "method"), [
    (sparql(TREATIES), {"If-None-Match": '"x"'}, "GET"),
    (sparql(TREATIES), {"Range": "bytes=0-10"}, "GET"),
    (sparql(TREATIES), {}, "HEAD"),
    (sparql(TREATIES, **{"default-graph-uri": "https://w3id.org/pactgraph/graph/data"}), {},
     "GET"),
    (sparql(TREATIES) + "&query=ASK%7B%7D", {}, "GET"),
    (sparql(TREATIES, update="CLEAR ALL"), {}, "GET"),
    ("/sparql", {}, "GET"),
    ("/sparql/?query=ASK%7B%7D", {}, "GET"),
])
def test_requests_that_are_not_plain_go_to_flask(lean_app, counted, path, headers, method):
    call(lean_layer(lean_app), path, headers, method)
    assert counted["flask"] == 1


form_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


def werkzeug_value(raw: str) -> str:
    return Request({"QUERY_STRING": "query=" + raw}).args["query"]


@given(form_text)
def test_form_values_are_decoded_as_werkzeug_decodes_them(text):
    for encoded in (quote(text, safe=""), quote_plus(text), quote(text, safe="\\/?:@!$'()*,;")):
        assert decode_form_value(encoded) == werkzeug_value(encoded)


@given(st.text(alphabet="%+\\abcF09 \xe9\xff", max_size=20))
def test_a_malformed_value_is_left_to_flask(raw):
    """A stray ``%`` or bytes that are not UTF-8 (WSGI strings carry bytes as latin-1): either
    werkzeug's value or None (Flask decides), never a different value."""
    decoded = decode_form_value(raw)
    if decoded is not None:
        assert decoded == werkzeug_value(raw)
    if re.search("%(?![0-9A-Fa-f]{2})", raw):
        assert decoded is None


def test_an_outcome_handed_over_for_another_query_is_ignored(flask_app):
    """The endpoint uses a handed-over outcome only if it read the very same job itself."""
    from pactgraph.engine.base import Job
    from pactgraph.errors import QueryError
    from pactgraph.web.middleware.lean_sparql import HANDED_OVER

    environ = EnvironBuilder(path=sparql(TREATIES + " # handed"),
                             headers={"Accept": JSON}).get_environ()
    environ[HANDED_OVER] = (Job("ASK {}"), QueryError("not this query's error"))
    started = []
    body = b"".join(lean_layer(flask_app).app(environ, lambda s, h, e=None: started.append(s)))
    assert started == ["200 OK"] and b'"bindings"' in body
