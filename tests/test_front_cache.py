"""The front cache: a repeated GET is answered without entering Flask, and only when it is safe.

Every test counts the requests that reach Flask (the WSGI app behind the front cache), so a hit is
proved by Flask not being asked, not only by an equal body. The apps serve the fixture site
(tests/fixtures/site).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import quote

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from pactgraph import clock
from pactgraph.build.memory import CachedAnswer, ResponseCache
from pactgraph.web.context import answers_of, executor_for, publication_of
from pactgraph.web.middleware.front_cache import CachedResponse, FrontCache, front_key

JSON = "application/sparql-results+json"
HTML = "text/html"
TURTLE = "text/turtle"
PAGE = "/doc/treaty/anzus-1951"
OTHER_PAGE = "/doc/treaty/anzus-1951/article-iv"
TREATIES = "SELECT ?t WHERE { ?t a pg:MutualDefenseTreaty } ORDER BY ?t"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def sparql(query: str) -> str:
    return "/sparql?query=" + quote(query, safe="")


@dataclass
class Front:
    """The front cache of an app, and the paths of the requests that reached Flask behind it."""

    cache: ResponseCache
    reached_flask: list[str] = field(default_factory=list)


def watch(app: Flask, cache: ResponseCache, monkeypatch) -> Front:
    """Give ``app`` a fresh ``cache`` for one test, and count the requests that reach Flask."""
    front = Front(cache)
    middleware = app.wsgi_app
    assert isinstance(middleware, FrontCache)  # create_app installs it in front of Flask
    flask_app = middleware.app

    def counting(environ, start_response):
        front.reached_flask.append(environ["PATH_INFO"])
        return flask_app(environ, start_response)

    monkeypatch.setattr(middleware, "app", counting)
    monkeypatch.setattr(middleware, "cache", cache)
    # The publication keeps its cache as a computed attribute: replace it for this test.
    monkeypatch.setitem(vars(publication_of(app)), "answers", cache)
    return front


@pytest.fixture()
def front(small_app: Flask, monkeypatch) -> Front:
    """The fixture site's app with a fresh cache (answers and whole responses) for one test, at a
    time of day that stands still: a page on "today" is kept until midnight, and in the day's
    last hour its max-age changed from one request to the next (test_explore.py moves it)."""
    monkeypatch.setattr(clock, "seconds_left_today",
                        lambda settings: None if settings.get("today") else 50_000)
    return watch(small_app, ResponseCache(max_entries=100, max_bytes=10_000_000), monkeypatch)


def headers_of(response) -> list[tuple[str, str]]:
    """The headers the app wrote. Date is left out: the server writes a current one."""
    return [(name, value) for name, value in response.headers.items() if name != "Date"]


def sent(front: Front, send) -> tuple[bool, TestResponse]:
    """The response to ``send()``, and whether Flask answered it rather than the front cache."""
    before = len(front.reached_flask)
    with send() as response:  # closed: a streamed file must not be left open
        response.get_data()
    return len(front.reached_flask) > before, response


def reached(front: Front, send) -> bool:
    return sent(front, send)[0]


# --- Hits -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "accept"), [(sparql(TREATIES), JSON), (PAGE, HTML),
                                              (OTHER_PAGE + ".ttl", TURTLE),
                                              ("/download/pactgraph.ttl", TURTLE)])
def test_a_repeated_get_is_answered_without_flask(small_client, front, path, accept) -> None:
    first = small_client.get(path, headers={"Accept": accept})
    assert first.status_code == 200 and front.reached_flask == [path.split("?")[0]]
    again = small_client.get(path, headers={"Accept": accept})
    assert len(front.reached_flask) == 1
    assert again.status == first.status
    assert headers_of(again) == headers_of(first)
    assert again.data == first.data


def test_a_remembered_sparql_answer_shares_the_bytes_of_the_endpoint_cache(small_client, front):
    assert small_client.get(sparql(TREATIES), headers={"Accept": JSON}).status_code == 200
    entries = front.cache.entries()
    answers = [e for e in entries if isinstance(e, CachedAnswer)]
    responses = [e for e in entries if isinstance(e, CachedResponse)]
    assert len(answers) == 1 and len(responses) == 1
    assert responses[0].body is answers[0].body


def test_no_request_gets_the_answer_of_another(small_client, front) -> None:
    variants = {
        "treaties": (sparql(TREATIES), JSON, {}),
        "count": (sparql(COUNT), JSON, {}),
        "treaties as csv": (sparql(TREATIES), "text/csv", {}),
        "treaties, format given": (sparql(TREATIES) + "&format=xml", JSON, {}),
        "page": (PAGE, HTML, {}),
        "page as turtle": (PAGE, TURTLE, {}),
        "page, no accept": (PAGE, None, {}),
        "other page": (OTHER_PAGE, HTML, {}),
        "page, query string": (PAGE + "?x=1", HTML, {}),
        "page, other host": (PAGE, HTML, {"base_url": "http://example.org"}),
        "page, https": (PAGE, HTML, {"base_url": "https://localhost"}),
        "page, mounted": (PAGE, HTML, {"base_url": "http://localhost/mounted"}),
    }

    def ask(name: str):
        path, accept, options = variants[name]
        headers = {"Accept": accept} if accept is not None else {}
        return small_client.get(path, headers=headers, **options)

    first = {}
    for name in variants:
        response = ask(name)
        assert response.status_code == 200, name
        first[name] = (response.data, headers_of(response))
    assert len(front.reached_flask) == len(variants)
    for name in reversed(variants):  # now every one from the front cache
        response = ask(name)
        assert (response.data, headers_of(response)) == first[name], name
    assert len(front.reached_flask) == len(variants)
    # Two requests the page does not tell apart (the page reads no query string, and HTML is
    # what it gives without Accept) are answered alike; every other pair differs.
    alike = {"page, no accept": "page", "page, query string": "page"}
    for name, same in alike.items():
        assert first[name] == first[same], name
    distinct = [body for name, (body, _) in first.items() if name not in alike]
    assert len(set(distinct)) == len(distinct)
    assert b"http://example.org/id/" in first["page, other host"][0]
    assert b"https://localhost/id/" in first["page, https"][0]
    assert b'href="/mounted/' in first["page, mounted"][0]


def test_the_key_holds_every_request_part_the_app_reads() -> None:
    environ = {"REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": "/doc/x",
               "QUERY_STRING": "a=1", "wsgi.url_scheme": "http", "HTTP_HOST": "h",
               "HTTP_ACCEPT": "text/html", "SERVER_NAME": "s", "SERVER_PORT": "80",
               "CONTENT_LENGTH": "0"}
    variants = [{"SCRIPT_NAME": "/m"}, {"PATH_INFO": "/doc/y"}, {"QUERY_STRING": "a=2"},
                {"wsgi.url_scheme": "https"}, {"HTTP_HOST": "h2"}, {"HTTP_ACCEPT": ""},
                {"HTTP_ACCEPT": None}, {"HTTP_HOST": None},
                {"HTTP_HOST": None, "SERVER_PORT": "81"}, {"HTTP_HOST": None, "SERVER_NAME": "h"}]
    keys = {front_key(environ)}
    for change in variants:
        changed = {**environ, **change}
        keys.add(front_key({name: value for name, value in changed.items() if value is not None}))
    assert None not in keys and len(keys) == 1 + len(variants)
    assert front_key({**environ, "HTTP_USER_AGENT": "x", "HTTP_ORIGIN": "y"}) == front_key(environ)


# --- HEAD -----------------------------------------------------------------------------------------

def test_head_of_a_remembered_get_has_its_headers_and_no_body(small_client, front) -> None:
    for path, accept in ((PAGE, HTML), (sparql(COUNT), JSON)):
        got = small_client.get(path, headers={"Accept": accept})
        asked = len(front.reached_flask)
        head = small_client.head(path, headers={"Accept": accept})
        assert len(front.reached_flask) == asked
        assert head.status == got.status and headers_of(head) == headers_of(got)
        assert head.data == b"" and head.headers["Content-Length"] == str(len(got.data))


def test_a_head_alone_is_not_remembered(small_client, front) -> None:
    for _ in range(2):
        assert reached(front, lambda: small_client.head(OTHER_PAGE, headers={"Accept": HTML}))
    assert len(front.cache) == 0


# --- What goes to Flask, and what is never kept ---------------------------------------------------

def test_conditional_and_range_requests_go_to_flask(small_client, front) -> None:
    etag = small_client.get(PAGE, headers={"Accept": TURTLE}).headers["ETag"]
    stored = len(front.cache)
    cases = [({"If-None-Match": etag}, 304), ({"If-None-Match": '"other"'}, 200),
             ({"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"}, 200),
             ({"If-Match": etag}, 200), ({"If-Unmodified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"},
                                         200),
             ({"Range": "bytes=0-9"}, 200), ({"If-Range": etag, "Range": "bytes=0-9"}, 200)]
    for headers, status in cases:
        went, response = sent(front, partial(small_client.get, PAGE,
                                             headers={"Accept": TURTLE, **headers}))
        assert went and response.status_code == status, headers
        assert (response.data == b"") is (status == 304), headers
    assert len(front.cache) == stored


def test_a_page_without_an_etag_gets_one_and_a_304_for_it(small_client, front) -> None:
    etag = small_client.get("/queries/", headers={"Accept": HTML}).headers["ETag"]
    assert not reached(front, lambda: small_client.get("/queries/", headers={"Accept": HTML}))
    assert small_client.get("/queries/", headers={"Accept": HTML}).headers["ETag"] == etag
    assert small_client.get("/queries/", headers={"If-None-Match": etag}).status_code == 304
    assert small_client.get("/queries/", headers={"If-None-Match": '"x"'}).status_code == 200


def test_a_post_is_never_answered_from_it(small_client, front) -> None:
    path = sparql(TREATIES)
    assert small_client.get(path, headers={"Accept": JSON}).status_code == 200
    # The same URL posted without a body: Flask answers (415), not the remembered 200.
    went, posted = sent(front, lambda: small_client.post(path, headers={"Accept": JSON}))
    assert went and posted.status_code == 415
    assert reached(front, lambda: small_client.post("/sparql", data={"query": TREATIES},
                                                    headers={"Accept": JSON}))


def test_a_get_with_a_body_goes_to_flask(small_client, front) -> None:
    assert small_client.get(PAGE, headers={"Accept": HTML}).status_code == 200
    assert reached(front, lambda: small_client.get(PAGE, headers={"Accept": HTML}, data=b"x"))
    assert reached(front, lambda: small_client.get(PAGE, headers={"Accept": HTML,
                                                                  "Transfer-Encoding": "chunked"}))


@pytest.mark.parametrize(("path", "accept", "status"), [
    (sparql("SELECT WHERE {"), JSON, 400),
    ("/doc/treaty/no-such-treaty", HTML, 404),
    ("/no/such/page", TURTLE, 404),
    (PAGE, "image/png", 406),
    (sparql(TREATIES), "image/png", 406),
])
def test_an_error_is_never_kept(small_client, front, path, accept, status) -> None:
    for _ in range(2):
        went, response = sent(front, partial(small_client.get, path, headers={"Accept": accept}))
        assert went and response.status_code == status
    assert len(front.cache) == 0


@pytest.mark.parametrize(("path", "accept"), [
    (sparql("SELECT (NOW() AS ?t) {}"), JSON),
    (sparql(TREATIES), HTML),  # the query page, with the answer in a table
    ("/sparql", HTML),
    ("/static/style.css", "text/css"),  # a file, streamed
])
def test_answers_the_app_does_not_mark_are_never_kept(small_client, front, path, accept) -> None:
    for _ in range(2):
        assert reached(front, lambda: small_client.get(path, headers={"Accept": accept}))
    assert not any(isinstance(entry, CachedResponse) for entry in front.cache.entries())


# --- Bounds ---------------------------------------------------------------------------------------

PAGES = [  # documents of similar sizes (0.6 to 1.3 kB as Turtle)
    "/doc/state/AUS", "/doc/state/NZL", "/doc/state/USA", "/doc/treaty/anzus-1951/member/AUS",
    "/doc/treaty/anzus-1951/member/NZL", "/doc/treaty/anzus-1951/member/USA",
    "/doc/invocation/anzus-article-iv-2001"]


def test_the_number_of_entries_is_bounded(small_client, small_app, monkeypatch) -> None:
    front = watch(small_app, ResponseCache(max_entries=3, max_bytes=10_000_000), monkeypatch)
    for path in PAGES:
        assert small_client.get(path, headers={"Accept": TURTLE}).status_code == 200
    assert len(front.cache) == 3
    assert not reached(front, lambda: small_client.get(PAGES[-1], headers={"Accept": TURTLE}))
    assert reached(front, lambda: small_client.get(PAGES[0], headers={"Accept": TURTLE}))


def test_the_bytes_are_bounded(small_client, small_app, monkeypatch) -> None:
    sizes = [len(small_client.get(path, headers={"Accept": TURTLE}).data) for path in PAGES]
    budget = 4 * max(sizes)  # room for the largest (a quarter of the budget), not for all
    assert sum(sizes) > budget
    front = watch(small_app, ResponseCache(max_entries=100, max_bytes=budget), monkeypatch)
    for _ in range(2):
        for path in PAGES:
            small_client.get(path, headers={"Accept": TURTLE})
    assert front.cache.total_bytes <= budget
    assert 0 < len(front.cache) < len(PAGES)
    assert not reached(front, lambda: small_client.get(PAGES[-1], headers={"Accept": TURTLE}))


# --- Headers on a hit -----------------------------------------------------------------------------

def test_security_and_cors_headers_are_on_a_hit_as_on_the_miss(small_client, front) -> None:
    for path, accept in ((PAGE, HTML), (sparql(TREATIES), JSON), ("/queries/", HTML)):
        miss = small_client.get(path, headers={"Accept": accept})
        hit = small_client.get(path, headers={"Accept": accept})
        assert len(front.reached_flask) == 1
        assert headers_of(hit) == headers_of(miss)
        assert hit.headers["X-Content-Type-Options"] == "nosniff"
        assert hit.headers["Access-Control-Allow-Origin"] == "*"
        assert ("Content-Security-Policy" in hit.headers) is (accept == HTML)
        front.reached_flask.clear()


# --- Turned off -----------------------------------------------------------------------------------

def app_with(small_site, **settings) -> Iterator[Flask]:
    """An app of its own with ``settings`` (and one query worker), closed afterwards."""
    app = small_site(**settings, query_workers=1)
    yield app
    executor_for(app).close()


@pytest.fixture(scope="module")
def uncached_app(small_site) -> Iterator[Flask]:
    yield from app_with(small_site, cache_max_entries=0)


def test_cache_max_entries_zero_keeps_nothing(uncached_app, monkeypatch) -> None:
    front = watch(uncached_app, answers_of(uncached_app), monkeypatch)
    small_client = uncached_app.test_client()
    for path, accept in ((PAGE, HTML), (sparql(TREATIES), JSON)):
        for _ in range(2):
            assert reached(front, partial(small_client.get, path, headers={"Accept": accept}))
    assert len(front.cache) == 0


@pytest.fixture(scope="module")
def capped_app(small_site) -> Iterator[Flask]:
    yield from app_with(small_site, max_result_rows=5)


def test_an_answer_cut_by_the_row_cap_is_never_kept(capped_app, monkeypatch) -> None:
    front = watch(capped_app, ResponseCache(100, 10_000_000), monkeypatch)
    small_client = capped_app.test_client()
    cut = sparql("SELECT ?s WHERE { ?s a ?class }")
    for _ in range(2):
        went, response = sent(front, lambda: small_client.get(cut, headers={"Accept": JSON}))
        assert went and response.headers["Pactgraph-Results-Truncated"] == "true"
    assert len(front.cache) == 0
    small_client.get(sparql("ASK { ?s ?p ?o }"), headers={"Accept": JSON})  # whole: kept
    assert not reached(front, lambda: small_client.get(sparql("ASK { ?s ?p ?o }"),
                                                       headers={"Accept": JSON}))
