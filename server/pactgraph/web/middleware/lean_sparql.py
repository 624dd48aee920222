"""The lean path of a plain SPARQL GET: ``/sparql?query=...`` answered without entering Flask.

A query asked for the first time (no cache can help) cost the web process about 1 ms of CPU in
Flask: the request and response objects, routing, four hooks, and werkzeug's query-string
decoding (pure Python, a quarter of the whole for a query of a few hundred escaped characters).
This WSGI layer sits between the front cache and Flask and answers the common case itself. It
decides nothing about the query: the plan (web/plan.py) that the endpoint also follows says what
is refused, in which media types, whether and under which key and ETag the answer is remembered,
the worker's job and every header. ``tests/test_query_path.py`` compares the two paths header by
header.

Plain means: a GET of exactly ``/sparql?query=...`` that Flask need not see for other reasons (no
body, no conditional or range header: ``front_cache.for_flask_only``), whose plan is to remember
its answer (so not the HTML page, nor a query whose answer may change). Every other request goes
to Flask untouched, and so does a refused query (the endpoint plans it again and answers the
refusal). So does every outcome of evaluation other than a complete answer (an error, an answer
cut by the row cap): the query is not evaluated twice, its outcome is handed to the endpoint
(``hand_over``), which answers as if it had evaluated it itself.
"""

from __future__ import annotations

import codecs
import functools
from collections.abc import Iterable
from typing import Any

from flask import Flask
from werkzeug.wsgi import get_current_url

from pactgraph.build.memory import CachedAnswer
from pactgraph.engine.base import Answer, Job
from pactgraph.engine.cooperative import blocking
from pactgraph.web.context import publication_of
from pactgraph.web.fair_share import run_query
from pactgraph.web.middleware.front_cache import (
    StartResponse,
    WSGIApp,
    for_flask_only,
    kept_in_environ,
    mark_reusable,
)
from pactgraph.web.plan import Operation, plan_facts, plan_query

# The environ entry in which the lean path hands the endpoint the outcome of a query it evaluated
# but does not answer itself: (the Job, its Answer or the exception it raised).
HANDED_OVER = "pactgraph.query_outcome"

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


def hand_over(environ: dict[str, Any], job: Job, outcome: Answer | Exception) -> None:
    environ[HANDED_OVER] = (job, outcome)


def take_handed_over(environ: dict[str, Any], job: Job) -> Answer | None:
    """The outcome the lean path already had for this very job (raised if an error), if any."""
    handed = environ.pop(HANDED_OVER, None)
    if handed is None or handed[0] != job:
        return None
    if isinstance(handed[1], BaseException):
        raise handed[1]
    return handed[1]


class QueryPath:
    """WSGI middleware: answer a plain ``GET /sparql?query=...`` itself, else ask ``app``."""

    def __init__(self, app: WSGIApp, flask_app: Flask) -> None:
        self.app = app
        self.flask_app = flask_app

    def _flask(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Flask's answer; on the event loop, from a waiting thread: a page or an error answer
        would hold up the loop (engine/cooperative.py)."""
        return blocking(self.app, environ, start_response)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        operation = plain_operation(environ)
        if operation is None:
            return self._flask(environ, start_response)
        try:
            plan = plan_query(operation, None, environ.get("HTTP_ACCEPT"),
                              plan_facts(self.flask_app), url_root(environ))
        except Exception:  # a refusal (or a bug): the endpoint meets it too, and answers it
            return self._flask(environ, start_response)
        if not plan.remember:
            return self._flask(environ, start_response)
        answers = publication_of(self.flask_app).answers
        kept = answers.get(plan.key)
        if not isinstance(kept, CachedAnswer):
            job = plan.job
            try:
                answer = run_query(self.flask_app, environ, job)
            except Exception as error:  # answered by the endpoint's error handlers
                hand_over(environ, job, error)
                return self._flask(environ, start_response)
            if answer.truncated:  # the endpoint adds the signals of a cut answer
                hand_over(environ, job, answer)
                return self._flask(environ, start_response)
            kept = plan.remembered(answer)
            answers.put(plan.key, kept)
        mark_reusable(environ)  # the front cache answers the same request next time
        start_response("200 OK", plan.answer_headers(kept))
        return [kept.body]


OPERATION_IN_ENVIRON = "pactgraph.plain_operation"


def plain_operation(environ: dict[str, Any]) -> Operation | None:
    """The operation of a plain request (see the module's docstring), else None. Kept in
    ``environ``: the buffering front asks first, to choose the event loop for it."""
    return kept_in_environ(environ, OPERATION_IN_ENVIRON, lambda: _plain_operation(environ))


def _plain_operation(environ: dict[str, Any]) -> Operation | None:
    if environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO") != "/sparql":
        return None
    raw = environ.get("QUERY_STRING", "")
    if not raw.startswith(PREFIX) or "&" in raw or for_flask_only(environ):
        return None
    query = decode_form_value(raw[len(PREFIX):])
    return None if query is None else Operation(query)
