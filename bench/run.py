"""Side-by-side benchmark: pactgraph against the engines a publisher would otherwise deploy.

    .venv/bin/pip install -e '.[bench]'   # once; and `apt-get install -y wrk` if you can
    .venv/bin/python bench/run.py --duration 10
    # writes bench/results/results.md, results.json and chart.png

Systems, each on a free 127.0.0.1 port, all on the same quads (those pactgraph serves: the
ontology, the data, the derived obligations and the entailed triples, each a named graph, queried
through their union):

- pactgraph as deployed: ``pactgraph serve`` with its default settings (granian workers and
  threads as in ``serve.ServerOptions``), as the README starts it;
- ``oxigraph serve-read-only`` (Rust, from the ``oxigraph`` package), after ``oxigraph load``;
- rdflib-endpoint (FastAPI + rdflib) under uvicorn;
- the ceiling: a constant-response Flask app behind the same server and front as pactgraph;
- the bare ceiling: a bare WSGI callable returning a constant body under granian (bench/bare.py),
  what the HTTP server alone can do.

Throughput: every system gets the same load (wrk, or the Python generator in loadgen.py when wrk is
missing) for ``--duration`` seconds per mix, the systems alternating, ``--rounds`` times:

- ``cached``: the example questions (queries/*.rq) plus two resource documents and a dump, repeated;
  oxigraph and rdflib-endpoint answer the documents with DESCRIBE and the dump with their own dump
  (oxigraph's /store) or a CONSTRUCT of everything;
- ``repeated``: one example question (``queries/06-in-force-on-date.rq``, a small answer) asked
  over and over: the cost of the stack around an answer it remembers, beside the bare ceiling's
  constant body (issue 15's "repeated questions" target);
- ``cheap``: a cheap query different on every request (``?s ?p ?o FILTER(?o != "…") LIMIT 10``),
  as the issue that set the targets measured oxigraph with: the cost of the stack around a query;
- ``join``: one join query made unique per request (a FILTER on a never-matching string), so no
  cache can help (before issue 15 the only unique mix, named ``unique``).

Besides requests/s, each mix records the server's processor time per request: the user and system
time of the whole process tree (granian, its workers, the query workers, their loader) over the
run divided by the requests answered. On a machine shared with other work it is steadier than
requests/s; the load generator's own time is not in it. ``--systems`` and ``--throughput-only``
make a short run of the mixes alone.

Scale: for each ``--scales`` factor, synthetic data (``pactgraph synth``), then pactgraph's
start-up (the first start validates and builds the store; the next loads the prebuilt store), the
memory of its process tree (PSS: shared pages counted once), and the latency of each example
question made unique (a trailing comment), beside oxigraph's.

Shutdown: how long pactgraph takes to stop after use, by SIGTERM and by Ctrl-C, and whether it
stops cleanly (bench/shutdown.py), ``--shutdown-runs`` times each (``--shutdown-only``: just that).

Every wait is bounded; every process started here is stopped here, by its process group.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(BENCH))

from loadgen import python_load  # noqa: E402
from processes import free_port, tree_cpu_seconds, tree_memory_bytes  # noqa: E402
from shutdown import STOPS, stop_once  # noqa: E402
from shutdown import markdown as shutdown_markdown  # noqa: E402
from shutdown import summary as shutdown_summary  # noqa: E402

from pactgraph import settings as settings_table  # noqa: E402
from pactgraph.build import prebuilt  # noqa: E402
from pactgraph.build.publication import prepare_store  # noqa: E402
from pactgraph.namespaces import PREFIXES  # noqa: E402
from pactgraph.web.server import HEADER_READ_TIMEOUT_MS, ServerOptions  # noqa: E402

JSON_RESULTS = "application/sparql-results+json"
TURTLE = "text/turtle"
BASE = "https://w3id.org/pactgraph/"
PROLOGUE = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
RESOURCES = ("treaty/north-atlantic-treaty-1949", "treaty/us-philippines-mdt-1951")
UNIQUE_QUERY = PROLOGUE + """SELECT ?treaty ?label (COUNT(?membership) AS ?members) WHERE {
  ?treaty a pg:MutualDefenseTreaty ; rdfs:label ?label .
  OPTIONAL { ?membership pg:membershipOf ?treaty }
  FILTER (?label != "UNIQUEN")
} GROUP BY ?treaty ?label ORDER BY DESC(?members) ?label"""
CHEAP_QUERY = 'SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(?o != "UNIQUEN") } LIMIT 10'
START_TIMEOUT = 900  # seconds; a first start at 100x validates ~180,000 triples with pySHACL


def example_queries() -> dict[str, str]:
    """The example questions, less their whole-line comments: sent by GET, as the mixes send them,
    the longest (01c) would pass the 8,190-byte limit on a request target (a 414, not an answer)."""
    return {path.stem: PROLOGUE + "".join(
                line for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
                if not line.lstrip().startswith("#"))
            for path in sorted((ROOT / "queries").glob("*.rq"))}


# --- Processes -----------------------------------------------------------------------------------

@dataclass
class Running:
    name: str
    url: str
    process: subprocess.Popen
    startup_s: float
    log: Path
    query_path: str = "/sparql"
    paths: Callable[[str], list[tuple[str, str]]] | None = None

    def memory(self) -> int:
        return tree_memory_bytes(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the group this script started
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def get(url: str, accept: str = JSON_RESULTS, timeout: float = 60) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def start(name: str, argv: list[str], port: int, ready_path: str, logs: Path,
          env: dict[str, str] | None = None, query_path: str = "/sparql") -> Running:
    """Start ``argv`` in its own process group and wait until ``ready_path`` answers 200."""
    log = logs / f"{name}.log"
    began = time.monotonic()
    with log.open("ab") as sink:
        process = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT,
                                   env={**os.environ, **(env or {})}, start_new_session=True)
    running = Running(name, f"http://127.0.0.1:{port}", process, 0.0, log, query_path)
    deadline = began + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}; see {log}")
        try:
            status, _ = get(running.url + ready_path, timeout=5)
            if status == 200:
                running.startup_s = time.monotonic() - began
                return running
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.05)
    running.stop()
    raise RuntimeError(f"{name} did not answer within {START_TIMEOUT} s; see {log}")


def ask_path(query_path: str) -> str:
    return query_path + "?query=" + urllib.parse.quote("ASK { ?s ?p ?o }")


def start_pactgraph(data_dir: Path | None, logs: Path, store_dir: Path) -> Running:
    port = free_port()
    # The README's settings, but for the fair share: all the load comes from one address, which
    # the deployed server would hold to one query at a time (429 for the rest).
    argv = [str(BIN / "pactgraph"), "serve", "--port", str(port), "--query-per-client-limit", "64"]
    if data_dir is not None:
        argv += ["--data", str(data_dir)]
    env = {"PACTGRAPH_STORE_DIR": str(store_dir)}
    return start("pactgraph", argv, port, ask_path("/sparql"), logs, env)


def served_quads(data_dir: Path | None, store_dir: Path) -> Path:
    """The N-Quads file pactgraph's query workers load for ``data_dir``: the ontology, the data,
    the derived obligations and the entailed triples, each in its graph; the other systems load
    it too. Found (or built first) as `pactgraph serve` finds its prebuilt store."""
    overrides = {"store_dir": str(store_dir)}
    if data_dir is not None:
        overrides["data_paths"] = [str(data_dir)]
    return prepare_store(settings_table.resolve(overrides)).folder / prebuilt.QUADS


def load_oxigraph(location: Path, quads: Path | None, data_dir: Path | None = None) -> float:
    """``oxigraph load`` of the quads pactgraph serves (``served_quads``); returns seconds taken.
    Without them (a scale pactgraph is not started at, so has no prebuilt store), the ontology
    and the data files, each in its named graph, without the derived obligations and entailed
    triples. Until 3 December 2026 it always loaded the files: question 10, which reads the
    derived obligations, had no rows on oxigraph, and its store held a third of pactgraph's."""
    shutil.rmtree(location, ignore_errors=True)
    began = time.monotonic()
    oxigraph = str(BIN / "oxigraph")
    if quads is not None:
        loads = [["--file", str(quads)]]
    else:
        loads = [["--graph", BASE + "graph/ontology",
                  "--file", *map(str, sorted((ROOT / "ontology").glob("*.ttl")))],
                 ["--graph", BASE + "graph/data",
                  "--file", *map(str, sorted((data_dir or ROOT / "data").rglob("*.ttl")))]]
    for load in loads:
        subprocess.run([oxigraph, "load", "--location", str(location), *load],
                       check=True, capture_output=True, timeout=1200)
    subprocess.run([oxigraph, "optimize", "--location", str(location)],
                   check=True, capture_output=True, timeout=600)
    return time.monotonic() - began


