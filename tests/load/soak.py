"""Soak run: many clients mixing good, bad and runaway queries against `pactgraph serve`.

    .venv/bin/python tests/load/soak.py [--seconds 60] [--clients 16]

Starts the real server (gunicorn, default settings) on a free loopback port, measures the
memory of its whole process tree (gunicorn master, its workers, their query workers) before,
during and after the load, checks a health URL twice a second throughout, then prints a report
(and ``--json`` writes it). Loopback only; bounded by ``--seconds`` plus start-up and settle time.
Not part of the pytest run: it measures, and speed is not asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from processes import free_port, tree_memory_bytes  # noqa: E402 (shared with bench/run.py)

GOOD = [
    "SELECT ?treaty ?label WHERE { ?treaty a pg:MutualDefenseTreaty ; rdfs:label ?label }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "ASK { ?s a pg:MutualDefenseTreaty }",
    "CONSTRUCT WHERE { ?s a pg:MutualDefenseTreaty ; rdfs:label ?l }",
    "SELECT * WHERE { ?s ?p ?o } LIMIT 100",
    "DESCRIBE <https://w3id.org/pactgraph/id/state/PHL>",
]
BAD = [
    "SELECT * WHERE { ?s ?p ",                                  # syntax error
    "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",  # refused
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",                 # an update
    "SELECT * FROM <http://127.0.0.1:9/g> { ?s ?p ?o }",        # remote graph
]
RUNAWAY = [
    "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } ORDER BY ?c ?f ?i ?l",
    "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
]
PAGES = ["/", "/doc/state/PHL", "/def", "/dataset", "/download/pactgraph.ttl", "/id/state/USA"]


def request(url: str, timeout: float = 30) -> tuple[int, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.read()
        error.close()
        status = error.code
    except (urllib.error.URLError, OSError):
        status = 0  # no answer at all
    return status, time.monotonic() - started


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--json", metavar="FILE", help="also write the report as JSON")
    args = parser.parse_args(argv)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    script = Path(sys.executable).with_name("pactgraph")
    command = [str(script) if script.exists() else sys.executable, *(
        [] if script.exists() else ["-m", "pactgraph.cli"]), "serve", "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while request(base + "/-/settings.json", 2)[0] != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                print("the server did not start", file=sys.stderr)
                return 2
            time.sleep(0.3)
        for query in GOOD:  # warm up: every worker process answers once
            request(base + "/sparql?" + urllib.parse.urlencode({"query": query}))
        time.sleep(2)
        baseline = tree_memory_bytes(server.pid) // 1024

        stop = threading.Event()
        lock = threading.Lock()
        outcomes: Counter[str] = Counter()
        latencies: dict[str, list[float]] = {"good": [], "bad": [], "runaway": [], "page": []}
        health: list[tuple[int, float]] = []
        peak = [baseline]

        def client(seed: int) -> None:
            rng = random.Random(seed)
            while not stop.is_set():
                roll = rng.random()
                if roll < 0.03:
                    kind, url = "runaway", "/sparql?" + urllib.parse.urlencode(
                        {"query": rng.choice(RUNAWAY)})
                elif roll < 0.18:
                    kind, url = "bad", "/sparql?" + urllib.parse.urlencode(
                        {"query": rng.choice(BAD)})
                elif roll < 0.35:
                    kind, url = "page", rng.choice(PAGES)
                else:
                    query = rng.choice(GOOD)
                    parameters = {"query": query}
                    if query.startswith("SELECT"):  # a results format; others negotiate
                        parameters["format"] = rng.choice(["json", "csv", "xml", "tsv"])
                    kind, url = "good", "/sparql?" + urllib.parse.urlencode(parameters)
                status, seconds = request(base + url)
                with lock:
                    outcomes[f"{kind} {status}"] += 1
                    latencies[kind].append(seconds)

        def watch() -> None:
            while not stop.is_set():
                health.append(request(base + "/-/settings.json", 10))
                peak[0] = max(peak[0], tree_memory_bytes(server.pid) // 1024)
                time.sleep(0.5)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        watcher = threading.Thread(target=watch)
        started = time.monotonic()
        for thread in [*threads, watcher]:
            thread.start()
        time.sleep(args.seconds)
        stop.set()
        for thread in [*threads, watcher]:
            thread.join(60)
        elapsed = time.monotonic() - started
        time.sleep(10)  # let killed query workers be replaced
        after = tree_memory_bytes(server.pid) // 1024
        healthy_after = request(base + "/sparql?query=ASK%7B%7D")[0] == 200

        served = sum(outcomes.values())
        all_latencies = [s for values in latencies.values() for s in values]
        report = {
            "date": time.strftime("%Y-%m-%d"),
            "cpus": os.cpu_count(),
            "seconds": round(elapsed, 1),
            "clients": args.clients,
            "requests": served,
            "requests_per_second": round(served / elapsed, 1),
            "outcomes": dict(sorted(outcomes.items())),
            "p50_ms": round(percentile(all_latencies, 50) * 1000),
            "p99_ms": round(percentile(all_latencies, 99) * 1000),
            "p99_ms_by_kind": {kind: round(percentile(values, 99) * 1000)
                               for kind, values in latencies.items()},
            "health_checks": len(health),
            "health_failures": sum(1 for status, _ in health if status != 200),
            "health_max_ms": round(max((s for _, s in health), default=0) * 1000),
            "memory_baseline_mib": round(baseline / 1024, 1),
            "memory_peak_mib": round(peak[0] / 1024, 1),
            "memory_after_mib": round(after / 1024, 1),
            "healthy_after": healthy_after,
        }
        print(json.dumps(report, indent=2))
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
        ok = (report["health_failures"] == 0 and healthy_after
              and not any(key.endswith(" 500") or key.endswith(" 0") for key in outcomes))
        return 0 if ok else 1
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


if __name__ == "__main__":
    sys.exit(main())
