"""Question 1 against its paged form, side by side, at N times the bundled data.

    .venv/bin/python bench/question_pages.py [--scales 1,20,100,400] [--whole-up-to 100]
                                             [--rounds 3] [--work DIR]

Question 1 (queries/01-who-must-help.rq) sorts every pair of parties of every pact before it
sends a row; its paged form (queries/01c-who-must-help-by-page.rq) first chooses one page of
attacked states, then works on their pacts only. For each scale this writes the synthetic data
(``pactgraph synth``, kept in ``--work`` for the next run), loads it with the ontology straight
into a pyoxigraph in-memory store (no validation, no derived graphs: neither question reads them),
then times, alternating, question 1's first 10,000 rows and the paged form's first page as the
file is written (one state), in processor time of this process (the evaluation is
single-threaded). Question 1 is only run up to ``--whole-up-to`` times the data (at 400 times it
takes about 45 s a round). Figures on a shared machine are only indicative; compare the ratios.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from pactgraph import settings as settings_table
from pactgraph.build.examples import load_examples
from pactgraph.engine.store import graph_iri
from pactgraph.knowledge.rdf_files import rdf_files
from pactgraph.knowledge.synth import synthesize
from pactgraph.namespaces import PREFIXES

ROWS = 10_000  # what the endpoint sends of an answer (the row cap), and the target's measure


def data_folder(work: Path, scale: int) -> list[Path]:
    """The data at ``scale`` times the bundled data: the bundled folder itself at 1."""
    bundled = [Path(p) for p in settings_table.DEFAULTS["data_paths"]]
    if scale == 1:
        return bundled
    folder = work / f"scale-{scale}"
    if not (folder / "synthetic").is_dir():
        synthesize(bundled, scale, folder)
    return [folder]


def load(data: list[Path]) -> ox.Store:
    store = ox.Store()
    for graph, paths in (("ontology", settings_table.DEFAULTS["ontology_paths"]), ("data", data)):
        for source in rdf_files(paths):
            store.bulk_load(path=str(source.path),
                            format=ox.RdfFormat.from_extension(source.path.suffix[1:]),
                            to_graph=ox.NamedNode(graph_iri(graph)))
    return store


def first_rows(store: ox.Store, text: str) -> tuple[float, int]:
    """Processor seconds until the first ``ROWS`` rows of ``text`` are produced (not written:
    reading every value in Python costs about as much again, and the server lets pyoxigraph write
    answers the row cap cannot cut), and how many rows that was."""
    started = time.process_time()
    read = 0
    for _ in store.query(text, prefixes=PREFIXES, use_default_graph_as_union=True):
        read += 1
        if read == ROWS:
            break
    return time.process_time() - started, read


def measure(store: ox.Store, questions: dict[str, str], rounds: int) -> dict[str, tuple]:
    """{name: (median seconds, all seconds, rows)}, the questions alternating round by round."""
    times: dict[str, list[float]] = {name: [] for name in questions}
    rows: dict[str, int] = {}
    for _ in range(rounds):
        for name, text in questions.items():
            seconds, rows[name] = first_rows(store, text)
            times[name].append(seconds)
    return {name: (statistics.median(found), found, rows[name]) for name, found in times.items()}


def milliseconds(median: float, each: list[float]) -> str:
    return f"{median * 1000:,.0f} ms ({', '.join(f'{s * 1000:,.0f}' for s in each)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1,20,100,400")
    parser.add_argument("--whole-up-to", type=int, default=100,
                        help="run question 1 itself only up to this scale")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "pactgraph-pages")
    args = parser.parse_args()
    examples = load_examples()
    whole = examples.by_id("who-must-help").text
    paged = examples.by_id("who-must-help-by-page").text
    print("| data | quads | question 1, first 10,000 rows | paged form, first page (rows) "
          "| question 1 ÷ paged |")
    print("|---|---|---|---|---|")
    for scale in (int(s) for s in args.scales.split(",")):
        store = load(data_folder(args.work, scale))
        questions = {"paged": paged}
        if scale <= args.whole_up_to:
            questions["whole"] = whole
        found = measure(store, questions, args.rounds)
        page_s, page_all, page_rows = found["paged"]
        page_size = sum(1 for _ in store.query(paged, prefixes=PREFIXES,
                                                use_default_graph_as_union=True))
        if "whole" in found:
            whole_s, whole_all, _ = found["whole"]
            whole_cell, ratio = milliseconds(whole_s, whole_all), f"{whole_s / page_s:,.1f}"
        else:
            whole_cell, ratio = "not run", "—"
        page_cell = f"{milliseconds(page_s, page_all)}, {page_rows:,} of {page_size:,} rows"
        print(f"| {scale}× | {len(store):,} | {whole_cell} | {page_cell} | {ratio} |", flush=True)
        del store


if __name__ == "__main__":
    main()
