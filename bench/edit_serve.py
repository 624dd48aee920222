"""Serving an edit, end to end: seconds from launching ``pactgraph serve`` on the edited files
until a SPARQL query over HTTP answers with the edited data (issue 15: "after editing one data
file at 400x, serving the new data in < 60 s").

    .venv/bin/python bench/edit_serve.py --scale 80 --rounds 3 [--work /tmp/pactgraph-edit-publish]

``bench/edit_publish.py`` times the build after an edit in a process of its own; serving the data
also takes the server's start: the HTTP workers load the app, and each one's pool starts its
query workers: stand-ins on the on-disk store at once, then the workers of the in-memory copy
once it is loaded (2.5 million quads at 80 times the bundled data: engine/standins.py). This
script times the whole, in three marks read off the server's output: the
build done (granian listening), every HTTP worker started (its pool ready), and the first answer
with the edit. Two edits alternate, each with a label never built before (so no folder is found
again): one synthetic copy's label (one pact), and the United States' label in ``states.ttl``,
which 2,877 derived obligations' labels name at 80 times; and beside them, the start alone on
the unedited files (the folder found, nothing built). Each edit is undone after its round.
The first build of the folder, if none fits, is made first and not timed here.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from edit_publish import BIN, LABEL, fresh_build  # noqa: E402
from processes import free_port  # noqa: E402

from pactgraph.settings import resolve  # noqa: E402

# The copy of 2.5 million quads passes the default limit (1,024 MiB) as it loads, and the
# server would then answer from the on-disk store only (engine/standins.py; it says so in its log).
MEMORY_MB = "4096"
MARKS = {"listening": re.compile(rb"Listening at"),
         "workers started": re.compile(rb"Started worker-\d+\s*$")}
US_LABEL = re.compile(r'rdfs:label "United States[^"]*"@en')
OBLIGATION_OF_US = """PREFIX pg: <https://w3id.org/pactgraph/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?label WHERE { ?obligation pg:protectedParty <https://w3id.org/pactgraph/id/state/USA> ;
  rdfs:label ?label . FILTER (CONTAINS(?label, "%s")) } LIMIT 1"""
ANY_LABEL = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?label WHERE { ?node rdfs:label ?label . FILTER (CONTAINS(?label, "%s")) } LIMIT 1"""


def edit(data: Path, kind: str, token: str) -> tuple[Path, str, str]:
    """Edit ``data`` (a label with ``token`` in it); the file, its text before, and the query
    that finds the edit once it is served."""
    if kind == "state":
        path = data / "bundled" / "states.ttl"
        pattern, replacement = US_LABEL, f'rdfs:label "United States {token}"@en'
        query = OBLIGATION_OF_US % token
    else:
        copies = sorted((data / "synthetic").glob("copy-*.ttl"))
        path = copies[len(copies) // 2]
        pattern, replacement, query = LABEL, rf'"Synthetic copy \1 {token} of ', ANY_LABEL % token
    text = path.read_text(encoding="utf-8")
    changed, count = pattern.subn(replacement, text, count=1)
    if not count:
        raise SystemExit(f"nothing to edit in {path}")
    path.write_text(changed, encoding="utf-8")
    return path, text, query


def answered(url: str, query: str, token: str) -> bool:
    request = urllib.request.Request(url + "/sparql?" + urllib.parse.urlencode({"query": query}),
                                     headers={"Accept": "text/csv"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return token in response.read().decode("utf-8")
    except (OSError, ValueError):  # not listening yet, or 503 while its pool starts
        return False


def served(data: Path, store: Path, query: str, token: str, workers: int) -> dict[str, float]:
    """Launch ``pactgraph serve`` and time it until ``query`` answers with ``token``."""
    port = free_port()
    argv = [str(BIN / "pactgraph"), "serve", "--data", str(data), "--store-dir", str(store),
            "--port", str(port), "--workers", str(workers), "--query-memory-limit-mb", MEMORY_MB]
    began, marks, started = time.monotonic(), {}, []
    server = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)

    def read_marks() -> None:
        for line in server.stdout:
            for name, mark in MARKS.items():
                if mark.search(line):
                    started.append(name)
                    if name == "listening" or started.count(name) == workers:
                        marks.setdefault(name, time.monotonic() - began)

    reader = threading.Thread(target=read_marks, daemon=True)
    reader.start()
    try:
        while not answered(f"http://127.0.0.1:{port}", query, token):
            if server.poll() is not None:
                raise RuntimeError(f"pactgraph serve exited with {server.returncode}")
            time.sleep(0.1)
        marks["first answer with the edit"] = time.monotonic() - began
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=120)
        reader.join(timeout=10)
    return marks


def prune(store: Path, first: Path) -> None:
    """Remove the folders the edits wrote (3 GB each at 80 times): each edit is then built from
    the first build's folder, one file changed, not from the last edit's (two files changed,
    the last edit undone being one)."""
    for folder in store.iterdir():
        if folder.is_dir() and folder != first:
            shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, required=True)
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the two edits")
    parser.add_argument("--workers", type=int, default=2, help="HTTP workers (serve's default)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/pactgraph-edit-publish"))
    options = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind: the edit is undone
    data, store = options.work / f"scale-{options.scale}", options.work / f"store-{options.scale}"
    if not (data / "synthetic").exists():
        subprocess.run([str(BIN / "pactgraph"), "synth", "--scale", str(options.scale),
                        "--output", str(data)], check=True)
    settings = resolve({"data_paths": [str(data)], "store_dir": str(store)})
    first = Path(fresh_build(settings)["folder"])  # found, or built (not timed here)
    for round_ in range(options.rounds):
        for kind in ("none", "copy", "state"):
            if kind == "none":  # the start alone, on the first build's folder
                token = "United States"
                marks = served(data, store, OBLIGATION_OF_US % token, token, options.workers)
            else:
                token = f"edited {time.time_ns() % 10**9}"
                path, text, query = edit(data, kind, token)
                try:
                    marks = served(data, store, query, token, options.workers)
                finally:
                    path.write_text(text, encoding="utf-8")
            print(json.dumps({"scale": options.scale, "round": round_, "edit": kind,
                              **{name: round(s, 1) for name, s in marks.items()}}), flush=True)
            prune(store, first)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
