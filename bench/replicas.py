"""Capacity through the caching proxy: requests per second with one, two and three replicas.

    .venv/bin/python bench/replicas.py --duration 10 --rounds 2

Runs the deployment of deploy/ on loopback as tests/test_deployment.py does (tests/deployment.py:
``pactgraph serve`` replicas of one granian worker each, sharing one prebuilt store, behind
Debian's nginx running deploy/nginx/pactgraph.conf), on the bundled data, and drives it through
nginx with bench/loadgen.py for two mixes:

- ``cached``: the example questions, two documents and a dump, over and over: after the first
  round nginx's cache answers nearly all of them (what a news burst of the same pages costs);
- ``unique``: one join query made different on every request, so every request reaches a replica
  (what replicas add).

For the benchmark only, nginx's per-client rate (50 a second) is raised and the replicas' fair
share lifted: the load generator is one client. The numbers of replicas take turns within each
round, so a machine whose load changes during the run changes all of them alike; compare the
ratios, not the figures, on a shared machine. Memory: PSS of each replica's whole process tree
(bench/processes.py), after the load. The table goes to bench/results/replicas.md too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import urllib.parse
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent / "tests")]

import run  # noqa: E402  (bench/run.py: the mixes)
from deployment import deployment  # noqa: E402  (tests/deployment.py)
from loadgen import python_load  # noqa: E402
from processes import tree_memory_bytes  # noqa: E402

MIXES = {
    "cached": [("application/sparql-results+json", "/sparql?" + urllib.parse.urlencode(
        {"query": query})) for query in run.example_queries().values()] + [
        ("text/html", "/doc/treaty/north-atlantic-treaty-1949"),
        ("text/turtle", "/doc/treaty/us-philippines-mdt-1951"),
        ("*/*", "/download/pactgraph.nt")],
    # bench/loadgen.py makes UNIQUEN different in every request.
    "unique": [("application/sparql-results+json", "/sparql?" + urllib.parse.urlencode(
        {"query": run.UNIQUE_QUERY}))],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    results: dict[tuple[int, str], list[dict]] = {}
    memory: dict[int, list[int]] = {}
    with tempfile.TemporaryDirectory(prefix="pactgraph-replicas-") as temporary:
        os.environ["PACTGRAPH_STORE_DIR"] = str(Path(temporary) / "stores")  # built once
        for round_number in range(args.rounds):
            for count in args.replicas:
                site = deployment(Path(temporary) / f"r{round_number}-{count}", count,
                                  "--workers", "1", "--query-per-client-limit", "0")
                site.rate = "100000r/s"
                try:
                    site.start()
                    for mix, requests in MIXES.items():
                        python_load(site.url, requests, 2, args.connections)  # warm up
                        measured = python_load(site.url, requests, args.duration,
                                               args.connections)
                        results.setdefault((count, mix), []).append(measured)
                        print(f"round {round_number + 1}, {count} replica(s), {mix}: "
                              f"{measured['rps']:.0f} req/s, p99 {measured['p99_ms']:.0f} ms, "
                              f"errors {measured['errors']}", flush=True)
                    memory.setdefault(count, []).extend(
                        tree_memory_bytes(replica.process.pid) for replica in site.replicas)
                finally:
                    site.stop()
    text = report(results, memory, args)
    print(text)
    (BENCH / "results").mkdir(exist_ok=True)  # ignored by git, as bench/run.py's results
    (BENCH / "results" / "replicas.md").write_text(text + "\n")
    return 0


def report(results: dict, memory: dict, args: argparse.Namespace) -> str:
    lines = [f"Through nginx, {args.connections} connections, {args.duration:.0f} s per mix, "
             f"{args.rounds} round(s); requests/s median over rounds (each round's figure)",
             "", "| replicas | mix | requests/s | rounds | p99 ms | errors | vs 1 replica |",
             "|---|---|---|---|---|---|---|"]
    for mix in MIXES:
        base = statistics.median(r["rps"] for r in results.get((args.replicas[0], mix), []))
        for count in args.replicas:
            runs = results[(count, mix)]
            rps = statistics.median(r["rps"] for r in runs)
            each = ", ".join(f"{r['rps']:,.0f}" for r in runs)
            lines.append(f"| {count} | {mix} | {rps:,.0f} | {each} | "
                         f"{statistics.median(r['p99_ms'] for r in runs):.0f} | "
                         f"{sum(r['errors'] for r in runs)} | {rps / base:.2f} |")
    lines.append("")
    for count in args.replicas:
        mib = [value / 2**20 for value in memory[count]]
        lines.append(f"memory of one replica (PSS, its process tree) with {count} running: "
                     f"{min(mib):.0f}-{max(mib):.0f} MiB")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
