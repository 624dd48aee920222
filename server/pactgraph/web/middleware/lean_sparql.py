"""The lean path of a plain SPARQL GET: ``/sparql?query=...`` answered without entering Flask.

A query asked for the first time (no cache can help) cost the web process about 1 ms of CPU in
Flask: the request and response objects, routing, four hooks, and werkzeug's query-string
decoding (pure Python, a quarter of the whole for a query of a few hundred escaped characters).
This WSGI layer sits between the front cache and Flask and answers the common case itself, with
the endpoint's own parts: the same negotiation, checks, cache keys, answer cache and query workers
(web/routes/sparql.py, web/caching.py, engine/pool.py). It writes the headers Flask would write;
``tests/test_query_path.py`` compares the two paths header by header.

Plain means: a GET whose query string is exactly one ``query`` parameter, that Flask need not see
for other reasons (no body, no conditional or range header: ``front_cache.for_flask_only``), a
query within ``max_query_length`` whose answer may be cached (no ``NOW()``...), and an Accept
header under which no kind of result is answered with the HTML page.
Every other request goes to Flask untouched. So does every outcome of evaluation other than a
complete answer (an error, a refusal, an answer cut by the row cap): the query is not evaluated
twice, its outcome is handed to the endpoint (``sparql.HANDED_OVER``), which answers as if it had
evaluated it itself.
"""

from __future__ import annotations

import codecs
import functools
from collections.abc import Iterable
from typing import Any

from flask import Flask
from werkzeug.wsgi import get_current_url

from pactgraph.engine.pool import executor_for
from pactgraph.engine.store import check_query
from pactgraph.web import negotiation
from pactgraph.web.caching import CachedAnswer, app_response_cache, is_cacheable_query, make_etag
from pactgraph.web.errors import ALLOW_ANY_ORIGIN
from pactgraph.web.headers import SECURITY_HEADERS
from pactgraph.web.middleware.front_cache import (
    StartResponse,
    WSGIApp,
    for_flask_only,
    mark_reusable,
)
from pactgraph.web.routes.sparql import (
    HANDED_OVER,
    Operation,
    answer_key,
    job_for,
    limits_url_for,
    media_types_by_kind,
)

PREFIX = "query="


def decode_form_value(raw: str) -> str | None:
    """A percent-encoded form value (``+`` for space) as werkzeug decodes it, or None when the
    value is not well-formed (werkzeug would then decide what to do, so Flask is asked).

    ``urllib.parse.unquote`` walks the text in Python, one escape at a time; here the C codec for
    backslash escapes does the work: every backslash is doubled first, so the only escapes it
    sees are the ``\\xHH`` made from ``%HH``, and a ``%`` not followed by two hex digits fails.
    """
    try:
        data = raw.encode("latin-1").replace(b"+", b" ")  # WSGI strings carry bytes as latin-1
        if b"%" in data:
            data = codecs.escape_decode(data.replace(b"\\", b"\\\\").replace(b"%", b"\\x"))[0]
        return data.decode("utf-8")
    except (UnicodeError, ValueError):
        return None


def url_root(environ: dict[str, Any]) -> str:
    """``request.url_root`` as werkzeug computes it, without building a request."""
    return _url_root(environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"),
                     environ.get("SERVER_NAME"), environ.get("SERVER_PORT"),
                     environ.get("SCRIPT_NAME", ""))


@functools.lru_cache(maxsize=64)
def _url_root(scheme: str | None, host: str | None, server_name: str | None,
              server_port: str | None, script_name: str) -> str:
    # Memoised: a server is reached under few names, and werkzeug's IRI handling of the host
    # cost as much as the rest of the lean path.
    environ = {"wsgi.url_scheme": scheme, "SERVER_NAME": server_name,
               "SERVER_PORT": server_port, "SCRIPT_NAME": script_name}
    if host is not None:
        environ["HTTP_HOST"] = host
    return get_current_url(environ, root_only=True)


class QueryPath:
    """WSGI middleware: answer a plain ``GET /sparql?query=...`` itself, else ask ``app``."""

    def __init__(self, app: WSGIApp, flask_app: Flask) -> None:
        self.app = app
        self.flask_app = flask_app
        published = flask_app.extensions["pactgraph"]
        self.settings = published.settings
        self.data_version = published.data_version
        self.graph_names = published.store.graph_names
        self.max_length = int(self.settings["max_query_length"])
        self.cache_control = f"public, max-age={int(self.settings['cache_max_age_seconds'])}"

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        operation = self._plain_query(environ)
        if operation is None:
            return self.app(environ, start_response)
        media_types = media_types_by_kind(None, environ.get("HTTP_ACCEPT"))
        if negotiation.HTML in media_types.values():
            return self.app(environ, start_response)
        try:
            check_query(operation.query, self.graph_names)
        except Exception:  # a refusal: the endpoint makes the same check and answers it
            return self.app(environ, start_response)
        answers = app_response_cache(self.flask_app)
        key = answer_key(operation, media_types)
        kept = answers.get(key)
        if not isinstance(kept, CachedAnswer):
            link = limits_url_for(self.settings, url_root(environ))
            job = job_for(operation, media_types, link)
            try:
                answer = executor_for(self.flask_app).run(job)
            except Exception as error:  # answered by the endpoint's error handlers
                environ[HANDED_OVER] = (job, error)
                return self.app(environ, start_response)
            if answer.truncated:  # the endpoint adds the signals of a cut answer
                environ[HANDED_OVER] = (job, answer)
                return self.app(environ, start_response)
            kept = CachedAnswer(answer.body, negotiation.content_type(answer.media_type),
                                make_etag(self.data_version, key))
            answers.put(key, kept)
        mark_reusable(environ)  # the front cache answers the same request next time
        start_response("200 OK", self._headers(kept))
        return [kept.body]

    def _plain_query(self, environ: dict[str, Any]) -> Operation | None:
        """The query of a plain request (see the module's docstring), else None."""
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO") != "/sparql":
            return None
        raw = environ.get("QUERY_STRING", "")
        if not raw.startswith(PREFIX) or "&" in raw or for_flask_only(environ):
            return None
        query = decode_form_value(raw[len(PREFIX):])
        if (query is None or not query.strip() or len(query) > self.max_length
                or not is_cacheable_query(query)):
            return None
        return Operation(query)

    def _headers(self, kept: CachedAnswer) -> list[tuple[str, str]]:
        # In the order Flask writes them: the response, sparql._cached, then the after-request
        # hooks (CORS, then security: Flask runs hooks in reverse order of registration).
        return [("Content-Type", kept.content_type), ("Content-Length", str(len(kept.body))),
                ("ETag", f'"{kept.etag}"'), ("Cache-Control", self.cache_control),
                ("Vary", "Accept"), ALLOW_ANY_ORIGIN, *SECURITY_HEADERS.items()]
