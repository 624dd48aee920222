"""A bounded cache of serialised answers, and the ETag / 304 / Cache-Control rules for them.

The published data cannot change while the server runs, so the answer to a query is a function of
the query text, its dataset parameters, the result media type and the data. That makes answers
cacheable twice over:

- in this process: ``ResponseCache`` keeps the bytes of recent answers, least recently used out
  first, bounded both by the number of entries and by their total size. The same cache holds the
  whole responses of ``front_cache``, which answers a repeated GET (a SPARQL answer or any page)
  before Flask is entered, so the bounds hold for both;
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
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, Request, Response

if TYPE_CHECKING:
    from pactgraph.web.middleware.front_cache import CachedResponse

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


def bytes_etag(body: bytes) -> str:
    """The ETag of fixed bytes (dumps, the @context): a hash of the bytes themselves."""
    return hashlib.sha256(body).hexdigest()[:32]


@dataclass(frozen=True)
class CachedAnswer:
    body: bytes
    content_type: str  # the full header value, charset included
    etag: str


class ResponseCache:
    """Least-recently-used answers, at most ``max_entries`` of them and ``max_bytes`` in total.

    An answer larger than a quarter of ``max_bytes`` is not stored: one huge result would evict
    every small one, and large answers are the ones least likely to be asked for again verbatim.
    Safe to share between the threads of a worker.
    """

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max(0, int(max_entries))
        self.max_bytes = max(0, int(max_bytes))
        self._entries: OrderedDict[str, CachedAnswer | CachedResponse] = OrderedDict()
        # operation key -> result kind ('select', 'ask', 'graph'): which media types are offered
        # depends on the kind, so it is needed before an answer's own key can be formed.
        self._kinds: OrderedDict[str, str] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def total_bytes(self) -> int:
        return self._bytes

    def get(self, key: str) -> CachedAnswer | CachedResponse | None:
        with self._lock:
            answer = self._entries.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return answer

    def kind_of(self, operation_key: str) -> str | None:
        with self._lock:
            kind = self._kinds.get(operation_key)
            if kind is not None:
                self._kinds.move_to_end(operation_key)
            return kind

    def remember_kind(self, operation_key: str, kind: str) -> None:
        if self.max_entries == 0:
            return
        with self._lock:
            self._kinds[operation_key] = kind
            self._kinds.move_to_end(operation_key)
            while len(self._kinds) > self.max_entries:
                self._kinds.popitem(last=False)

    def put(self, key: str, answer: CachedAnswer | CachedResponse) -> bool:
        """Store ``answer``; False if it is too large to keep."""
        size = len(answer.body)
        if self.max_entries == 0 or size > self.max_bytes // 4:
            return False
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= len(previous.body)
            self._entries[key] = answer
            self._bytes += size
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted.body)
        return True


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
    headers["Cache-Control"] = f"public, max-age={max_age}"
    if vary_accept:
        vary = headers.get("Vary")
        if not vary:
            headers["Vary"] = "Accept"
        elif "accept" not in (v.strip().lower() for v in vary.split(",")):
            headers["Vary"] = f"{vary}, Accept"
    return response


def not_modified_response(etag: str, max_age: int, vary_accept: bool = True) -> Response:
    """The 304 for ``etag``: no body, but the headers a cache needs to refresh its copy."""
    return cacheable(Response(status=304), etag, max_age, vary_accept)


def app_response_cache(app: Flask) -> ResponseCache:
    """The answer cache of ``app`` (one per process: gunicorn workers each fill their own)."""
    cache = app.extensions.get("pactgraph.responses")
    if cache is None:
        with _app_lock:
            cache = app.extensions.get("pactgraph.responses")
            if cache is None:
                settings = app.extensions["pactgraph"].settings
                cache = ResponseCache(settings["cache_max_entries"],
                                      settings["cache_max_bytes"])
                app.extensions["pactgraph.responses"] = cache
    return cache


_app_lock = threading.Lock()