def start_oxigraph(location: Path, logs: Path, timeout_s: int | None = 5) -> Running:
    """``oxigraph serve-read-only``; with ``timeout_s=None`` as issue 15 measured it, without a
    query time limit. Its limit starts a thread per query that lives as long as the limit: at
    5,000 requests/s that is 25,000 threads, past the kernel's default count of memory maps
    (``vm.max_map_count``), and the server then fails most requests ("failed to set up
    alternative stack guard page", measured 2 December 2026)."""
    port = free_port()
    argv = [str(BIN / "oxigraph"), "serve-read-only", "--location", str(location),
            "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
    if timeout_s is not None:
        argv += ["--timeout-s", str(timeout_s)]
    return start("oxigraph", argv, port, ask_path("/query"), logs, query_path="/query")


def start_rdflib_endpoint(quads: Path, logs: Path) -> Running:
    port = free_port()
    files = [quads]
    argv = [str(BIN / "uvicorn"), "--app-dir", str(BENCH), "rdflib_endpoint_app:app",
            "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level",
            "warning"]
    env = {"BENCH_RDF_FILES": os.pathsep.join(map(str, files))}
    return start("rdflib-endpoint", argv, port, ask_path("/"), logs, env, query_path="/")


def start_ceiling(logs: Path) -> Running:
    port = free_port()
    served = ServerOptions()  # what `pactgraph serve` runs with by default
    argv = [str(BIN / "granian"), "--working-dir", str(BENCH), "--host", "127.0.0.1", "--port",
            str(port), "--workers", str(served.workers), "--interface", "rsgi", "--http", "1",
            "--no-ws", "--http1-header-read-timeout", str(HEADER_READ_TIMEOUT_MS),
            "ceiling:front"]
    return start("ceiling", argv, port, "/sparql", logs)


def start_bare(logs: Path) -> Running:
    port = free_port()
    served = ServerOptions()
    argv = [str(BIN / "granian"), "--working-dir", str(BENCH), "--host", "127.0.0.1", "--port",
            str(port), "--workers", str(served.workers), "--interface", "wsgi", "--http", "1",
            "--no-ws", "bare:app"]
    return start("bare", argv, port, "/sparql", logs)


# --- The request mixes ---------------------------------------------------------------------------

def query_request(system: Running, query: str, accept: str = JSON_RESULTS) -> tuple[str, str]:
    return accept, system.query_path + "?query=" + urllib.parse.quote(query, safe="")


RDFLIB_PROBE = """
import sys, time
from rdflib import Dataset
graph = Dataset(default_union=True)
for path in sys.argv[2:]:
    graph.parse(path)
for name in sys.argv[1].split(","):
    began = time.monotonic()
    list(graph.query(open(name, encoding="utf-8").read()))
    print(name, time.monotonic() - began, flush=True)
"""
SLOW_FOR_RDFLIB: set[str] = set()  # example questions rdflib cannot answer within the probe's limit


def probe_rdflib(limit_s: float, work: Path, quads: Path) -> set[str]:
    """The example questions rdflib takes longer than ``limit_s`` to answer, found in a child
    process that is killed at the limit: a runaway query inside rdflib-endpoint would keep a core
    busy for minutes while the other systems are measured."""
    files = [quads]
    pending = dict(example_queries())
    slow: set[str] = set()
    for _ in range(len(pending) + 1):  # each pass answers or excludes at least one question
        if not pending:
            break
        paths = []
        for name, query in pending.items():
            path = work / f"{name}.rq"
            path.write_text(query, encoding="utf-8")
            paths.append(str(path))
        process = subprocess.Popen([sys.executable, "-c", RDFLIB_PROBE, ",".join(paths),
                                    *map(str, files)], stdout=subprocess.PIPE, text=True)
        try:
            out, _ = process.communicate(timeout=limit_s * 2 + 10 * len(pending))
        except subprocess.TimeoutExpired:
            process.kill()
            out, _ = process.communicate()
        done = {Path(line.split()[0]).stem: float(line.split()[1]) for line in out.splitlines()}
        for name, seconds in done.items():
            pending.pop(name)
            if seconds > limit_s:
                slow.add(name)
        if pending and process.returncode != 0:
            slow.add(next(iter(pending)))  # the one it was stuck on
            pending.pop(next(iter(pending)))
    return slow


def cached_mix(system: Running) -> list[tuple[str, str]]:
    """The example questions, two resource documents (Turtle, HTML) and a full dump."""
    requests = [query_request(system, query) for name, query in example_queries().items()
                if system.name != "rdflib-endpoint" or name not in SLOW_FOR_RDFLIB]
    if system.name in ("pactgraph", "ceiling", "bare"):
        requests += [(TURTLE, f"/doc/{RESOURCES[0]}.ttl"), ("text/html", f"/doc/{RESOURCES[1]}"),
                     (TURTLE, "/download/pactgraph.ttl")]
    else:
        requests += [query_request(system, f"DESCRIBE <{BASE}id/{rest}>", TURTLE)
                     for rest in RESOURCES]
        if system.name == "oxigraph":
            requests.append(("application/n-quads", "/store"))
        else:
            requests.append(query_request(system, "CONSTRUCT WHERE { ?s ?p ?o }", TURTLE))
    return requests


def repeated_mix(system: Running) -> list[tuple[str, str]]:
    return [query_request(system, example_queries()["06-in-force-on-date"])]


def cheap_mix(system: Running) -> list[tuple[str, str]]:
    return [query_request(system, CHEAP_QUERY)]


def join_mix(system: Running) -> list[tuple[str, str]]:
    return [query_request(system, UNIQUE_QUERY)]


MIXES = {"cached": cached_mix, "repeated": repeated_mix, "cheap": cheap_mix, "join": join_mix}


def check_answers(system: Running, requests: list[tuple[str, str]]) -> list[str]:
    """Every request of the mix answers 200 before it is timed; returns problems found."""
    problems = []
    for accept, path in requests:
        status, body = get(system.url + path.replace("UNIQUEN", "check"), accept)
        if status != 200:
            problems.append(f"{system.name} {path[:80]}: HTTP {status} {body[:200]!r}")
    return problems


def row_counts(system: Running) -> dict[str, int]:
    counts = {}
    for name, query in example_queries().items():
        if system.name == "rdflib-endpoint" and name in SLOW_FOR_RDFLIB:
            continue
        status, body = get(system.url + query_request(system, query)[1])
        counts[name] = len(json.loads(body)["results"]["bindings"]) if status == 200 else -1
    return counts


def drive(system: Running, mix: str, duration: float, connections: int, threads: int,
          work: Path) -> dict:
    requests = MIXES[mix](system)
    table = work / f"{system.name}-{mix}.tsv"
    table.write_text("".join(f"{accept}\t{path}\n" for accept, path in requests))
    cpu_before = tree_cpu_seconds(system.process.pid)
    sample = _load(system, table, requests, duration, connections, threads)
    used = tree_cpu_seconds(system.process.pid) - cpu_before
    sample["cpu_us_per_request"] = used / max(1, sample["requests"]) * 1e6
    return sample


def _load(system: Running, table: Path, requests: list[tuple[str, str]], duration: float,
          connections: int, threads: int) -> dict:
    if shutil.which("wrk"):
        completed = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(duration))}s",
             "--timeout", "10s", "-s", str(BENCH / "mix.lua"), system.url, "--", str(table)],
            capture_output=True, text=True, timeout=duration + 60, check=True)
        summary = json.loads(completed.stdout.strip().splitlines()[-1])
        seconds = summary["duration_us"] / 1e6
        errors = sum(summary[k] for k in ("connect", "read", "write", "status", "timeout"))
        return {"rps": summary["requests"] / seconds, "p50_ms": summary["p50_us"] / 1000,
                "p99_ms": summary["p99_us"] / 1000, "errors": errors,
                "requests": summary["requests"]}
    return python_load(system.url, requests, duration, connections)


