"""The buffering front (web/buffering_front.py): what reaches the app, and what never does.

Driven directly, with a stand-in for granian's RSGI scope and protocol objects, so that the
deadline and the limits are checked without a server (tests/test_slow_clients.py has the server).
"""

from __future__ import annotations

import asyncio
import threading

import pytest
from granian.rsgi import ProtocolClosed
from test_metrics import samples, value

from pactgraph.web import buffering_front
from pactgraph.web.buffering_front import BufferingFront
from pactgraph.web.metrics import exposition


class Headers:
    """RSGI's headers: a mapping with lower-case names that may repeat."""

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        self.fields = fields

    def items(self) -> list[tuple[str, str]]:
        return list(self.fields)

    def keys(self) -> list[str]:
        return [name for name, _ in self.fields]

    def get(self, name: str, default=None):
        return next((value for key, value in self.fields if key == name), default)

    def get_all(self, name: str) -> list[str]:
        return [value for key, value in self.fields if key == name]

    def __contains__(self, name: str) -> bool:
        return name in self.keys()


class Scope:
    def __init__(self, method="GET", path="/", query="", headers=()) -> None:
        self.proto, self.http_version, self.scheme = "http", "1.1", "http"
        self.server, self.client = "127.0.0.1:8000", "192.0.2.7:50000"
        self.method, self.path, self.query_string = method, path, query
        self.headers = Headers([("host", "localhost"), *headers])


class Protocol:
    """RSGI's protocol: the body as chunks (``None`` for one that never comes), and the answer."""

    def __init__(self, chunks=()) -> None:
        self.chunks = list(chunks)
        self.read = False
        self.answer: tuple[int, list[tuple[str, str]], bytes] | None = None

    async def _body(self):
        self.read = True
        for chunk in self.chunks:
            if chunk is None:
                await asyncio.sleep(3600)
            yield chunk

    def __aiter__(self):
        return self._body()

    def response_bytes(self, status, headers, body) -> None:
        self.answer = (status, headers, body)


class App:
    """A WSGI app that records the environ and the body it was given."""

    def __init__(self, fail: bool = False) -> None:
        self.environ: dict | None = None
        self.body: bytes | None = None
        self.fail = fail

    def __call__(self, environ, start_response):
        if self.fail:
            raise RuntimeError("a bug")
        self.environ, self.body = environ, environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return iter([b"he", b"llo"])


def serve_one(front: BufferingFront, scope: Scope, protocol: Protocol) -> None:
    """Let ``front`` answer one request (``on_its_loop``), then shut its threads down."""
    try:
        on_its_loop(front, scope, protocol)
    finally:
        front.threads.shutdown()


def on_its_loop(front: BufferingFront, scope: Scope, protocol: Protocol) -> None:
    """Let ``front`` answer one request, on an event loop of its own in a thread of its own (the
    browser tests leave one running in this thread), as granian runs it."""
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(front.__rsgi__(scope, protocol))
        except BaseException as error:  # handed to the test's thread
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    if outcome:
        raise outcome[0]


def answer(scope: Scope, protocol: Protocol, app: App, max_body: int = 1000):
    serve_one(BufferingFront(app, threads=2, max_body_bytes=max_body), scope, protocol)
    status, headers, body = protocol.answer
    return status, dict(headers), body.decode()


HEADS = {
    "too many header fields": (Scope(headers=[(f"x-{n}", "1") for n in range(50)]), 431,
                               "51 header fields"),
    "a header field too long": (Scope(headers=[("x-long", "x" * 9000)]), 431, "'x-long'"),
    "a request target too long": (Scope(query="query=" + "x" * 9000), 414, "POST"),
}


@pytest.mark.parametrize("name", HEADS)
def test_a_head_over_the_limits_never_reaches_the_app(name):
    scope, status, message = HEADS[name]
    app = App()
    got, headers, text = answer(scope, Protocol(), app)
    assert (got, app.environ) == (status, None)
    assert message in text and "Traceback" not in text
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_a_body_that_does_not_arrive_in_time_is_answered_408(monkeypatch):
    monkeypatch.setattr(buffering_front, "BODY_READ_SECONDS", 0.2)
    app = App()
    scope = Scope("POST", "/sparql", headers=[("content-type", "application/sparql-query"),
                                              ("content-length", "10")])
    status, headers, text = answer(scope, Protocol([b"ASK", None]), app)
    assert (status, app.environ) == (408, None)
    assert headers["Connection"] == "close" and "did not arrive within" in text


