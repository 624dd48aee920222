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


SEARCH_HIT = {"type": "object", "required": ["iri", "url", "kind", "label", "score"],
              "properties": {"iri": {"type": "string"}, "url": {"type": "string"},
                             "kind": {"type": "string", "enum": ["state", "commitment"]},
                             "label": {"type": "string"},
                             "matched": {"type": "string", "description": "The name that "
                                         "matched, when it is not the label."},
                             "matchedAs": {"type": "string"}, "score": {"type": "number"}}}


def _query(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "description": description, "required": False,
            "schema": schema}


def reader_paths() -> dict[str, Any]:
    """Search and the indexes (issue 17)."""
    text = _query("q", "What to look for: a name in any language the data has, a short name, "
                  "an ISO 3166-1 code; typos are forgiven.", {"type": "string", "maxLength": 200})
    kind = _query("kind", "Only states or only commitments.",
                  {"type": "string", "enum": ["state", "commitment"]})
    limit = _query("limit", "At most this many results (default 10).",
                   {"type": "integer", "minimum": 1, "maximum": 50})
    sort = _query("sort", "The column to sort by.", {"type": "string"})
    page = {"200": {"description": "The page.", "content": content_of([HTML])}}

    def listing(summary: str, extra: list) -> dict:
        return {"get": {"summary": summary, "parameters": [text, sort, _query(
            "desc", "1 to sort in descending order.", {"type": "string"}), *extra],
            "responses": page}}

    return {
        "/api/search": {"get": {
            "summary": "Find states and commitments by any of their names, best match first",
            "parameters": [text, kind, limit],
            "responses": {"200": {"description": "The matches.", "content": {
                "application/json": {"schema": {
                    "type": "object", "required": ["query", "results"],
                    "properties": {"query": {"type": "string"},
                                   "results": {"type": "array", "items": SEARCH_HIT}}}}}},
                "400": ERRORS["400"]}}},
        "/search": {"get": {"summary": "The same search as a page (works without JavaScript)",
                            "parameters": [text, kind, limit],
                            "responses": {**page, "400": ERRORS["400"]}}},
        "/states/": listing("Every state, filterable and sortable", []),
        "/commitments/": listing("Every commitment, filterable and sortable", [
            _query("kind", "Only this kind (Treaty, Declaration...).", {"type": "string"}),
            _query("status", "Only this legal status.", {"type": "string"})]),
    }
