"""Every example question on the published store at N times the bundled data: the first 10,000
rows of each, in processor time (issue 15: "the first 10,000 rows of every question in < 100 ms"
at 400 times, re-measured with the obligations the data's build derives).

    .venv/bin/python bench/questions_at_scale.py [--scales 20,100] [--rounds 3] [--work DIR]
                                                 [--skip who-must-help]

For each scale this writes the synthetic data (``pactgraph synth``, kept in ``--work`` as
bench/question_pages.py keeps it), parses it with the ontology (rdflib, as a build does), derives
the obligations and entailed triples (``TripleStore.from_knowledge``: what the server publishes,
without validating it) and times each question's first 10,000 rows, the questions alternating
round by round, the median of ``--rounds``. The load and the derivation are timed too (wall
clock). Everything is held in this one process, in rdflib and in pyoxigraph at once: at 400 times
the data it passed 22 GB before the derivation ended (stopped on a 23 GB machine), so this is for
scales up to 100; question 1 itself can be left out with ``--skip`` (about 10 s a round at 100
times). Figures on a shared machine are indicative only.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from question_pages import data_folder, first_rows

from pactgraph import settings as settings_table
from pactgraph.build.examples import load_examples
from pactgraph.engine.store import TripleStore
from pactgraph.knowledge.sources import Knowledge

LIMIT_MS = 100


def published_store(data: list[Path]) -> tuple[TripleStore, float, float]:
    """The store the server would publish for ``data``, and the seconds its parse and its
    derivation took."""
    started = time.monotonic()
    knowledge = Knowledge.load(settings_table.DEFAULTS["ontology_paths"], data,
                               settings_table.DEFAULTS["shapes_paths"])
    parsed = time.monotonic()
    store = TripleStore.from_knowledge(knowledge)
    return store, parsed - started, time.monotonic() - parsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="20,100")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip", default="", help="question ids left out, comma-separated")
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "pactgraph-pages")
    args = parser.parse_args()
    skipped = set(filter(None, args.skip.split(",")))
    questions = {e.id: e.text for e in load_examples().all if e.id not in skipped}
    for scale in (int(s) for s in args.scales.split(",")):
        store, parse_s, derive_s = published_store(data_folder(args.work, scale))
        times: dict[str, list[float]] = {name: [] for name in questions}
        rows: dict[str, int] = {}
        for _ in range(args.rounds):
            for name, text in questions.items():
                seconds, rows[name] = first_rows(store.engine, text)
                times[name].append(seconds)
        print(f"\n{scale}x: {len(store.engine):,} quads; parsed in {parse_s:,.0f} s, derived and "
              f"loaded in {derive_s:,.0f} s; first 10,000 rows, processor ms, median of "
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
