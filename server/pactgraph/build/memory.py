"""What a publication remembers for a process: a bounded cache of answers and whole responses.

The published data cannot change while the server runs, so an answer, once written, can be reused
until the process ends; the cache bounds how much is kept (``cache_max_entries``,
``cache_max_bytes``). The HTTP rules around it (ETag, 304, Cache-Control) are web/caching.py's.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pactgraph.web.middleware.front_cache import CachedResponse


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
        # Keys: the endpoint's digests (str), the front cache's request parts (a tuple).
        self._entries: OrderedDict[Hashable, CachedAnswer | CachedResponse] = OrderedDict()
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

    def entries(self) -> list[CachedAnswer | CachedResponse]:
        """The kept answers and responses, least recently used first: a copy, for tests and
        statistics (reading them does not count as a use)."""
        with self._lock:
            return list(self._entries.values())

    def get(self, key: Hashable) -> CachedAnswer | CachedResponse | None:
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

    def put(self, key: Hashable, answer: CachedAnswer | CachedResponse) -> bool:
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


def bytes_etag(body: bytes) -> str:
    """The ETag of fixed bytes (dumps, the @context): a hash of the bytes themselves."""
    return hashlib.sha256(body).hexdigest()[:32]
