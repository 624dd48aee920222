"""Pinned answers (engine/pinned.py): an example question's answer, read back from the solutions the
pinner wrote, is the answer evaluation gives, byte for byte, under every cap; and only an example
question is read back."""

from __future__ import annotations

import json
import logging
import re
import time
from pathlib import Path

import pytest

from pactgraph.build.examples import load_examples
from pactgraph.build.prebuilt import QUADS
from pactgraph.engine.base import Job
from pactgraph.engine.pinned import Pins, canonical, key_of
from pactgraph.engine.pool import Limits, QueryExecutor
from pactgraph.engine.results import CSV, RESULTS_JSON, RESULTS_XML, TSV

EXAMPLES = load_examples().all
MEDIA_TYPES = (RESULTS_JSON, RESULTS_XML, CSV, TSV)


def pins_for(folder: Path) -> Pins:
    return Pins(folder, {key_of(example.text): example.text for example in EXAMPLES})


def wait_for_pins(pins: Pins, seconds: float = 60) -> None:
    """Until the pinner has written every question in every format (it starts with the pool)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if len(list(pins.folder.rglob("*.*sv"))) == 2 * len(pins.questions):
            return
        time.sleep(0.05)
    raise AssertionError(f"not every question was pinned in {pins.folder}")


def started(quads: Path, limits: Limits, pins: Pins | None = None) -> QueryExecutor:
    pool = QueryExecutor(quads, limits, pins)
    pool.start()
    if pins is not None:
        wait_for_pins(pins)
    return pool


# Ample caps; then a row cap that cuts most answers; then a byte cap that cuts question 1's.
CAPS = {"ample": dict(max_rows=10000), "five rows": dict(max_rows=5),
        "100 KB": dict(max_rows=10000, max_bytes=100_000)}


@pytest.fixture(scope="module")
def twin_pools(app, tmp_path_factory):
    """For each of ``CAPS``, a pool that reads pinned answers and one that evaluates."""
    quads = app.extensions["pactgraph"].folder / QUADS
    pools = {}
    for name, caps in CAPS.items():
        limits = Limits(time_limit_ms=30000, memory_mb=2048, workers=1, queue_ms=30000, **caps)
        folder = tmp_path_factory.mktemp("pins") / "pinned"
        pools[name] = (started(quads, limits, pins_for(folder)), started(quads, limits))
    yield pools
    for pinned, evaluating in pools.values():
        pinned.close()
        evaluating.close()


@pytest.mark.parametrize("caps", CAPS)
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.id)
def test_a_pinned_answer_is_the_evaluated_answer_in_every_format(twin_pools, caps, example):
    pinned, evaluating = twin_pools[caps]
    for media_type in MEDIA_TYPES:
        for text in (example.text, example.standalone):
            job = Job(text, media_types={"select": media_type}, link="https://example.org/limits")
            assert pinned.run(job) == evaluating.run(job), (media_type, text[:40])


@pytest.mark.parametrize("link", ['https://exämple.org/"limits"?a=<b>&c', None, ""])
def test_a_cut_pinned_answer_carries_any_link_as_evaluation_writes_it(twin_pools, link):
    pinned, evaluating = twin_pools["five rows"]
    example = next(e for e in EXAMPLES if e.id == "obligation-strength")  # more than five rows
    for media_type in MEDIA_TYPES:
        job = Job(example.text, media_types={"select": media_type}, link=link)
        answer = pinned.run(job)
        assert answer.truncated and answer == evaluating.run(job), media_type


def test_under_a_row_cap_some_pinned_answers_are_cut_and_some_whole(twin_pools):
    pinned, _ = twin_pools["five rows"]
    heads = [json.loads(path.read_bytes().split(b"\n", 1)[0])
             for path in pinned.pinner.pins.folder.rglob("*.srj")]
    assert {cut is None for _, cut in heads} == {True, False}
    assert {rows for rows, cut in heads if cut} == {5}


def test_a_pinned_answer_is_what_the_pool_reads_back(app, tmp_path):
    """Proof that the pinned file is read: changed by hand, the answer changes with it (the
    tests above could otherwise pass by evaluating both times)."""
    pins = pins_for(tmp_path / "pinned")
    pool = started(app.extensions["pactgraph"].folder / QUADS,
                   Limits(time_limit_ms=30000, max_rows=100, memory_mb=2048, workers=1,
                          queue_ms=30000), pins)
    try:
        termination = next(e for e in EXAMPLES if e.id == "termination")
        [path] = pins.folder.rglob(f"{key_of(termination.text)}.srj")
        path.write_bytes(b'[1, null]\n{"planted": true}')
        job = Job(termination.standalone, media_types={"select": RESULTS_JSON})
        answer = pool.run(job)
        assert answer.rows == 1 and b"planted" in answer.body
        # Not an example question (one more space in a literal would do): evaluated.
        other = termination.text.replace("SELECT", "SELECT DISTINCT", 1)
        assert b"planted" not in pool.run(Job(other, media_types={"select": RESULTS_JSON})).body
        # With a dataset of its own, neither is it.
        named = Job(termination.text, default_graphs=(pool_graph(app),),
                    media_types={"select": RESULTS_JSON})
        assert b"planted" not in pool.run(named).body
    finally:
        pool.close()


def pool_graph(app) -> str:
    return app.extensions["pactgraph"].store.graph_names[0]


def test_an_unwritable_folder_leaves_every_question_evaluated(app, tmp_path, caplog):
    blocked = tmp_path / "a file"
    blocked.write_text("not a folder", encoding="utf-8")
    pins = pins_for(blocked / "pinned")
    limits = Limits(time_limit_ms=30000, max_rows=100, memory_mb=2048, workers=1, queue_ms=30000)
    with caplog.at_level(logging.WARNING, logger="pactgraph.engine.pinner"):
        pool = QueryExecutor(app.extensions["pactgraph"].folder / QUADS, limits, pins)
        pool.start()
        try:
            deadline = time.monotonic() + 60
            while "cannot be written" not in caplog.text and time.monotonic() < deadline:
                time.sleep(0.05)
            assert "an example question's answer was not pinned" in caplog.text
            assert str(blocked / "pinned") in caplog.text
            example = EXAMPLES[1]
            answer = pool.run(Job(example.text, media_types={"select": RESULTS_JSON}))
            assert answer.rows > 0
        finally:
            pool.close()


def test_a_question_that_cannot_be_pinned_is_skipped_not_the_rest(app, tmp_path, caplog):
    """A question that fails, and one a pinner died on (its mark left behind), are evaluated as
    asked; every other question is pinned all the same."""
    malformed = "SELECT * WHERE { ?s ?p"
    pins = Pins(tmp_path / "pinned", {key_of(malformed): malformed, **pins_for(tmp_path).questions})
    caps = (100, 1_000_000)
    died_on = key_of(EXAMPLES[0].text)
    pins.file(died_on, TSV, caps).parent.mkdir(parents=True)
    pins.file(died_on, TSV, caps).with_suffix(".tried").touch()
    limits = Limits(time_limit_ms=30000, max_rows=caps[0], max_bytes=caps[1], memory_mb=2048,
                    workers=1, queue_ms=30000)
    with caplog.at_level(logging.WARNING, logger="pactgraph.engine.pinner"):
        pool = QueryExecutor(app.extensions["pactgraph"].folder / QUADS, limits, pins)
        pool.start()
        try:
            deadline = time.monotonic() + 60
            while caplog.text.count("was not pinned") < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            pinned = {path.stem for path in pins.folder.rglob("*.tsv")}
            assert pinned == {key_of(e.text) for e in EXAMPLES[1:]}
            assert "the last pinner ended while evaluating it" in caplog.text
            assert "SELECT * WHERE { ?s ?p: QueryError" in caplog.text
        finally:
            pool.close()


# --- Which texts are an example question ---------------------------------------------------------

@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.id)
def test_a_question_is_the_same_question_however_it_is_laid_out(example):
    laid_out = "\n\n".join(f"   {line}  " for line in example.text.splitlines()
                           if not line.startswith("#"))
    assert key_of(example.standalone) == key_of(example.text) == key_of(laid_out)


def before_the_body(text: str, mark: str) -> str:
    """``text`` with ``mark`` at the start of its first line that is not a comment."""
    lines = text.split("\n")
    first = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    lines[first] = mark + lines[first]
    return "\n".join(lines)


# A second reader's counterexamples: each reads as another query (or as none) to SPARQL, which
# ends a line and a comment at LF or CR only, and knows no white space but spaces and tabs.
HIDDEN = [
    lambda text: before_the_body(text, "#\x0c"),  # a form feed: the comment runs on
    lambda text: before_the_body(text, "#\u2028"),
    lambda text: before_the_body(text, "#\x85"),
    lambda text: before_the_body(text, "\u3000"),  # not SPARQL's white space: an error
    lambda text: text + "\n\u00a0\n",
    lambda text: text + "\nPREFIX pg: <https://w3id.org/pactgraph/def#>\n",  # after the body
]


@pytest.mark.parametrize("change", [*HIDDEN,
    lambda text: re.sub(r"(?m)^([^#\n]*?)\?(\w)", r"\1?x\2", text, count=1),  # a variable
    lambda text: "PREFIX pg: <http://example.org/other#>\n" + text,  # the prefix means another
    lambda text: "BASE <http://example.org/>\n" + text,
    lambda text: text + "\nLIMIT 3",
])
def test_any_other_text_is_another_question(change):
    for example in EXAMPLES:
        assert key_of(change(example.text)) not in {key_of(e.text) for e in EXAMPLES}


def test_a_hidden_line_is_another_question_through_the_endpoint(twin_pools):
    """Question 01b with its FILTER hidden in a comment (a form feed is no line end to SPARQL):
    evaluated, so the Philippines may help itself, where its pin says not."""
    pinned, evaluating = twin_pools["ample"]
    example = next(e for e in EXAMPLES if e.id == "philippine-coast-guard")
    hidden = example.text.replace("  FILTER (?helper != ?attacked)",
                                  "#\x0c  FILTER (?helper != ?attacked)", 1)
    assert hidden != example.text
    job = Job(hidden, media_types={"select": CSV})
    assert pinned.run(job) == evaluating.run(job)
    assert pinned.run(job).rows > pinned.run(Job(example.text, media_types={"select": CSV})).rows


def test_a_crlf_text_is_the_same_question():
    for example in EXAMPLES:
        assert key_of(example.text.replace("\n", "\r\n")) == key_of(example.text)
        assert key_of(example.runnable) == key_of(example.text)


def test_a_text_with_a_long_string_is_taken_as_written():
    text = 'SELECT * { ?s ?p """\n# not a comment\n""" }'
    assert canonical(text) == text
    assert canonical("# a comment\n\nSELECT *\n  { ?s ?p ?o }") == "SELECT *\n{ ?s ?p ?o }"
