"""Stand-ins answer from the on-disk store while the copy of a large store loads, and make way for
the copy's workers once it is loaded; if it cannot be loaded, they stay (engine/standins.py).

At 80 times the bundled data the copy took about 9 s of processor time per pool, and no query was
answered until then; a copy over the memory limit left every query answered 503. Here the
threshold is lowered to nothing so that the fixture site's pools start with stand-ins, and the
copy's loader waits for the test, so that what the stand-ins do is seen before the copy arrives.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection

import pytest

from pactgraph.build.prebuilt import ENGINE, QUADS
from pactgraph.engine import pool as pool_module
from pactgraph.engine import standins
from pactgraph.engine.answers import answer
from pactgraph.engine.base import Job
from pactgraph.engine.idle import WaitingLine
from pactgraph.engine.pool import Limits, QueryExecutor
from pactgraph.engine.store import load_in_memory
from pactgraph.errors import LimitExceeded
from pactgraph.web.context import executor_for

JSON = "application/sparql-results+json"
MEDIA = {"select": JSON, "ask": JSON, "graph": None}
LABELS = Job("SELECT ?node ?label WHERE { ?node <http://www.w3.org/2000/01/rdf-schema#label> "
             "?label } ORDER BY ?node ?label", media_types=MEDIA)
RUNAWAY = Job("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
              media_types=MEDIA)
STRING_DOUBLING = Job('SELECT (STRLEN(?s40) AS ?n) { BIND("' + "x" * 64 + '" AS ?s0) '
                      + " ".join(f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(40))
                      + " }", media_types=MEDIA)


def eventually(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s")
        time.sleep(0.02)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture()
def held_copy(monkeypatch):
    """Every store is large enough for stand-ins, and the copy's loader starts only once the test
    sets the event it returns."""
    release = threading.Event()
    start_loader = QueryExecutor._start_loader

    def held(self, standins_on=None):
        if standins_on is None:
            release.wait(120)
        return start_loader(self, standins_on)

    monkeypatch.setattr(standins, "STANDIN_ABOVE_BYTES", 0)
    monkeypatch.setattr(QueryExecutor, "_start_loader", held)
    yield release
    release.set()


@pytest.fixture()
def site_pool(small_site, held_copy):
    """The fixture site's pool (two workers), as the server starts it, and its copy, held."""
    app = small_site(query_workers=2)
    pool = executor_for(app)
    yield pool, app.extensions["pactgraph"].folder, held_copy
    pool.close()


def expected(folder, job: Job, limits: Limits) -> bytes:
    """``job``'s answer evaluated in this process on the folder's whole copy."""
    return answer(load_in_memory(folder / QUADS), job.query, job.media_types, limits.max_rows,
                  max_bytes=limits.max_bytes).written.body


def test_stand_ins_answer_at_once_then_make_way_for_the_copy(site_pool, full_pool):
    pool, folder, release = site_pool
    pool.start()  # returns with the stand-ins ready, the copy not loaded
    first = full_pool(pool)
    assert sorted(pool.pids(standins=True)) == sorted(first)
    assert pool.run(LABELS).body == expected(folder, LABELS, pool.limits)
    release.set()
    eventually(lambda: not pool.pids(standins=True) and len(full_pool(pool)) == 2)
    assert not set(pool.pids()) & set(first)
    eventually(lambda: not any(alive(pid) for pid in first))
    assert pool.run(LABELS).body == expected(folder, LABELS, pool.limits)


def test_a_busy_stand_in_makes_way_when_it_answers(site_pool, full_pool, monkeypatch):
    """A stand-in holding a query when the copy arrives answers it, and only then is replaced."""
    pool, folder, release = site_pool
    pool.start()
    full_pool(pool)
    answer_held, answers = threading.Event(), []
    receive = pool_module.receive

    def held_receive(conn, seconds):
        if threading.current_thread().name == "busy":
            answer_held.wait(60)
        return receive(conn, seconds)

    monkeypatch.setattr(pool_module, "receive", held_receive)
    busy = threading.Thread(target=lambda: answers.append(pool.run(LABELS)), name="busy")
    busy.start()
    eventually(lambda: pool.idle_workers() == 1)
    held_pid = pool.pids(standins=True)
    release.set()
    # The idle stand-in is replaced; the busy one is still there, holding its query.
    eventually(lambda: len(pool.pids(standins=True)) == 1 and len(pool.pids()) == 2
               and pool.idle_workers() == 1)
    busy_pid = pool.pids(standins=True)[0]
    assert busy_pid in held_pid
    answer_held.set()
    busy.join(60)
    assert answers and answers[0].body == expected(folder, LABELS, pool.limits)
    eventually(lambda: not pool.pids(standins=True) and len(full_pool(pool)) == 2)
    assert busy_pid not in pool.pids()


