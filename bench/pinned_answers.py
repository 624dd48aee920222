"""The example questions through a query pool, pinned (engine/pinned.py) and evaluated.

    .venv/bin/python bench/pinned_answers.py [--scales 80] [--rounds 5] [--work DIR]

For each scale, one pool (the server's defaults: 2 workers, max_result_rows 10,000) over the
published store's N-Quads (built as bench/questions_at_scale.py builds it, and kept in ``--work``)
pins the example questions' answers, then answers each question, alternating round by round:

- as the pages link it (``Example.runnable``): read back from the pinned answers;
- the same question with one unused PREFIX line more, which no longer reads as an example
  question: evaluated, as before pinning.

Both are timed from ``run`` to the written answer (SPARQL JSON, at most 10,000 rows), in wall-clock
milliseconds: the worker's time and the hand-over, everything but HTTP. The median of ``--rounds``
and the ratio are printed; the answers are checked to be the same bytes.

With ``--served DATA STORE_DIR`` it asks ``pactgraph serve`` the same (on the data folder ``DATA``,
its prebuilt store in ``STORE_DIR``, built first if need be), by GET, timing each request until
the last byte of its answer has arrived; each text carries a comment line of its own, so that
no answer comes from the server's memory of answers.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from questions_at_scale import published_quads

from pactgraph import settings as settings_table
from pactgraph.build.examples import load_examples
from pactgraph.engine.base import Job
from pactgraph.engine.pinned import Pins
from pactgraph.engine.pool import Limits, QueryExecutor
from pactgraph.engine.results import RESULTS_JSON

UNUSED_PREFIX = "PREFIX unused: <http://example.org/unused#>\n"


def timed(pool: QueryExecutor, text: str) -> tuple[float, bytes]:
    started = time.monotonic()
    answer = pool.run(Job(text, media_types={"select": RESULTS_JSON}))
    return time.monotonic() - started, answer.body


def fetched(port: int, text: str) -> tuple[float, bytes]:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.request("GET", "/sparql?" + urllib.parse.urlencode({"query": text}),
                       headers={"Accept": RESULTS_JSON})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert response.status == 200, (response.status, body[:300])
    return time.monotonic() - started, body


def served(data: Path, store_dir: Path, rounds: int) -> tuple[dict, dict]:
    """Each question's seconds through ``pactgraph serve``, pinned and evaluated."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([str(Path(sys.executable).with_name("pactgraph")), "serve",
                               "--port", str(port), "--data", str(data), "--store-dir",
                               str(store_dir), "--query-time-limit-ms", "600000",
                               "--query-memory-limit-mb", "0"])
    try:
        while True:
            try:
                fetched(port, "ASK {}")
                break
            except (OSError, AssertionError):
                time.sleep(1)
        examples = load_examples().all
        pinned_files = list(store_dir.glob("*/pinned/*/*/*.tsv"))
        while len(pinned_files) < len(examples):
            time.sleep(1)
            pinned_files = list(store_dir.glob("*/pinned/*/*/*.tsv"))
        return asked(examples, rounds, lambda text, n: fetched(port, f"# round {n}\n{text}"))
    finally:
        server.terminate()
        server.wait(60)


def asked(examples, rounds: int, ask) -> tuple[dict, dict]:
    """{id: [seconds]} pinned and evaluated, the two alternating, ``ask(text, round)``."""
    pinned: dict[str, list[float]] = {e.id: [] for e in examples}
    evaluated: dict[str, list[float]] = {e.id: [] for e in examples}
    for number in range(rounds):
        for example in examples:
            seconds, body = ask(example.runnable, number)
            pinned[example.id].append(seconds)
            seconds, same = ask(UNUSED_PREFIX + example.runnable, number)
            evaluated[example.id].append(seconds)
            assert body == same, example.id
    return pinned, evaluated


def table(examples, pinned: dict, evaluated: dict) -> None:
    print("| question | evaluated, ms | pinned, ms | evaluated ÷ pinned |")
    print("|---|---:|---:|---:|")
    for example in examples:
        slow, fast = (statistics.median(found[example.id]) * 1000
                      for found in (evaluated, pinned))
        print(f"| {example.id} | {slow:,.1f} | {fast:,.1f} | {slow / fast:,.0f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="80")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "pactgraph-pages")
    parser.add_argument("--served", nargs=2, type=Path, metavar=("DATA", "STORE_DIR"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    examples = load_examples().all
    if args.served:
        print("\nthrough pactgraph serve, GET, until the last byte\n")
        table(examples, *served(*args.served, args.rounds))
        return
    limits = Limits.from_settings({**settings_table.DEFAULTS, "query_time_limit_ms": 600_000,
                                   "query_memory_limit_mb": 0})
    for scale in (int(s) for s in args.scales.split(",")):
        quads = published_quads(args.work, scale)
        with tempfile.TemporaryDirectory() as folder:
            pins = Pins.of(Path(folder), [example.text for example in examples])
            started = time.monotonic()
            pool = QueryExecutor(quads, limits, pins)
            pool.start()
            while len(list(pins.folder.rglob("*.tsv"))) < len(examples):
                time.sleep(0.1)
            print(f"\n{scale}x: pool ready and every question pinned in "
                  f"{time.monotonic() - started:,.0f} s\n")
            pinned, evaluated = asked(examples, args.rounds,
                                      lambda text, _, pool=pool: timed(pool, text))
            pool.close()
        table(examples, pinned, evaluated)


if __name__ == "__main__":
    main()
