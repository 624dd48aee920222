"""Pieces of the OpenAPI description (web/routes/openapi.py): content maps, the error answers
(plain text, HTML, or an RFC 9457 problem document for clients that asked for JSON), and the
description of the search API (web/routes/search.py).
"""

from __future__ import annotations

from typing import Any

from pactgraph import formats

PLAIN = formats.PLAIN
HTML = formats.HTML


def content_of(media_types, schema: dict | None = None) -> dict:
    return {media: ({"schema": schema} if schema else {}) for media in dict.fromkeys(media_types)}


PROBLEM = {"type": "object", "required": ["title", "status", "detail"],
           "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                          "status": {"type": "integer"}, "detail": {"type": "string"}}}


def _error(description: str, headers: dict | None = None) -> dict:
    """An error answer: plain text for programs, an HTML page for browsers, an RFC 9457 problem
    document for clients that asked for JSON."""
    content = content_of((PLAIN, HTML), {"type": "string"})
    content[formats.PROBLEM_JSON] = {"schema": PROBLEM}
    answer: dict[str, Any] = {"description": description, "content": content}
    if headers:
        answer["headers"] = headers
    return answer


ERRORS = {
    "400": _error("Malformed request or query (the parser's message is in the body)."),
    "403": _error("Refused by policy: SPARQL updates, SERVICE, FROM naming a graph this server "
                  "does not hold."),
    "404": _error("Nothing at this address."),
    "405": _error("Method not served here; the Allow header lists those that are.",
                  {"Allow": {"schema": {"type": "string"}}}),
    "406": _error("No acceptable media type; the body lists those on offer."),
    "413": _error("Request body or query over `max_request_bytes` / `max_query_length`."),
    "415": _error("POST body in a media type the endpoint does not read."),
    "429": _error(
        "This client already has `query_per_client_limit` uncached queries running; retry once "
        "one has ended (Retry-After). A client is its address, or the one X-Forwarded-For names "
        "when the request comes from one of `trusted_proxies`.",
        {"Retry-After": {"schema": {"type": "string"}}}),
    "503": _error(
        "A limit stopped the query: `query_time_limit_ms` (it ran too long), "
        "`query_memory_limit_mb` (it needed too much memory), or `query_queue_time_limit_ms` "
        "(every query worker stayed busy; only then with Retry-After). The body names the setting. "
        "Also when the query worker was killed from outside the server (the kernel's "
        "out-of-memory killer).",
        {"Retry-After": {"schema": {"type": "string"}}}),
}
