"""When an answer may be kept, under which key, and the ETag / 304 / Cache-Control rules for it.

The published data cannot change while the server runs, so the answer to a query is a function of
the query text, its dataset parameters, the result media type and the data. That makes answers
cacheable twice over:

- in this process: the publication's ``ResponseCache`` (build/memory.py) keeps the bytes of recent
  answers, least recently used out first, bounded both by the number of entries and by their total
  size. The same cache holds the whole responses of ``front_cache``, which answers a repeated GET
  (a SPARQL answer or any page) before Flask is entered, so the bounds hold for both;
- in the client and in shared caches: the ETag of an answer is derived from the data version and
  the request key (not from the bytes), so it is known before evaluating anything, the same in
  every worker process, and the same after a restart on the same data. ``Cache-Control: public``
  lets shared caches keep answers for ``cache_max_age_seconds``.

Only answers produced under every limit are stored (a refused or timed-out query raises before it
reaches ``put``), and queries whose answer may change from one evaluation to the next (``NOW()``,
``RAND()``, ``UUID()``...) are never stored.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from flask import Request, Response, has_request_context, request

from pactgraph import clock

# Functions whose value differs between two evaluations of the same query over the same data.
# The check is textual and errs on not caching (a literal "now(" is enough to bypass the cache).
_VOLATILE = re.compile(r"\b(?:NOW|RAND|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)


_VOLATILE_WORDS = ("now", "rand", "uuid", "bnode")  # STRUUID contains UUID


def is_cacheable_query(text: str) -> bool:
    """Whether every evaluation of ``text`` over the same data gives the same answer."""
    lowered = text.lower()  # a cheap first look: most queries name none of these functions
    if not any(word in lowered for word in _VOLATILE_WORDS):
        return True
    return _VOLATILE.search(text) is None


# SPARQL's white space (the grammar's WS): str.strip() would also strip what the parser refuses,
# such as U+2028 or U+00A0, and "\u2028ASK {}" then shared the cached answer of "ASK {}".
SPARQL_WHITESPACE = " \t\r\n"


def normalise_query(text: str) -> str:
    """The query text as the cache keys it.

    Only what cannot change the meaning is normalised: the white space around it, as the SPARQL
    grammar defines it. White space inside the query may sit in a string literal, so two texts
    differing there are different queries as far as the cache knows (a miss, never a wrong answer).
    """
    return text.strip(SPARQL_WHITESPACE)


def request_key(*parts: str | Iterable[str]) -> str:
    """A fixed-size key for the parts of a request that decide its answer.

    Each part is a string or a sequence of strings (e.g. the default-graph-uri values, in order);
    lengths are written before contents so that no two different requests share an encoding.
    """
    digest = hashlib.sha256()
    for part in parts:
        items = [part] if isinstance(part, str) else ["\x1e", *part]
        for item in items:
            data = item.encode("utf-8")
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)
    return digest.hexdigest()


def make_etag(data_version: str, key: str) -> str:
    """The strong ETag of the answer to request ``key`` over data ``data_version``."""
    return hashlib.sha256(f"{data_version}\n{key}".encode()).hexdigest()[:32]


# --- HTTP: ETag, 304 and Cache-Control ------------------------------------------------------------

def not_modified(request: Request, etag: str) -> bool:
    """Whether a GET/HEAD carries an If-None-Match that ``etag`` matches (weak comparison).

    Only safe methods answer 304 (RFC 9110 13.1.2); a POST is always answered in full.
    """
    if request.method not in ("GET", "HEAD"):
        return False
    return request.if_none_match.contains_weak(etag)


def cacheable(response: Response, etag: str, max_age: int, vary_accept: bool = True) -> Response:
    """Mark ``response`` as the answer with ``etag``, cacheable by anyone for ``max_age`` s.

    The headers are written as text: werkzeug's ``cache_control`` and ``vary`` objects parse and
    re-serialise on every change, which cost more than the rest of serving a cached answer.
    """
    headers = response.headers
    headers["ETag"] = f'"{etag}"'
    headers["Cache-Control"] = cache_control(max_age)
    if vary_accept:
        vary = headers.get("Vary")
        if not vary:
            headers["Vary"] = "Accept"
        elif "accept" not in (v.strip().lower() for v in vary.split(",")):
            headers["Vary"] = f"{vary}, Accept"
    return response


def cache_control(max_age: int) -> str:
    """The Cache-Control of every answer: anyone may keep it, for ``max_age`` seconds."""
    return f"public, max-age={max_age}"


def kept_until_tomorrow(response: Response, settings: dict) -> Response:
    """An answer on "today" may be kept as long as any other, but never past midnight, when
    "today" moves (the front cache's key carries the date for the same reason)."""
    left = clock.seconds_left_today(settings)
    if left is not None and response.status_code in (200, 304):
        longest = int(settings["cache_max_age_seconds"])
        response.headers["Cache-Control"] = cache_control(min(left, longest))
        # The front cache may answer it again later today: with the time left then.
        if has_request_context():
            request.environ[UNTIL_MIDNIGHT] = longest
    return response


UNTIL_MIDNIGHT = "pactgraph.until_midnight"  # environ: kept until midnight, at most this long


def max_age_left(longest: int) -> str:
    """The Cache-Control of an answer on "today" sent again now (web/middleware/front_cache.py)."""
    return cache_control(min(longest, clock.seconds_left_today({}) or longest))


def not_modified_response(etag: str, max_age: int, vary_accept: bool = True) -> Response:
    """The 304 for ``etag``: no body, but the headers a cache needs to refresh its copy."""
    return cacheable(Response(status=304), etag, max_age, vary_accept)
