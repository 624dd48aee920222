"""What the hop to a query worker costs: one cheap query answered in this process, and the same
through the query pool (engine/pool.py), in processor time per query of the whole process tree.

    .venv/bin/python bench/hop.py [--queries 2000] [--data PATH]

Both write the same answer with the same code (engine/answers.py); the difference is the hand-over
(pickling the job and the answer, two socket messages, the wake-ups of two processes) and what the
worker does around each job (its CPU-time limit, its memory check). Each query is different, so
nothing is remembered; they run one after another (no contention: the cost of the hop itself).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from processes import tree_cpu_seconds  # noqa: E402

from pactgraph import settings as settings_table  # noqa: E402
from pactgraph.build import prebuilt  # noqa: E402
from pactgraph.build.publication import prepare_store  # noqa: E402
from pactgraph.engine.answers import answer  # noqa: E402
from pactgraph.engine.base import Job  # noqa: E402
from pactgraph.engine.pool import Limits, QueryExecutor  # noqa: E402
from pactgraph.engine.store import load_in_memory  # noqa: E402

SRJ = "application/sparql-results+json"
CHEAP = 'SELECT ?s ?p ?o WHERE {{ ?s ?p ?o FILTER(?o != "{n}") }} LIMIT 10'
MEDIA = {"select": SRJ, "ask": SRJ, "graph": "text/turtle"}


def per_query(run, queries: int) -> tuple[float, float]:
    """Microseconds of processor time (this process and its children) and of wall-clock time
    per query."""
    cpu, wall = tree_cpu_seconds(os.getpid()), time.perf_counter()
    for n in range(queries):
        run(CHEAP.format(n=n))
    return ((tree_cpu_seconds(os.getpid()) - cpu) / queries * 1e6,
            (time.perf_counter() - wall) / queries * 1e6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--data", default=None, help="a data folder (default: the bundled data)")
    args = parser.parse_args()
    config = {"data_paths": [args.data]} if args.data else {}
    settings = settings_table.resolve(config)
    folder = prepare_store(settings).folder
    quads = folder / prebuilt.QUADS
    store = load_in_memory(quads)
    limits = Limits.from_settings({**settings, "query_workers": 1})
    caps = (limits.max_rows, limits.max_bytes)

    def in_process(query: str) -> None:
        answer(store, query, MEDIA, caps[0], None, max_bytes=caps[1])

    pool = QueryExecutor(quads, limits)
    pool.start()

    def through_pool(query: str) -> None:
        pool.run(Job(query, media_types=MEDIA))

    try:
        for name, run in (("in process", in_process), ("through the pool", through_pool),
                          ("in process", in_process), ("through the pool", through_pool)):
            run("ASK {}")  # warm
            cpu, wall = per_query(run, args.queries)
            print(f"{name:18} CPU {cpu:7.0f} µs/query   wall {wall:7.0f} µs/query", flush=True)
    finally:
        pool.close()


if __name__ == "__main__":
    main()