# --- Latency at scale ----------------------------------------------------------------------------

def question_latencies(system: Running, runs: int = 3) -> dict[str, float]:
    """Median milliseconds per example question, each run made unique so no cache answers it."""
    result = {}
    for name, query in example_queries().items():
        timings = []
        for run in range(runs):
            path = query_request(system, f"{query}\n# bench {time.time_ns()} {run}")[1]
            began = time.perf_counter()
            status, _ = get(system.url + path)
            timings.append((time.perf_counter() - began) * 1000)
            if status != 200:  # stopped by a time limit: at least as slow as the limit
                FAILED.add((system.name, name, status))
        result[name] = statistics.median(timings)
    return result


FAILED: set[tuple[str, str, int]] = set()  # (system, question, HTTP status) seen at some scale


def synth(scale: int, folder: Path) -> Path | None:
    if scale == 1:
        return None
    target = folder / f"scale-{scale}"
    if not (target / "synthetic").exists():
        subprocess.run([str(BIN / "pactgraph"), "synth", "--scale", str(scale), "--output",
                        str(target)], check=True, timeout=600)
    return target


@dataclass
class ScaleRow:
    scale: int
    triples: int
    first_start_s: float | None
    start_s: float
    memory_mb: float
    latencies: dict[str, float]
    oxigraph_load_s: float
    oxigraph_start_s: float
    oxigraph_memory_mb: float
    oxigraph_latencies: dict[str, float] = field(default_factory=dict)