@pytest.fixture()
def damaged_copy(small_site, tmp_path, monkeypatch):
    """A folder whose on-disk store is whole and whose copy is cut inside a line."""
    folder = small_site().extensions["pactgraph"].folder
    shutil.copytree(folder / ENGINE, tmp_path / ENGINE)
    text = (folder / QUADS).read_bytes()
    (tmp_path / QUADS).write_bytes(text[: len(text) // 2 + 7])
    monkeypatch.setattr(standins, "STANDIN_ABOVE_BYTES", 0)
    return tmp_path, folder


def test_without_a_copy_the_stand_ins_stay_and_keep_the_limits(damaged_copy, caplog, full_pool):
    damaged, whole = damaged_copy
    # Time enough for the string doubling to reach the memory limit (0.5-0.7 s here).
    limits = Limits(time_limit_ms=3000, max_rows=10_000, memory_mb=512, workers=2, queue_ms=5000)
    pool = QueryExecutor(damaged / QUADS, limits, None, damaged / ENGINE)
    caplog.set_level(logging.ERROR, logger="pactgraph.engine.standins")
    try:
        pool.start()
        eventually(lambda: any("answer from the on-disk store" in record.message
                               for record in caplog.records))
        said = next(r.message for r in caplog.records if "on-disk store" in r.message)
        # The parser's words depend on where the cut fell in this session's file.
        assert "3 to 8 times slower" in said and str(damaged / QUADS) in said, said
        assert pool.run(LABELS).body == expected(whole, LABELS, limits)
        # The time limit: the stand-in is killed, and another stand-in takes its place.
        before = full_pool(pool)
        with pytest.raises(LimitExceeded, match="query_time_limit_ms"):
            pool.run(RUNAWAY)
        after = full_pool(pool)
        assert sorted(pool.pids(standins=True)) == sorted(after) and set(before) - set(after)
        # The memory limit holds for a stand-in as for a worker of the copy.
        with pytest.raises(LimitExceeded, match="query_memory_limit_mb"):
            pool.run(STRING_DOUBLING)
        full_pool(pool)
        assert pool.run(LABELS).body == expected(whole, LABELS, limits)
    finally:
        pool.close()


def test_a_small_copy_is_loaded_first(small_site, tmp_path):
    folder = small_site().extensions["pactgraph"].folder
    assert standins.standin_store(folder / QUADS, folder / ENGINE) is None  # 6 MB, 64 MB
    assert standins.standin_store(folder / QUADS, None) is None
    assert standins.standin_store(folder / QUADS, tmp_path / "none") is None


def test_the_line_gives_up_the_idle_items_asked_for():
    line: WaitingLine[int] = WaitingLine()
    for item in range(6):
        line.put(item)
    assert line.take(lambda item: item % 2 == 0) == [0, 2, 4]
    assert [line.get(0) for _ in range(3)] == [1, 3, 5] and line.qsize() == 0


def test_a_loader_whose_pool_is_gone_stops_loading(tmp_path):
    """Since the stand-ins, the copy loads after the server answers: a server stopped then left
    its loaders loading for nobody (10 to 20 s and 1 to 2 GB each at 80 times the data), which
    slowed the next build. Here the copy is a pipe nobody writes, so the load never ends."""
    never_written = tmp_path / QUADS
    os.mkfifo(never_written)
    ours, theirs = socket.socketpair()
    loader = subprocess.Popen([sys.executable, "-m", "pactgraph.engine.worker",
                               str(theirs.fileno())], pass_fds=(theirs.fileno(),),
                              start_new_session=True)
    theirs.close()
    try:
        control = Connection(ours.detach())
        control.send((1024, (100, 1_000_000), str(never_written), None, None))
        writer = None  # opened once the loader has the pipe open to read: it is loading
        while writer is None:
            assert loader.poll() is None, "the loader ended before it loaded"
            try:
                writer = os.open(never_written, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # ENXIO: no reader yet
                time.sleep(0.02)
        control.close()  # the pool is gone
        assert loader.wait(30) == 0
        os.close(writer)
    finally:
        loader.kill()