def test_the_app_gets_the_whole_body_and_the_request_as_wsgi_has_it():
    app = App()
    scope = Scope("POST", "/doc/état", "a=1", headers=[
        ("content-type", "application/sparql-query"), ("content-length", "6"),
        ("accept", "text/csv"), ("accept", "text/plain"), ("x-forwarded-for", "198.51.100.1")])
    status, _, text = answer(scope, Protocol([b"ASK", b" {}"]), app)
    assert (status, text, app.body) == (200, "hello", b"ASK {}")
    environ = app.environ
    assert environ["PATH_INFO"] == "/doc/état".encode().decode("latin-1")  # PEP 3333
    assert (environ["QUERY_STRING"], environ["REQUEST_METHOD"]) == ("a=1", "POST")
    assert (environ["CONTENT_TYPE"], environ["CONTENT_LENGTH"]) == ("application/sparql-query",
                                                                    "6")
    assert environ["HTTP_ACCEPT"] == "text/csv,text/plain"
    assert environ["HTTP_X_FORWARDED_FOR"] == "198.51.100.1"
    assert (environ["REMOTE_ADDR"], environ["SERVER_PORT"]) == ("192.0.2.7", "8000")


def test_a_body_declared_too_long_is_not_read():
    app = App()
    protocol = Protocol([b"x" * 5000])
    scope = Scope("POST", "/sparql", headers=[("content-length", "5000")])
    answer(scope, protocol, app, max_body=1000)
    assert not protocol.read
    assert app.body == b"" and app.environ["CONTENT_LENGTH"] == "5000"  # the app says 413


def test_a_chunked_body_is_read_no_further_than_the_limit():
    app = App()
    scope = Scope("POST", "/sparql", headers=[("transfer-encoding", "chunked")])
    answer(scope, Protocol([b"x" * 600] * 10), app, max_body=1000)
    assert len(app.body) == 1200  # enough for the app to see it is over the limit
    assert "CONTENT_LENGTH" not in app.environ


def test_an_app_that_fails_is_a_500_without_a_trace(caplog):
    status, _, text = answer(Scope(), Protocol(), App(fail=True))
    assert status == 500 and "fault is ours" in text and "Traceback" not in text
    assert "a bug" in caplog.text  # in the server's log instead


class LeavingProtocol(Protocol):
    """A client that hangs up halfway through its body."""

    async def _body(self):
        yield b"ASK"
        raise ProtocolClosed("the client went away")


def test_a_client_that_leaves_while_sending_gets_nothing_and_the_app_nothing():
    app = App()
    protocol = LeavingProtocol()
    serve_one(BufferingFront(app, threads=1, max_body_bytes=1000),
              Scope("POST", "/sparql", headers=[("content-length", "10")]), protocol)
    assert protocol.answer is None and app.environ is None


# --- Answers from memory --------------------------------------------------------------------------

def served(front: BufferingFront, scope: Scope) -> tuple[int, dict[str, str], bytes]:
    """``front``'s answer to one request, its threads left running (unlike ``serve_one``)."""
    protocol = Protocol()
    on_its_loop(front, scope, protocol)
    status, headers, body = protocol.answer
    return status, dict(headers), body


def requests_counted(route: str) -> float:
    """How many GETs of ``route`` answered 200 this process has counted for /metrics."""
    return value(samples(exposition().decode()), "pactgraph_http_requests_total", route=route,
                 method="GET", status="200")


def test_a_repeated_get_is_answered_on_the_event_loop_and_counted(small_app):
    """The second GET is sent from the front cache without a thread: the front's threads are shut
    down before it, so a request handed to them would fail."""
    front = BufferingFront(small_app, threads=1, max_body_bytes=1000)
    # A query no other test asks.
    query = f"/sparql?query=SELECT%20(1%20AS%20%3Fx)%20%7B%7D%20%23{id(front)}"
    path, _, text = query.partition("?")

    def request(method="GET", headers=()):
        return Scope(method, path, text, headers=[("accept", "text/csv"), *headers])

    first = served(front, request())
    assert first[0] == 200 and first[2] == b"x\r\n1\r\n"
    front.threads.shutdown()
    counted = requests_counted("sparql")
    again = served(front, request())
    assert again == first
    assert requests_counted("sparql") == counted + 1  # /metrics sees it as any other answer
    status, headers, body = served(front, request("HEAD"))
    assert (status, headers, body) == (200, first[1], b"")
    # A conditional request is Flask's to answer: it is handed to a thread, here shut down.
    with pytest.raises(RuntimeError, match="shutdown"):
        served(front, request(headers=[("if-none-match", first[1]["ETag"])]))
