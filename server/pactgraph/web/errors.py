"""The one place that maps error kinds to HTTP status codes, plus CORS for every response.

Status codes, following the SPARQL 1.1 Protocol (which asks for a 4XX when the client is at fault):
- ``QueryError`` 400: a malformed query or request, with the parser's message.
- ``UnsupportedOperation`` 403: updates and federated queries are understood and refused by policy;
  not 405, which is about the HTTP method (POST is allowed, for queries) and would need an Allow
  header that lists POST; not 501, a server-side failure that invites retries.
- ``NotAcceptable`` 406, the body listing the media types on offer.
- ``LimitExceeded``: per setting (``LIMIT_STATUS``); an over-long query is 413 Content Too Large.
  A query stopped by the time or memory limit, one whose first row alone is longer than
  ``max_result_bytes``, or one that found every query worker busy, is
  503 Service Unavailable: the server declined to spend more on it (as Fuseki answers a timed-out
  query), not a fault of ours (500) nor a malformed request (400); 504 is for gateways. Only the
  busy case carries ``Retry-After``: retrying a runaway query unchanged will not help, and its
  message says what to change.
  A client over its share of the query workers (``query_per_client_limit``, web/fair_share.py) is
  429 Too Many Requests with ``Retry-After``: it may retry once one of its own queries has ended.
- ``QueryEngineUnavailable`` 503: the query workers cannot start (say their copy of the store
  cannot be loaded); the message names the cause. No ``Retry-After``: the pool retries on its own
  schedule (engine/pool.py), and the cause usually needs an operator.
- ``QueryWorkerKilled`` 503: the query worker was killed from outside (the kernel's out-of-memory
  killer, when the machine runs short of memory): the server could not answer now.
- ``QueryWorkerCrashed`` 500: the query worker crashed (a signal such as SIGSEGV): a fault on our
  side, said as what it was (engine/worker_exit.py), logged in one line without a stack trace.
- werkzeug's HTTP errors (404, 405, 413, 415...) keep their status, with a helpful text.
- anything else is a bug: 500 with a generic message, the stack trace only in the server's log.
Bodies are HTML for browsers, an RFC 9457 problem document (``application/problem+json``: title,
status, detail) for clients that asked for JSON, and plain text for everyone else; an error is
never itself refused for want of an acceptable format.
"""

from __future__ import annotations

import json
import re
from http import HTTPStatus

from flask import Flask, Response, current_app, render_template_string, request
from flask.globals import request_ctx
from markupsafe import escape
from werkzeug.exceptions import BadHost, HTTPException

from pactgraph import formats
from pactgraph.errors import (
    LimitExceeded,
    NotAcceptable,
    PactgraphError,
    QueryEngineUnavailable,
    QueryError,
    QueryWorkerCrashed,
    QueryWorkerKilled,
    UnsupportedOperation,
)
from pactgraph.web import negotiation

STATUS: dict[type[PactgraphError], int] = {
    QueryError: 400,
    UnsupportedOperation: 403,
    NotAcceptable: 406,
    LimitExceeded: 400,
    QueryEngineUnavailable: 503,
    QueryWorkerKilled: 503,
    QueryWorkerCrashed: 500,
}
LIMIT_STATUS: dict[str, int] = {"max_query_length": 413, "max_request_bytes": 413,
                                "query_time_limit_ms": 503, "query_memory_limit_mb": 503,
                                "query_queue_time_limit_ms": 503, "max_result_bytes": 503,
                                "query_per_client_limit": 429}
# A client over its share may retry once one of its queries ends: within the default
# query_time_limit_ms (5 s) at the latest.
RETRY_AFTER_SECONDS: dict[str, int] = {"query_queue_time_limit_ms": 5,
                                       "query_per_client_limit": 5}

HINTS: dict[int, str] = {
    404: "There is nothing at this address. The home page lists what this server publishes; "
         "/sparql answers SPARQL queries.",
    405: "This address does not answer that HTTP method.",
}
HINTS_BY_KIND: dict[type[HTTPException], str] = {
    BadHost: "The Host header is not a host name this server can encode (IDNA): each "
             "dot-separated label must hold 1 to 63 characters.",
}

_PAGE = """{% extends "base.html" %}
{% block title %}{{ status }} {{ title }}{% endblock %}
{% block content %}<h1>{{ status }} {{ title }}</h1>
{% set first, _, where = message.partition("\n") %}<p class="error">{{ first }}</p>
{% if where %}<pre class="error-at">{{ where }}</pre>{% endif %}{% endblock %}"""
_BARE_PAGE = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{status} "
              "{title}</title></head><body><h1>{status} {title}</h1><p>{message}</p></body></html>")