def count_triples(system: Running) -> int:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    _, body = get(system.url + query_request(system, query)[1])
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def measure_scale(scale: int, work: Path, logs: Path, store_dir: Path,
                  pactgraph_scales: set[int]) -> ScaleRow:
    data_dir = synth(scale, work / "data")
    first = None
    latencies: dict[str, float] = {}
    start_s = memory = float("nan")
    if scale in pactgraph_scales:
        before = set(store_dir.glob("*")) if store_dir.exists() else set()
        server = start_pactgraph(data_dir, logs, store_dir)
        if set(store_dir.glob("*")) - before:  # this start validated and built a new store
            first = server.startup_s
        server.stop()
        server = start_pactgraph(data_dir, logs, store_dir)  # now from the prebuilt store
        start_s, memory = server.startup_s, server.memory() / 2**20
        latencies = question_latencies(server)
        server.stop()
    location = work / f"oxigraph-{scale}"
    quads = served_quads(data_dir, store_dir) if scale in pactgraph_scales else None
    load_s = load_oxigraph(location, quads, data_dir)
    oxigraph = start_oxigraph(location, logs)
    try:
        triples = count_triples(oxigraph)
        row = ScaleRow(scale, triples, first, start_s, memory, latencies, load_s,
                       oxigraph.startup_s, oxigraph.memory() / 2**20, question_latencies(oxigraph))
    finally:
        oxigraph.stop()
        shutil.rmtree(location, ignore_errors=True)
    return row


