"""The query workers' memory at rest before and after large answers: whether it comes back.

Serves the fixture site (tests/fixtures/site) from a temporary store folder, no answer cache,
then asks ``--answers`` times for an answer of ~14 MB (900 rows of 16 kB, built by nested
CONCATs), and prints the PSS of the loader's process tree (loader and workers,
bench/processes.py) at rest before and after. Run it on another checkout with
PYTHONPATH=that/server to compare. Measured (2 cores, 8 answers, fixture site): 42 MB before;
38 MB after with workers retired after large answers, 129 MB without (the code before
max_result_bytes). With --bundled: 48 MB before, 42 MB after; 46 -> 132 MB without.

    .venv/bin/python bench/worker_memory.py --answers 8 [--bundled] [--format tsv]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from processes import tree_memory_bytes  # noqa: E402

from pactgraph.web.app import create_app  # noqa: E402
from pactgraph.web.context import executor_for  # noqa: E402

SITE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "site"
LARGE = ('SELECT ?s ?p ?s8 { ?s ?p ?o BIND("' + "x" * 64 + '" AS ?s0) '
         + " ".join(f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(8)) + " } LIMIT 900")


def at_rest(executor) -> float:
    """MB of the workers' process tree once the pool is full and idle."""
    deadline = time.monotonic() + 30
    while executor.idle_workers() < executor.limits.workers and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    return tree_memory_bytes(executor._loader.process.pid) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=8)
    parser.add_argument("--format", default="json")
    parser.add_argument("--bundled", action="store_true",
                        help="serve the bundled data (built first, in a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as store_dir:
        site = {} if args.bundled else {"data_paths": [str(SITE)]}
        app = create_app({**site, "store_dir": store_dir,
                          "cache_max_entries": 0})  # every answer from a worker
        executor = executor_for(app)
        executor.start()
        client = app.test_client()
        for _ in range(4):
            client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o } LIMIT 5"})
        before, pids = at_rest(executor), sorted(executor.pids())
        sizes = [len(client.get("/sparql", query_string={"query": LARGE, "format": args.format})
                     .data) for _ in range(args.answers)]
        after = at_rest(executor)
        print(f"{args.answers} answers of {max(sizes) / 2**20:.1f} MB ({args.format}): worker "
              f"tree PSS at rest {before:.0f} MB before, {after:.0f} MB after; workers "
              f"{pids} -> {sorted(executor.pids())}")
        executor.close()


if __name__ == "__main__":
    main()
