"""Server time of every HTML page, the slowest first (issue 14: "every page's server time stays
under 300 ms").

    .venv/bin/python bench/page_times.py [--data DIR] [--every N] [--top 15] [--json FILE]

The app is made as ``pactgraph serve`` makes it (on the bundled data, or ``--data``) and asked
through Flask's test client, so the time is the server's alone: routing, queries, page building
and rendering, no network. Every page is asked once, as a reader's browser asks it (Accept:
text/html), after one warm-up page of each kind: the site pages, then the document of every
subject of the data (``--every N``: every N-th, for a quicker look). The front cache never
answers, since each address is asked once. Reported: how many pages, the median, 95th
percentile and slowest wall-clock and processor time, how many took 300 ms or more, and the
slowest pages. Figures on a shared machine move with its load; run it twice to see how much.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from pactgraph.web.app import create_app

SITE_PAGES = ("/", "/states/", "/commitments/", "/coverage", "/dataset", "/def", "/shapes",
              "/explore/network", "/explore/timeline", "/explore/map", "/queries/",
              "/search?q=treaty", "/releases/", "/download/")
LIMIT_MS = 300


def documents(app) -> list[str]:
    """The document address of every subject of our namespace in the data."""
    from pactgraph.web.routes.documents import resource_index
    base = app.config["PACTGRAPH"]["base_iri"]
    with app.app_context():
        subjects = resource_index().subjects
    return ["/doc/" + iri[len(base) + len("id/"):] for iri in subjects
            if iri.startswith(base + "id/")]


def timed(client, path: str) -> dict:
    cpu, wall = time.process_time(), time.perf_counter()
    response = client.get(path, headers={"Accept": "text/html"})
    return {"path": path, "status": response.status_code,
            "wall_ms": (time.perf_counter() - wall) * 1000,
            "cpu_ms": (time.process_time() - cpu) * 1000}


def kind_of(path: str) -> str:
    parts = path.strip("/").split("/")
    return "/".join(parts[:2]) if parts[0] == "doc" else parts[0] or "/"


def measure(app, pages: list[str]) -> list[dict]:
    client = app.test_client()
    warmed: set[str] = set()
    for path in pages:  # one of each kind first: the first page of a kind fills its caches
        if kind_of(path) not in warmed:
            warmed.add(kind_of(path))
            client.get(path + ("&" if "?" in path else "?") + "warm=1",
                       headers={"Accept": "text/html"})
    return [timed(client, path) for path in pages]


def summary(results: list[dict], top: int) -> dict:
    def spread(key: str) -> dict:
        values = sorted(r[key] for r in results)
        return {"median": round(statistics.median(values), 1),
                "p95": round(values[int(0.95 * (len(values) - 1))], 1),
                "max": round(values[-1], 1)}
    slowest = sorted(results, key=lambda r: r["wall_ms"], reverse=True)[:top]
    return {"pages": len(results), "wall_ms": spread("wall_ms"), "cpu_ms": spread("cpu_ms"),
            f"at_or_over_{LIMIT_MS}_ms_wall": sum(r["wall_ms"] >= LIMIT_MS for r in results),
            f"at_or_over_{LIMIT_MS}_ms_cpu": sum(r["cpu_ms"] >= LIMIT_MS for r in results),
            "not_200": [r["path"] for r in results if r["status"] != 200],
            "slowest": [{k: (round(v, 1) if isinstance(v, float) else v) for k, v in r.items()}
                        for r in slowest]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="a data folder instead of the bundled data")
    parser.add_argument("--every", type=int, default=1, help="time every N-th document only")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--json", type=Path, help="also write every page's times here")
    options = parser.parse_args(argv)
    app = create_app({"data_paths": [str(options.data)]} if options.data else None)
    pages = [*SITE_PAGES, *documents(app)[::options.every]]
    results = measure(app, pages)
    print(json.dumps(summary(results, options.top), indent=1))
    if options.json:
        options.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