def measure_shutdown(logs: Path, store_dir: Path, runs: int) -> dict[str, dict]:
    """Start pactgraph ``runs`` times per way of stopping it; use it and stop it that way."""
    results = {}
    for stop in STOPS:
        samples = []
        for _ in range(runs):
            server = start_pactgraph(None, logs, store_dir)
            try:
                samples.append(stop_once(server.process, server.url, server.log, stop))
            finally:
                server.stop()  # if stop_once failed before stopping it
        results[stop] = shutdown_summary(samples)
        print(f"shutdown by {stop}: {results[stop]}", flush=True)
    return results


# --- Report --------------------------------------------------------------------------------------

def summarise(samples: list[dict]) -> dict:
    """Rounds combined: requests/s averaged, latencies as the median of the rounds' values."""
    return {"rps": statistics.mean(s["rps"] for s in samples),
            "p50_ms": statistics.median(s["p50_ms"] for s in samples),
            "p99_ms": statistics.median(s["p99_ms"] for s in samples),
            "errors": sum(s["errors"] for s in samples),
            "cpu_us_per_request": statistics.median(s["cpu_us_per_request"] for s in samples),
            "rounds": [round(s["rps"]) for s in samples]}


def _number(value: float | None, digits: int) -> str:
    """``value`` rounded, or a dash where it was not measured."""
    if value is None or value != value:  # None or NaN
        return "—"
    return f"{value:,.{digits}f}"


