"""The front cache: whole responses to repeated GETs, answered before Flask is entered.

The published data cannot change while the server runs, so the response to a GET is a function of
the request parts the app reads and of the data. Once the app has answered one, this WSGI
middleware answers the same request again from memory with the stored status line, headers and
bytes. That skips Flask's routing, hooks and header objects: tens of microseconds, where answering
from the caches behind Flask takes most of a millisecond.

Which responses may be reused is the app's decision, never this module's guess: a view or hook
calls ``mark_reusable`` (the SPARQL endpoint for its cacheable answers, ``mark_reusable_page`` for
every other page). The middleware keeps a marked response only if it is a 200 to a GET; it stores
the response as Flask finished it, after the security and CORS hooks, less its ``Date`` (the
server writes a current one).

Key: every part of the request the app reads (``KEY_PARTS``, plus the host). ``Accept`` and
``Accept-Profile`` (web/profiles.py) are the only request headers that change an answer (CORS is a
constant ``*``; the preflight headers matter only to OPTIONS, which never comes from here).
Requests that Flask must see go straight to it and store nothing: any method but GET and HEAD, a
request with a body, and the conditional and range requests (``BYPASS_HEADERS``), which Flask
answers (304 Not Modified...) as before.

Entries share the bounded answer cache of ``web/caching.py`` (settings ``cache_max_entries`` and
``cache_max_bytes``; ``cache_max_entries = 0`` turns both off). A SPARQL answer kept here holds the
same bytes object as the endpoint's own entry, so it is not copied, although it counts twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Response, request

from pactgraph import clock
from pactgraph.build.memory import ResponseCache
from pactgraph.web.caching import UNTIL_MIDNIGHT, max_age_left

REUSABLE = "pactgraph.reusable"  # the environ entry by which the app marks a reusable response
KEY_PARTS = ("SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "wsgi.url_scheme", "HTTP_ACCEPT",
             "HTTP_ACCEPT_PROFILE")
# Conditional and range requests, and a body sent in chunks: Flask answers these.
BYPASS_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH",
                  "HTTP_IF_UNMODIFIED_SINCE", "HTTP_RANGE", "HTTP_IF_RANGE",
                  "HTTP_TRANSFER_ENCODING")
NOT_STORED = frozenset({"date"})  # a header about the message, not the representation
FrontKey = tuple[str, tuple[tuple[str, ...], ...], tuple[str, ...], str]

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class CachedResponse:
    status: str  # the status line as the app gave it, e.g. "200 OK"
    headers: tuple[tuple[str, str], ...]
    body: bytes
    until_midnight: int | None = None  # an answer on "today": kept this long at most, not past

    def headers_now(self) -> list[tuple[str, str]]:
        """The headers to send now: an answer on "today" may be kept only until midnight, so its
        max-age, written when it was stored, is lowered to the time left now."""
        if self.until_midnight is None:
            return list(self.headers)
        return [(name, max_age_left(self.until_midnight) if name.lower() == "cache-control"
                 else value) for name, value in self.headers]


def mark_reusable(environ: dict[str, Any]) -> None:
    """Let the front cache serve this response to the next identical GET."""
    environ[REUSABLE] = True


def mark_reusable_page(response: Response) -> Response:
    """An after-request hook: every complete 200 page is reusable, unless its view forbade storing
    it (``Cache-Control: no-store``). The SPARQL endpoint decides for its own responses.

    A page without an ETag gets one from its bytes, so that browsers can revalidate what the
    front cache serves; a matching If-None-Match then gets 304 here, as on every other page.
    """
    if (request.method not in ("GET", "HEAD") or response.status_code != 200
            or response.is_streamed or request.blueprint == "sparql"
            or response.cache_control.no_store):
        return response
    if "ETag" not in response.headers:
        response.add_etag()
        response.make_conditional(request)
    if response.status_code == 200:
        mark_reusable(request.environ)
    return response


def for_flask_only(environ: dict[str, Any]) -> bool:
    """Whether a request has a body or a conditional or range header: Flask answers those, never
    a layer before it (this one, or the lean SPARQL path)."""
    if environ.get("CONTENT_LENGTH", "0") not in ("", "0"):
        return True
    for name in BYPASS_HEADERS:  # a loop, not any(): this is on the path of every cached answer
        if name in environ:
            return True
    return False


KEY_IN_ENVIRON = "pactgraph.front_key"


def kept_in_environ(environ: dict[str, Any], name: str, compute: Callable[[], Any]) -> Any:
    """``compute()``, kept in ``environ`` under ``name``: what the buffering front works out on
    the event loop to route a request is not worked out again by the layer that acts on it."""
    if name not in environ:
        environ[name] = compute()
    return environ[name]


def front_key(environ: dict[str, Any]) -> FrontKey | None:
    """The key of a GET or HEAD that may be answered from memory; None for one Flask must see.

    The key is the parts themselves, not a digest of them as the endpoint's keys are: this is on
    the path of every repeated GET, and hashing them cost more than the rest of the lookup
    (30 of 45 us). It holds strings the request already carries (a query string of at most
    8,190 bytes: web/buffering_front.py), so 2,000 entries hold at most ~16 MB of keys."""
    if for_flask_only(environ):
        return None
    # An absent header and an empty one may be answered differently: () and ("",) differ.
    parts = tuple((environ[name],) if name in environ else () for name in KEY_PARTS)
    host = environ.get("HTTP_HOST")
    server = ("host", host) if host is not None else (
        "server", environ.get("SERVER_NAME", ""), str(environ.get("SERVER_PORT", "")))
    # The date: a page on "today" (the obligations in force) is kept until midnight, no longer.
    return ("front", parts, server, clock.system_day())


class FrontCache:
    """WSGI middleware: answer a remembered GET or HEAD from ``cache``, else ask ``app``."""

    def __init__(self, app: WSGIApp, cache: ResponseCache) -> None:
        self.app = app
        self.cache = cache

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        key = self._key(environ)
        if key is None:
            return self.app(environ, start_response)
        stored = self.cache.get(key)
        if isinstance(stored, CachedResponse):
            start_response(stored.status, stored.headers_now())
            return [stored.body] if environ["REQUEST_METHOD"] == "GET" else []
        if environ["REQUEST_METHOD"] != "GET":
            return self.app(environ, start_response)
        return self._answer_and_keep(key, environ, start_response)

    def remembered(self, environ: dict[str, Any]) -> CachedResponse | None:
        """The stored response this layer would send to ``environ``, or None: what the buffering
        front (web/buffering_front.py) sends at once, without handing the request to a thread."""
        key = self._key(environ)
        stored = None if key is None else self.cache.get(key)
        return stored if isinstance(stored, CachedResponse) else None

    def _key(self, environ: dict[str, Any]) -> FrontKey | None:
        """The key of a request this layer may answer, or None for one it passes on (kept in
        ``environ``: the buffering front asks ``remembered`` first, then calls this layer)."""
        def key() -> FrontKey | None:
            if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or self.cache.max_entries == 0:
                return None
            return front_key(environ)

        return kept_in_environ(environ, KEY_IN_ENVIRON, key)

    def _answer_and_keep(self, key: FrontKey, environ: dict[str, Any],
                         start_response: StartResponse) -> Iterable[bytes]:
        started: list[tuple[str, list[tuple[str, str]]]] = []

        def keep_status(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started.append((status, list(headers)))
            return start_response(status, headers, exc_info)

        body_parts = self.app(environ, keep_status)
        # The mark is set while Flask handles the request, before it returns its body iterable.
        if not (environ.get(REUSABLE) and started and started[-1][0].startswith("200 ")):
            return body_parts
        try:
            chunks = list(body_parts)
        finally:
            close = getattr(body_parts, "close", None)
            if close is not None:
                close()
        # One chunk (every Flask response built from bytes) is kept as it is: for a SPARQL
        # answer, the very object in the endpoint's cache.
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        status, headers = started[-1]
        kept = tuple((name, value) for name, value in headers if name.lower() not in NOT_STORED)
        self.cache.put(key, CachedResponse(status, kept, body, environ.get(UNTIL_MIDNIGHT)))
        return [body]
