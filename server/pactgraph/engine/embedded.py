"""The embedded engine: the prebuilt Oxigraph store, and a pool of query workers for clients.

Client queries go to the pool (engine/pool.py): killable worker processes without a network,
each with a time and a memory limit. The server's own fixed queries (counts for VoID and the
service description) are evaluated in this process on the store, with no limit.
"""

from __future__ import annotations

from pactgraph.engine.base import Answer, Engine, Health, Job
from pactgraph.engine.pool import QueryExecutor
from pactgraph.engine.sandbox import ISOLATED
from pactgraph.engine.store import TripleStore


class EmbeddedEngine(Engine):
    cooperative = True  # the pool waits for its workers on the event loop when called there

    def __init__(self, store: TripleStore, pool: QueryExecutor) -> None:
        self.store = store
        self.pool = pool
        self.graph_names = store.graph_names

    def run(self, job: Job) -> Answer:
        return self.pool.run(job)

    def count(self, pattern: str, variables: str, graph_name: str | None = None) -> int:
        return self.store.count(pattern, variables, graph_name)

    def select(self, query: str) -> list[dict[str, str]]:
        return self.store.rows(query)

    def start(self) -> None:
        self.pool.start()

    def close(self) -> None:
        self.pool.close()

    def health(self) -> Health:
        self.pool.start()
        return Health(running=len(self.pool.pids()), configured=self.pool.limits.workers,
                      network_isolated=self.pool.isolation == ISOLATED,
                      isolation=self.pool.isolation)