def markdown(results: dict) -> str:
    lines = [f"Machine: {results['machine']}; {results['date']}; load: {results['load']}.", ""]
    lines += ["| mix | system | requests/s (per round) | p50 ms | p99 ms | errors "
              "| server CPU µs/request |", "|---|---|---|---|---|---|---|"]
    for mix, systems in results["throughput"].items():
        for name, row in systems.items():
            rounds = ", ".join(f"{r:,}" for r in row["rounds"])
            lines.append(f"| {mix} | {name} | {row['rps']:,.0f} ({rounds}) | {row['p50_ms']:.2f} "
                         f"| {row['p99_ms']:.2f} | {row['errors']} "
                         f"| {row['cpu_us_per_request']:,.0f} |")
    lines += ["", "pactgraph ÷ each other system, requests/s (and server CPU per request, the "
              "other's ÷ pactgraph's: above 1 is pactgraph cheaper):", "",
              "| ratio | " + " | ".join(f"{mix} mix" for mix in results["ratios"]) + " |",
              "|---|" + "---|" * len(results["ratios"])]
    others = sorted({o for row in results["ratios"].values() for o in row})
    for other in others:
        cells = []
        for row in results["ratios"].values():
            if other in row:
                rps, cpu = row[other]
                cells.append(f"{rps:.2f} ({cpu:.2f})")
            else:
                cells.append("—")
        lines.append(f"| pactgraph ÷ {other} | " + " | ".join(cells) + " |")
    lines += ["", "Targets (issue 15): repeated ÷ bare ≥ 0.5 (the cached mix also sends "
              "megabytes of documents and dumps, the bare app 100 bytes); cheap ÷ oxigraph ≥ "
              "0.5; join ÷ oxigraph ≥ 1.0."]
    if results["scales"]:
        lines += ["", "| scale | triples | pactgraph first start s | start from prebuilt store s "
                  "| memory MB | slowest question ms | median question ms | oxigraph load s "
                  "| oxigraph start s | oxigraph memory MB | oxigraph slowest ms |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for row in results["scales"]:
            lat, olat = row["latencies"].values(), row["oxigraph_latencies"].values()
            first = "—" if row["first_start_s"] is None else f"{row['first_start_s']:.1f}"
            lines.append(
                f"| {row['scale']}× | {row['triples']:,} | {first} | {_number(row['start_s'], 2)} "
                f"| {_number(row['memory_mb'], 0)} | {_number(max(lat, default=None), 1)} | "
                f"{_number(statistics.median(lat) if lat else None, 1)} | "
                f"{row['oxigraph_load_s']:.1f} | {row['oxigraph_start_s']:.2f} | "
                f"{row['oxigraph_memory_mb']:.0f} | {max(olat, default=float('nan')):.1f} |")
    if results["scales"]:
        lines += ["", "Per question, ms (uncached; pactgraph / oxigraph):", "",
                  "| question | " + " | ".join(f"{r['scale']}×" for r in results["scales"]) + " |",
                  "|---|" + "---|" * len(results["scales"])]
        for name in example_queries():
            cells = []
            for row in results["scales"]:
                mine = row["latencies"].get(name)
                theirs = row["oxigraph_latencies"].get(name)
                cells.append(("—" if mine is None else f"{mine:.0f}")
                             + " / " + ("—" if theirs is None else f"{theirs:.0f}"))
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    if results.get("shutdown"):
        lines += ["", *shutdown_markdown(results["shutdown"])]
    if results["problems"]:
        lines += ["", "Problems seen while checking answers:", *[f"- {p}" for p in
                                                                  results["problems"]]]
    return "\n".join(lines) + "\n"


def chart(results: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    mixes = list(results["throughput"])
    names = list(results["throughput"][mixes[0]])
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        values = [results["throughput"][mix][name]["rps"] for mix in mixes]
        left.bar([m + i * width for m in range(len(mixes))], values, width, label=name)
    left.set_xticks([m + width * (len(names) - 1) / 2 for m in range(len(mixes))], mixes)
    left.set_ylabel("requests/s")
    left.set_title("Throughput (higher is better)")
    left.legend()
    scales = results["scales"]
    if scales:
        xs = [row["scale"] for row in scales]
        for key, label in (("latencies", "pactgraph"), ("oxigraph_latencies", "oxigraph")):
            medians = [statistics.median(row[key].values()) if row[key] else float("nan")
                       for row in scales]
            slowest = [max(row[key].values(), default=float("nan")) for row in scales]
            line, = right.plot(xs, medians, marker="o", label=f"{label}, median question")
            right.plot(xs, slowest, marker="x", linestyle=":", color=line.get_color(),
                       label=f"{label}, slowest (5 s = stopped)")
        right.axhline(100, linestyle="--", color="grey", label="100 ms bar")
        right.set_xscale("log")
        right.set_yscale("log")
        right.set_xlabel("data scale (× bundled)")
        right.set_ylabel("ms (uncached)")
        right.set_title("Question latency as data grows")
        right.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds per mix and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="load-generator threads")
    parser.add_argument("--scales", default="1,10,100,1000",
                        help="data scales for start-up, memory and latency (oxigraph at each)")
    parser.add_argument("--pactgraph-scales", default="1,10,100",
                        help="scales at which pactgraph is started too (its first start at a "
                             "scale validates: about 10 minutes at 100x, hours at 1000x)")
    parser.add_argument("--shutdown-runs", type=int, default=3,
                        help="stops timed per way of stopping pactgraph (SIGTERM, Ctrl-C)")
    parser.add_argument("--shutdown-only", action="store_true",
                        help="only time pactgraph's stops, and print them")
    parser.add_argument("--systems", default="pactgraph,oxigraph,rdflib-endpoint,ceiling,bare",
                        help="the systems whose throughput is measured (pactgraph always)")
    parser.add_argument("--mixes", default=",".join(MIXES), help="the request mixes to run")
    parser.add_argument("--throughput-only", action="store_true",
                        help="measure the mixes only: no scales, no shutdown timings")
    parser.add_argument("--output", type=Path, default=BENCH / "results")
    args = parser.parse_args(argv)
    scales = [] if args.throughput_only else [int(s) for s in args.scales.split(",") if s]
    systems = {"pactgraph", *args.systems.split(",")}
    mixes = {m: MIXES[m] for m in args.mixes.split(",")}
    pactgraph_scales = {int(s) for s in args.pactgraph_scales.split(",") if s}
    output: Path = args.output
    output.mkdir(parents=True, exist_ok=True)
    logs = output / "logs"
    logs.mkdir(exist_ok=True)
    store_dir = output / "store"  # pactgraph's prebuilt stores, kept between runs
    work = output / "work"
    work.mkdir(exist_ok=True)
    if args.shutdown_only:
        print("\n".join(shutdown_markdown(measure_shutdown(logs, store_dir, args.shutdown_runs))))
        return 0

    results: dict = {"machine": f"{os.cpu_count()} cores, {os.uname().machine}, "
                                f"Python {sys.version.split()[0]}",
                     "date": time.strftime("%Y-%m-%d"),
                     "load": (f"wrk {args.threads} threads x {args.connections} connections"
                              if shutil.which("wrk") else
                              f"Python generator, {args.connections} connections")
                     + f", {args.duration:g} s per mix x {args.rounds} rounds",
                     "throughput": {}, "ratios": {}, "scales": [], "problems": []}
    running: list[Running] = []
    try:
        with tempfile.TemporaryDirectory() as scratch:
            quads = served_quads(None, store_dir)  # what every system serves
            if "rdflib-endpoint" in systems:
                SLOW_FOR_RDFLIB.update(probe_rdflib(5.0, Path(scratch), quads))
            if SLOW_FOR_RDFLIB:
                results["problems"].append(
                    "rdflib-endpoint runs without these example questions, which rdflib did not "
                    f"answer within 5 s: {', '.join(sorted(SLOW_FOR_RDFLIB))}")
            location = Path(scratch) / "oxigraph"
            if "oxigraph" in systems:
                load_oxigraph(location, quads)
            starts = {"pactgraph": lambda: start_pactgraph(None, logs, store_dir),
                      # As issue 15 measured it: no time limit (start_oxigraph says why).
                      "oxigraph": lambda: start_oxigraph(location, logs, timeout_s=None),
                      "rdflib-endpoint": lambda: start_rdflib_endpoint(quads, logs),
                      "ceiling": lambda: start_ceiling(logs), "bare": lambda: start_bare(logs)}
            for name, begin in starts.items():
                if name in systems:
                    running.append(begin())
            by_name = {system.name: system for system in running}
            counts = {name: row_counts(by_name[name])
                      for name in ("pactgraph", "oxigraph", "rdflib-endpoint") if name in by_name}
            for name, other in counts.items():
                if any(counts["pactgraph"][q] != n for q, n in other.items()):
                    results["problems"].append(f"row counts differ, {name}: {other} vs "
                                               f"pactgraph: {counts['pactgraph']}")
            for system in running:
                for mix in mixes:
                    results["problems"] += check_answers(system, MIXES[mix](system))
            samples: dict[str, dict[str, list[dict]]] = {m: {} for m in mixes}
            for round_number in range(args.rounds):
                order = running if round_number % 2 == 0 else running[::-1]
                for system in order:
                    for mix in mixes:
                        sample = drive(system, mix, args.duration, args.connections,
                                       args.threads, work)
                        samples[mix].setdefault(system.name, []).append(sample)
                        print(f"round {round_number + 1} {system.name:16} {mix:7} "
                              f"{sample['rps']:8.0f} req/s  p50 {sample['p50_ms']:.2f} ms  "
                              f"p99 {sample['p99_ms']:.2f} ms  errors {sample['errors']}  "
                              f"CPU {sample['cpu_us_per_request']:.0f} µs/request",
                              flush=True)
            for system in running:
                system.stop()
            running = []
            if not args.throughput_only:
                results["shutdown"] = measure_shutdown(logs, store_dir, args.shutdown_runs)
        for mix, systems in samples.items():
            results["throughput"][mix] = {name: summarise(s) for name, s in systems.items()}
            row = results["throughput"][mix]
            mine = row["pactgraph"]
            results["ratios"][mix] = {
                other: (mine["rps"] / row[other]["rps"],
                        row[other]["cpu_us_per_request"] / mine["cpu_us_per_request"])
                for other in ("oxigraph", "ceiling", "bare") if other in row}
        for scale in scales:
            FAILED.clear()
            row = measure_scale(scale, work, logs, store_dir, pactgraph_scales)
            results["problems"] += [f"{scale}×: {system} answered {question} with HTTP {status}"
                                    for system, question, status in sorted(FAILED)]
            results["scales"].append(row.__dict__)
            print(f"scale {scale}x: {row.triples} triples, pactgraph start {row.start_s:.2f} s "
                  f"(first {row.first_start_s}), memory {row.memory_mb:.0f} MB, slowest question "
                  f"{max(row.latencies.values(), default=float('nan')):.1f} ms; oxigraph "
                  f"slowest {max(row.oxigraph_latencies.values()):.1f} ms", flush=True)
    finally:
        for system in running:
            system.stop()
    (output / "results.json").write_text(json.dumps(results, indent=2))
    (output / "results.md").write_text(markdown(results))
    chart(results, output / "chart.png")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
