"""Soak run: many clients mixing good, bad and runaway queries against `pactgraph serve`, beside
hostile ones: slowloris, idle connections, slow readers and a client sending runaways back to back.

    .venv/bin/python tests/load/soak.py [--seconds 60] [--clients 16] [--slowloris 50]
        [--idle 100] [--slow-readers 24] [--runaway-senders 2]

Starts the real server (granian, default settings, trusting its loopback proxy so that each soak
client is a client of its own, named by X-Forwarded-For) on a free loopback port, measures the
memory of its whole process tree (parent, granian workers, their query workers) at rest before
the load, at its peak and after, probes /healthz twice a second throughout, then prints a report
(and ``--json`` writes it). The hostile client is one address: its ``--runaway-senders`` threads
send runaway queries back to back (its share of the query workers answers the excess 429).
Loopback only; bounded by ``--seconds`` plus start-up and settle time. Not part of the pytest
run: it measures, and speed is not asserted in tests.
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
from slow_clients import SlowClients  # noqa: E402 (beside this file)

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


HOSTILE = "10.99.0.1"  # the address the runaway senders speak for


def request(url: str, timeout: float = 30, client: str | None = None) -> tuple[int, float]:
    started = time.monotonic()
    headers = {"X-Forwarded-For": client} if client else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                    timeout=timeout) as response:
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
    parser.add_argument("--slowloris", type=int, default=50)
    parser.add_argument("--idle", type=int, default=100)
    parser.add_argument("--slow-readers", type=int, default=24)
    parser.add_argument("--runaway-senders", type=int, default=2)
    parser.add_argument("--json", metavar="FILE", help="also write the report as JSON")
    args = parser.parse_args(argv)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    script = Path(sys.executable).with_name("pactgraph")
    command = [str(script) if script.exists() else sys.executable, *(
        [] if script.exists() else ["-m", "pactgraph.cli"]), "serve", "--port", str(port),
        "--trusted-proxies", "127.0.0.1"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while request(base + "/healthz", 2)[0] != 200:
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
        latencies: dict[str, list[float]] = {"good": [], "bad": [], "runaway": [], "page": [],
                                             "runaway-sender": []}
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
                record(kind, *request(base + url, client=f"10.0.{seed}.1"))

        def record(kind: str, status: int, seconds: float) -> None:
            with lock:
                outcomes[f"{kind} {status}"] += 1
                latencies[kind].append(seconds)

        def send_runaways(seed: int) -> None:
            rng = random.Random(1000 + seed)
            while not stop.is_set():
                url = "/sparql?" + urllib.parse.urlencode({"query": rng.choice(RUNAWAY)})
                record("runaway-sender", *request(base + url, client=HOSTILE))

        def watch() -> None:
            while not stop.is_set():
                health.append(request(base + "/healthz", 20))
                peak[0] = max(peak[0], tree_memory_bytes(server.pid) // 1024)
                time.sleep(0.5)

        threads = [*(threading.Thread(target=client, args=(n,)) for n in range(args.clients)),
                   *(threading.Thread(target=send_runaways, args=(n,))
                     for n in range(args.runaway_senders))]
        watcher = threading.Thread(target=watch)
        slow = SlowClients(port, slowloris=args.slowloris, idle=args.idle,
                           slow_readers=args.slow_readers).start()
        started = time.monotonic()
        for thread in [*threads, watcher]:
            thread.start()
        time.sleep(args.seconds)
        stop.set()
        for thread in [*threads, watcher]:
            thread.join(60)
        elapsed = time.monotonic() - started
        slow.stop()
        time.sleep(10)  # let killed query workers be replaced
        after = tree_memory_bytes(server.pid) // 1024
        healthy_after = request(base + "/sparql?query=ASK%7B%7D")[0] == 200

        served = sum(outcomes.values())
        all_latencies = [s for values in latencies.values() for s in values]
        probes = [s for status, s in health if status == 200]
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
            "answered_429": sum(n for key, n in outcomes.items() if key.endswith(" 429")),
            "answered_503": sum(n for key, n in outcomes.items() if key.endswith(" 503")),
            "slow_connections": {"slowloris": args.slowloris, "idle": args.idle,
                                 "slow_readers": args.slow_readers,
                                 "closed_by_server": slow.closed_by_server},
            "health_checks": len(health),
            "health_failures": len(health) - len(probes),
            "health_p50_ms": round(percentile(probes, 50) * 1000),
            "health_p99_ms": round(percentile(probes, 99) * 1000),
            "health_max_ms": round(max(probes, default=0) * 1000),
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
