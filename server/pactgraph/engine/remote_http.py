"""The HTTP client of the remote engine: form POSTs to the one configured SPARQL store URL.

One urllib3 pool of kept-alive connections per server process (made on first use, so after
granian forks its workers), a connect timeout of ``CONNECT_SECONDS`` and a read timeout of
``query_time_limit_ms``; no retries, and no other host or path is ever reached: every request goes
to the path of ``engine_url``, with ``assert_same_host``. Used by the remote engine
(engine/remote.py) for client queries and by the start-up read of the published graphs
(engine/remote_read.py).
"""

from __future__ import annotations

import threading
from urllib.parse import urlencode, urlsplit

from pactgraph.engine.remote_answers import ROW_CAP_HEADER, Reply, classify
from pactgraph.errors import LimitExceeded, QueryEngineUnavailable, SettingError

SETTING = "engine_url"
SELECT_ACCEPT = "application/sparql-results+json"
CONNECT_SECONDS = 2.0


class StoreClient:
    """Form POSTs to the SPARQL endpoint ``url``, each read up to a byte budget."""

    def __init__(self, url: str, settings: dict) -> None:
        parts = urlsplit(url or "")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SettingError(f"the {SETTING} setting must be an http or https URL of a SPARQL "
                               f"endpoint, not {url!r}")
        self.url = url
        self.path = parts.path or "/"
        self.time_limit_ms = int(settings["query_time_limit_ms"])
        self.connections = max(2, int(settings["query_workers"]))
        self._pool = None
        self._lock = threading.Lock()
        self._row_cap: dict[int, int | None] = {}  # learnt once per number of rows asked for

    def _http(self):
        with self._lock:
            if self._pool is None:
                import urllib3
                self._pool = urllib3.connection_from_url(
                    self.url, maxsize=self.connections, block=False, retries=False,
                    timeout=urllib3.Timeout(connect=CONNECT_SECONDS,
                                            read=self.time_limit_ms / 1000))
            return self._pool

    def start(self) -> None:
        self._http()

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    def post(self, fields: list[tuple[str, str]], accept: str, budget: int,
             read_seconds: float | None = None) -> tuple[Reply, bool]:
        """POST the form ``fields`` to the store's URL; its reply (at most ``budget`` bytes read)
        and whether it was read to its end."""
        import urllib3
        headers = {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"}
        timeout = urllib3.Timeout(connect=CONNECT_SECONDS, read=read_seconds) \
            if read_seconds else urllib3.util.timeout.Timeout.DEFAULT_TIMEOUT
        try:
            response = self._http().urlopen("POST", self.path, body=urlencode(fields),
                                            headers=headers, preload_content=False,
                                            timeout=timeout, assert_same_host=True)
            body = response.read(budget + 1)
            complete = len(body) <= budget
            if not complete:  # the rest is not read: this connection is not kept
                response.close()
            response.release_conn()
        except urllib3.exceptions.ReadTimeoutError:
            raise LimitExceeded("query_time_limit_ms", f"the SPARQL store did not answer within "
                                f"{self.time_limit_ms} ms, the longest a query may run here. "
                                "Make the query cheaper: add LIMIT or narrow its patterns"
                                ) from None
        except urllib3.exceptions.HTTPError as error:
            raise QueryEngineUnavailable(f"the SPARQL store at {self.url} (the {SETTING} "
                                         f"setting) cannot be reached: {error}") from None
        headers = {name.lower(): value for name, value in response.headers.items()}
        return Reply(response.status, headers, body[:budget]), complete

    def row_cap(self, wanted: int) -> int | None:
        """The row cap of the store, if it cuts answers below ``wanted`` rows (Virtuoso's
        ``ResultSetMaxRows`` cuts a CONSTRUCT silently and says so only on a SELECT): learnt
        once per process, by a SELECT of that many generated rows."""
        if wanted not in self._row_cap:
            values = " ".join(f"VALUES ?v{index} {{0 1 2 3 4 5 6 7 8 9}}"
                              for index in range(len(str(wanted))))
            probe = f"SELECT ?v0 WHERE {{ {values} }} LIMIT {wanted}"
            reply, _ = self.post([("query", probe)], SELECT_ACCEPT, 64 * wanted + 65536)
            classify(reply, SETTING, self.time_limit_ms)
            header = reply.headers.get(ROW_CAP_HEADER.lower())
            self._row_cap[wanted] = (int(header) if header and header.isdigit()
                                     and int(header) < wanted else None)
        return self._row_cap[wanted]
