"""Every example question on the published store at N times the bundled data: the first 10,000
rows of each, in processor time (issue 15: "the first 10,000 rows of every question in < 100 ms"
at 400 times, re-measured with the obligations the data's build derives).

    .venv/bin/python bench/questions_at_scale.py [--scales 20,100] [--rounds 3] [--work DIR]
                                                 [--skip who-must-help]

For each scale this writes the synthetic data (``pactgraph synth``, kept in ``--work`` as
bench/question_pages.py keeps it), then, in a process of its own, parses it with the ontology
(rdflib, as a build does), derives the obligations and entailed triples
(``TripleStore.from_knowledge``: what the server publishes, without validating it) and writes
the store as N-Quads (kept in ``--work`` too). The questions are then asked of a store loaded from
that file in this process, as a query worker loads its copy (engine/store.py
``load_in_memory``): measured in the process that had built it, beside rdflib's copy of the data,
question 1 by page took 1,235 ms at 100 times, against 507 ms here (the others within 25%).
Each question's first 10,000 rows are timed, the questions alternating round by round, the
median of ``--rounds``. Building passed 22 GB at 400 times before its derivation ended (stopped
on a 23 GB machine), so this is for scales up to 100; question 1 itself can be left out with
``--skip`` (about 10 s a round at 100 times). Figures on a shared machine are indicative only.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
from question_pages import data_folder, first_rows

from pactgraph import settings as settings_table
from pactgraph.build.examples import load_examples
from pactgraph.engine.store import TripleStore, load_in_memory
from pactgraph.knowledge.sources import Knowledge

LIMIT_MS = 100


def published_quads(work: Path, scale: int) -> Path:
    """The published store at ``scale`` as N-Quads in ``work``, built in a process of its own
    if it is not there yet."""
    quads = work / f"published-{scale}.nq"
    if not quads.exists():
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--build", str(scale),
                        "--work", str(work)], check=True)
    return quads


def build(work: Path, scale: int) -> None:
    started = time.monotonic()
    knowledge = Knowledge.load(settings_table.DEFAULTS["ontology_paths"], data_folder(work, scale),
                               settings_table.DEFAULTS["shapes_paths"])
    parsed = time.monotonic()
    store = TripleStore.from_knowledge(knowledge)
    partial = work / f"published-{scale}.nq.part"
    store.engine.dump(str(partial), format=ox.RdfFormat.N_QUADS)
    partial.rename(work / f"published-{scale}.nq")
    print(f"{scale}x: parsed in {parsed - started:,.0f} s, derived and written in "
          f"{time.monotonic() - parsed:,.0f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="20,100")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip", default="", help="question ids left out, comma-separated")
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "pactgraph-pages")
    parser.add_argument("--build", type=int, help=argparse.SUPPRESS)  # the building process
    args = parser.parse_args()
    if args.build:
        build(args.work, args.build)
        return
    skipped = set(filter(None, args.skip.split(",")))
    questions = {e.id: e.text for e in load_examples().all if e.id not in skipped}
    for scale in (int(s) for s in args.scales.split(",")):
        store = load_in_memory(published_quads(args.work, scale))
        times: dict[str, list[float]] = {name: [] for name in questions}
        rows: dict[str, int] = {}
        for _ in range(args.rounds):
            for name, text in questions.items():
                seconds, rows[name] = first_rows(store, text)
                times[name].append(seconds)
        print(f"\n{scale}x: {len(store):,} quads; first 10,000 rows, processor ms, median of "
              f"{args.rounds} (each)\n")
        print("| question | ms | rounds | rows | under 100 ms |")
        print("|---|---:|---|---:|---|")
        for name, found in times.items():
            median = statistics.median(found) * 1000
            each = ", ".join(f"{s * 1000:,.0f}" for s in found)
            print(f"| {name} | {median:,.0f} | {each} | {rows[name]:,} | "
                  f"{'yes' if median < LIMIT_MS else 'no'} |", flush=True)
        del store


if __name__ == "__main__":
    main()
