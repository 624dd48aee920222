"""The W3C SPARQL 1.1 Protocol test suite (w3c/rdf-tests, vendored in tests/fixtures/w3c/protocol
by tools/vendor-w3c-tests.sh) against a real ``pactgraph serve`` on a socket.

Every request of every test is sent as the manifest writes it (method, path, headers, body in its
character encoding), to ``/sparql`` for the manifest's ``/sparql/``. Query tests must pass as
written: the expected status class, and for ASK the expected boolean in whatever result format the
server chose, parsed back. The service is read-only by design, so an update the manifest expects to
succeed must instead be refused with a 4xx, and the query that follows it, which checks the update's
effect, must find none (its ASK answers false); updates the manifest expects to fail must fail.
The data the tests address (``http://kasei.us/2009/09/sparql/data/data{1,2,3}.rdf``) is loaded
from the vendored files as named graphs; nothing is fetched.
"""

from __future__ import annotations

import http.client
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from rdflib import Graph, URIRef
from rdflib.collection import Collection
from w3c import CNT, HT, MF, PARSERS, entries, iter_requests, manifest, parse_results

from pactgraph import formats

HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"
SUITE = manifest("protocol")
TESTS = entries(SUITE)


def is_update(request: URIRef) -> bool:
    """Whether ``request`` carries a SPARQL update (by body type, form field or parameter)."""
    content_type = " ".join(header_values(request).values())
    body = body_text(request) or ""
    path = str(SUITE.value(request, HT.absolutePath))
    return ("sparql-update" in content_type or body.startswith("update=")
            or "?update=" in path or "&update=" in path)


def header_values(request: URIRef) -> dict[str, str]:
    headers = SUITE.value(request, HT.headers)
    if headers is None:
        return {}
    return {str(SUITE.value(h, HT.fieldName)): str(SUITE.value(h, HT.fieldValue))
            for h in Collection(SUITE, headers)}


def body_text(request: URIRef) -> str | None:
    body = SUITE.value(request, HT.body)
    return None if body is None else str(SUITE.value(body, CNT.chars))


def body_bytes(request: URIRef) -> bytes | None:
    body = SUITE.value(request, HT.body)
    if body is None:
        return None
    encoding = str(SUITE.value(body, CNT.characterEncoding) or "UTF-8")
    return str(SUITE.value(body, CNT.chars)).encode(encoding)


def expected_classes(request: URIRef) -> set[int]:
    """The status classes (2, 3, 4...) the manifest accepts for ``request``."""
    response = SUITE.value(request, HT.resp)
    return {int(str(code).removeprefix(HTS)[0]) for code in SUITE.objects(response,
                                                                          MF.expectedStatus)}


def send(server_url: str, request: URIRef) -> tuple[int, str, bytes]:
    """Send ``request`` as written; return the status, the media type and the body."""
    path = str(SUITE.value(request, HT.absolutePath))
    assert path.startswith("/sparql/")
    path = "/sparql" + path.removeprefix("/sparql/")
    if path.startswith("/sparql&") or path == "/sparql":
        path = path.replace("/sparql&", "/sparql?", 1)
    url = urlsplit(server_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        connection.request(str(SUITE.value(request, HT.methodName)), path,
                           body=body_bytes(request), headers=header_values(request))
        response = connection.getresponse()
        media_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
        return response.status, media_type, response.read()
    finally:
        connection.close()


def check_format(request: URIRef, media_type: str, body: bytes) -> bool | None:
    """Check the answer is in the expected kind of format and parses; return an ASK's value."""
    response = SUITE.value(request, HT.resp)
    kind = SUITE.value(response, MF.expectedFormat)
    if kind is None:
        return None
    kind = str(kind)
    if kind == "RDF":
        assert media_type in formats.GRAPH_RESULT_MEDIA_TYPES
        Graph().parse(data=body, format=formats.RDFLIB_FORMAT[media_type])
        return None
    assert media_type in PARSERS, media_type
    results = parse_results(media_type, body)
    if kind == "boolean":
        assert results.boolean is not None
        return results.boolean
    assert kind == "tabular" and results.boolean is None
    return None


@pytest.mark.parametrize("test", TESTS, ids=lambda test: str(test).rsplit("#", 1)[-1])
def test_protocol(w3c_server, test):
    refused_update = False
    for request in iter_requests(SUITE, test):
        status, media_type, body = send(w3c_server.url, request)
        expected = expected_classes(request)
        shown = body[:300].decode("utf-8", "replace")
        if is_update(request) and 4 not in expected:
            assert status // 100 == 4, f"an update must be refused (read-only): {status} {shown}"
            refused_update = True
            continue
        assert status // 100 in expected, f"{status} {shown}"
        if status // 100 != 2:
            continue
        boolean = check_format(request, media_type, body)
        wanted = SUITE.value(SUITE.value(request, HT.resp), MF.expectedBoolean)
        if wanted is not None:
            # after a refused update, the query that looks for its effect finds nothing
            assert boolean is (False if refused_update else wanted.toPython())


def test_the_readme_gives_the_count():
    """The README says how many of the suite's tests run, and how many are updates."""
    updates = [t for t in TESTS if "update" in str(t).rsplit("#", 1)[-1]]
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    found = re.search(r"all (\d+) tests of the W3C SPARQL 1\.1 Protocol suite pass "
                      r"\((\d+) query tests as written, (\d+) update tests", readme)
    assert found, "the README must give the Protocol suite's count"
    assert tuple(map(int, found.groups())) == (len(TESTS), len(TESTS) - len(updates),
                                               len(updates))