def status_of(error: PactgraphError) -> int:
    if isinstance(error, LimitExceeded):
        return LIMIT_STATUS.get(error.setting, STATUS[LimitExceeded])
    for kind, status in STATUS.items():
        if isinstance(error, kind):
            return status
    return 400  # a PactgraphError is by definition a message for the user


def _html(status: int, title: str, message: str) -> str:
    bare = _BARE_PAGE.format(status=status, title=escape(title), message=escape(message))
    if request_ctx.url_adapter is None:
        # The Host header could not be routed (werkzeug's BadHost, e.g. a label longer than 63
        # characters), so base.html cannot build a URL: the client's fault, nothing to log.
        return bare
    try:
        return render_template_string(_PAGE, status=status, title=title, message=message)
    except Exception as error:  # no base.html, or it failed: the error page itself must not fail
        _log_once(error)
        return bare


_LOGGED_FAILURES: set[str] = set()


def _log_once(error: Exception) -> None:
    """Log why the error page failed, with its stack trace, once per kind of failure in this
    process: a client can repeat the request that caused it, and its traceback was 3.6 kB a time
    (20,000 requests wrote 73 MB of log)."""
    kind = type(error).__name__
    if kind not in _LOGGED_FAILURES:
        _LOGGED_FAILURES.add(kind)
        current_app.logger.exception("cannot render the error page with base.html (logged once "
                                     "per kind of failure: %s)", kind)


def _error_media_type() -> str:
    """Plain text, HTML or (for a client that asked for any JSON, by Accept or ``format``) an
    RFC 9457 problem document; plain text if none of them is acceptable."""
    format_name = request.args.get("format")
    if format_name:
        try:
            if formats.media_type_for(format_name) in formats.JSON_TYPES:
                return formats.PROBLEM_JSON
        except NotAcceptable:
            pass
    try:
        media_type = negotiation.choose(request.headers.get("Accept"),
                                        [formats.PLAIN, formats.HTML, *formats.JSON_TYPES])
    except NotAcceptable:
        return formats.PLAIN
    return formats.PROBLEM_JSON if media_type in formats.JSON_TYPES else media_type


def error_response(status: int, title: str, message: str) -> Response:
    """An error in the format the client prefers among plain text, HTML and JSON."""
    media_type = _error_media_type()
    if media_type == formats.PROBLEM_JSON:
        body = json.dumps({"type": "about:blank", "title": title, "status": status,
                           "detail": message}, ensure_ascii=False)
    elif media_type == formats.HTML:
        body = _html(status, title, message)
    else:
        body = f"{status} {title}: {message}\n"
    response = Response(body, status=status, content_type=formats.content_type(media_type))
    response.vary.add("Accept")
    return response


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def handle_pactgraph_error(error: PactgraphError) -> Response:
    status = status_of(error)
    response = error_response(status, _title(status), str(error))
    if isinstance(error, LimitExceeded) and error.setting in RETRY_AFTER_SECONDS:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS[error.setting])
    return response


def handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    # A description given where the error was raised beats our hint, which beats werkzeug's.
    custom = error.description if error.description != type(error).description else None
    message = (custom or HINTS_BY_KIND.get(type(error)) or HINTS.get(status) or error.description
               or _title(status))
    response = error_response(status, _title(status), message)
    for name, value in error.get_headers():  # e.g. Allow on 405
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def handle_unexpected(error: Exception) -> Response:
    current_app.logger.exception("unexpected error on %s %s", request.method, request.path)
    return error_response(500, "Internal Server Error",
                          "The server failed to answer this request. The fault is ours, not "
                          "yours; it has been logged.")


_HEADER_NAMES = re.compile(r"[A-Za-z0-9-]+(\s*,\s*[A-Za-z0-9-]+)*")


# Everything here is public and read-only, without credentials, so any origin may read it.
ALLOW_ANY_ORIGIN = ("Access-Control-Allow-Origin", "*")


def add_cors_headers(response: Response) -> Response:
    response.headers[ALLOW_ANY_ORIGIN[0]] = ALLOW_ANY_ORIGIN[1]
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        response.headers["Access-Control-Allow-Methods"] = (
            response.headers.get("Allow") or "GET, HEAD, POST, OPTIONS")
        requested = request.headers.get("Access-Control-Request-Headers", "").strip()
        response.headers["Access-Control-Allow-Headers"] = (
            requested if _HEADER_NAMES.fullmatch(requested) else "Accept, Content-Type")
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


def register(app: Flask) -> None:
    """Install the error handlers, the CORS hook and the protections of ``security`` on ``app``."""
    from pactgraph.web import headers as security
    security.install(app)
    app.register_error_handler(PactgraphError, handle_pactgraph_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
    app.after_request(add_cors_headers)
