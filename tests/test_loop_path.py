"""A plain SPARQL GET answered on the event loop (engine/cooperative.py, web/buffering_front.py).

The waits of such a request (for the query worker's answer, for an idle worker, for another
request's evaluation of the same query) are the loop's, not a thread's. What must still hold, each
proved here through the buffering front on a loop of its own, as granian runs it: the time limit,
the memory limit, nobody else's request lost while a query runs away, one evaluation for identical
requests, and a request interrupted while its worker evaluates leaves no answer behind for the next
one. No assertion on wall-clock time: a wait that held up the loop would deadlock these tests, not
slow them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pickle
import socket
import struct
import threading
from multiprocessing import Pipe
from urllib.parse import urlencode

import pytest
from test_buffering_front import Protocol, Scope
from test_coalescing import SRJ, N, coalescing_app, gated  # noqa: F401  (fixtures)
from test_limits import LIMIT_SETTINGS, PATHOLOGICAL, limited_app  # noqa: F401  (a fixture)

from pactgraph.engine import cooperative, processes
from pactgraph.engine.base import Answer
from pactgraph.engine.cooperative import (
    TIMED_OUT,
    Handoff,
    blocking,
    on_loop,
    receive,
    run_on_loop,
)
from pactgraph.engine.idle import WaitingLine
from pactgraph.errors import QueryEngineUnavailable
from pactgraph.web.buffering_front import BufferingFront
from pactgraph.web.coalescing import Coalescer
from pactgraph.web.context import executor_for
from pactgraph.web.fair_share import coalescer_for

RUNAWAY = PATHOLOGICAL["cartesian product with ORDER BY"]
LOOP_THREAD = "the event loop"


def apart(main) -> object:
    """``asyncio.run(main())`` on a thread of its own, as granian runs its loop: the browser tests
    leave an event loop running in this one."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = asyncio.run(main())
        except BaseException as error:  # handed to the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=run, name=LOOP_THREAD)
    thread.start()
    thread.join(120)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


# --- engine/cooperative.py on its own -----------------------------------------------------------

def test_off_the_loop_every_wait_is_a_plain_one():
    ours, theirs = Pipe()
    assert not on_loop()
    assert receive(ours, 0.01) is TIMED_OUT
    theirs.send("x")
    assert receive(ours, 0.01) == "x"
    assert blocking(lambda a, b: a + b, 2, 3) == 5


def test_a_wait_for_a_socket_lets_the_loop_serve_whoever_will_answer_it():
    """The greenlet waits for data that only another task on the same loop sends: had its wait
    held the loop, the data would never come and it would time out."""
    ours, theirs = Pipe()

    def wait_in_greenlet() -> tuple[bool, object]:
        return on_loop(), receive(ours, 30)

    async def main():
        waiting = asyncio.ensure_future(run_on_loop(wait_in_greenlet))
        await asyncio.sleep(0)
        theirs.send("the answer")
        return await waiting

    assert apart(main) == (True, "the answer")


def test_a_wait_for_a_socket_ends_at_its_deadline_and_leaves_no_reader():
    ours, _theirs = Pipe()

    async def main():
        got = await run_on_loop(receive, ours, 0.05)
        loop = asyncio.get_running_loop()
        return got, loop.remove_reader(ours.fileno())  # False: none was left registered

    assert apart(main) == (TIMED_OUT, False)


def test_a_large_message_is_read_while_the_loop_serves_others():
    """The sender writes the first part of a 20 MB answer, then waits for a task on the loop
    before it writes the rest: read in one go, as ``Connection.recv`` reads, it would never
    come (the loop would be held by the read), and the test would time out."""
    ours, theirs = Pipe()
    answer = {"body": os.urandom(20_000_000)}
    framed = memoryview(pickle.dumps(answer))
    framed = b"".join([struct.pack("!i", len(framed)), framed])
    loop_ran = threading.Event()

    def send() -> None:
        theirs_socket = socket.socket(fileno=os.dup(theirs.fileno()))
        with theirs_socket:
            theirs_socket.sendall(framed[:100_000])
            if loop_ran.wait(30):
                theirs_socket.sendall(framed[100_000:])

    async def main():
        sender = threading.Thread(target=send)
        sender.start()
        receiving = asyncio.ensure_future(run_on_loop(receive, ours, 30))
        while not receiving.done():
            await asyncio.sleep(0.001)
            loop_ran.set()
        sender.join(30)
        return await receiving

    assert apart(main) == answer


def test_a_connection_closed_by_another_thread_ends_the_wait_at_once():
    """The pool closed at shutdown while a greenlet waits for its worker: the worker's end
    closes as the worker is killed, and the wait ends with it, not at its deadline (30 s,
    after which it would report TIMED_OUT instead of raising)."""
    ours, theirs = Pipe()

    def close_both() -> None:
        ours.close()  # as Worker.kill does, after the kill
        theirs.close()

    async def main():
        waiting = asyncio.ensure_future(run_on_loop(receive, ours, 30))
        await asyncio.sleep(0.05)
        threading.Thread(target=close_both).start()
        return await waiting

    with pytest.raises(EOFError):
        apart(main)


def test_a_blocking_call_waits_on_a_thread_while_the_loop_goes_on():
    """The blocking call can only return once a task on the loop has run."""
    released = threading.Event()

    async def main():
        waiting = asyncio.ensure_future(run_on_loop(blocking, released.wait, 30))
        await asyncio.sleep(0)
        released.set()
        return await waiting

    assert apart(main) is True


def test_errors_raised_where_the_greenlet_waited_reach_its_caller():
    def fails() -> None:
        blocking(int, "not a number")

    async def main():
        await run_on_loop(fails)

    with pytest.raises(ValueError, match="not a number"):
        apart(main)


def wait_until(condition) -> None:
    for _ in range(6000):
        if condition():
            return
        threading.Event().wait(0.005)
    raise AssertionError("timed out waiting")


def test_the_line_serves_whoever_asked_first_threads_and_greenlets_alike():
    line: WaitingLine[str] = WaitingLine()
    got: list[tuple[str, str | None]] = []

    async def greenlet_first():
        got.append(("greenlet", await run_on_loop(line.get, 30)))

    loop_thread = threading.Thread(target=lambda: asyncio.run(greenlet_first()))
    loop_thread.start()
    wait_until(lambda: line.waiting() == 1)
    thread = threading.Thread(target=lambda: got.append(("thread", line.get(30))))
    thread.start()
    wait_until(lambda: line.waiting() == 2)
    line.put("first")
    assert line.get(0) is None  # a newcomer does not take what the line is owed
    line.put("second")
    loop_thread.join(30)
    thread.join(30)
    assert sorted(got) == [("greenlet", "first"), ("thread", "second")]
    assert (line.waiting(), line.qsize()) == (0, 0)


def test_one_not_served_in_time_leaves_the_line():
    line: WaitingLine[str] = WaitingLine()
    assert line.get(0.01) is None and line.waiting() == 0

    async def on_the_loop():
        return await run_on_loop(line.get, 0.01)

    assert apart(on_the_loop) is None and line.waiting() == 0
    line.put("idle")
    assert (line.qsize(), line.get(0)) == (1, "idle")


def test_a_query_checked_while_it_waits_keeps_its_place_in_line():
    """The syntax check runs with the query still in line: a worker put back meanwhile is
    owed to it, not to whoever joined the line during the check; a check that refuses the
    query leaves the line and hands on what it was given."""
    line: WaitingLine[str] = WaitingLine()
    second_joined = threading.Event()
    got: dict[str, str | None] = {}

    def check_while_another_joins() -> None:
        threading.Thread(target=lambda: got.update(second=line.get(30))).start()
        wait_until(lambda: line.waiting() == 2)
        second_joined.set()

    first = threading.Thread(target=lambda: got.update(
        first=line.get(30, meanwhile=(0.01, check_while_another_joins))))
    first.start()
    assert second_joined.wait(30)
    line.put("worker")
    first.join(30)
    line.put("next worker")
    wait_until(lambda: "second" in got)
    assert got == {"first": "worker", "second": "next worker"}

    def refused() -> None:
        line.put("handed during the check")
        raise ValueError("malformed")

    async def on_the_loop():
        return await run_on_loop(lambda: line.get(30, meanwhile=(0.01, refused)))

    with pytest.raises(ValueError, match="malformed"):
        apart(on_the_loop)
    assert (line.waiting(), line.get(0)) == (0, "handed during the check")


def test_a_handoff_to_a_closed_loop_gives_nothing():
    """A waiter whose loop has closed cannot be woken: ``give`` raises, and the handoff says
    nothing was given, so the line's later clean-up of that waiter (its coroutine closed at
    shutdown) does not hand the same worker on a second time."""

    async def main():
        return await run_on_loop(Handoff)

    handoff = apart(main)
    with pytest.raises(RuntimeError):
        handoff.give("worker")
    assert (handoff.given, handoff.value) == (False, None)


class NoThreads:
    """A stand-in for the waiting threads that refuses every call: what must not take one."""

    def submit(self, *args, **kwargs):
        raise AssertionError("a waiting thread was taken")


def test_one_cancelled_in_line_takes_no_worker_with_it():
    """Cancelled while in line, or after a worker was handed to it but before it ran: the line
    is left, and the worker goes to the next in line or back to the idle ones."""
    line: WaitingLine[str] = WaitingLine()

    async def main():
        first = asyncio.ensure_future(run_on_loop(line.get, 30))
        while line.waiting() == 0:
            await asyncio.sleep(0.001)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        left = (line.waiting(), line.qsize())
        second = asyncio.ensure_future(run_on_loop(line.get, 30))
        while line.waiting() == 0:
            await asyncio.sleep(0.001)
        line.put("worker")  # handed to the second, which has not run since
        second.cancel()
        with pytest.raises(asyncio.CancelledError):
            await second
        return left, line.qsize(), line.get(0)

    assert apart(main) == ((0, 0), 1, "worker")


def test_followers_on_the_loop_take_no_waiting_thread(monkeypatch):
    """A follower waits on the loop: had it taken a waiting thread, a hundred followers could
    take them all from the leader, which may need one (its syntax check, a remote engine)."""
    monkeypatch.setattr(cooperative, "_WAITERS", NoThreads())
    coalescer = Coalescer(30)
    answer = Answer("ask", SRJ, b'{"head":{},"boolean":true}', 1, False)
    release = threading.Event()
    leader = threading.Thread(target=coalescer.lead,
                              args=("key", lambda: release.wait(30) and answer))
    leader.start()
    wait_until(lambda: coalescer.in_flight() == 1)

    async def main():
        followers = [asyncio.ensure_future(run_on_loop(coalescer.joined, "key"))
                     for _ in range(100)]
        while coalescer.followers() < 100:
            await asyncio.sleep(0.001)
        release.set()
        return await asyncio.gather(*followers)

    try:
        assert apart(main) == [answer] * 100
    finally:
        release.set()
        leader.join(30)


class Interrupted(BaseException):
    """Like a cancellation or ^C: not an Exception, so no error handler expects it."""


def test_a_leader_interrupted_tells_its_followers_to_ask_again():
    coalescer = Coalescer(30)
    release = threading.Event()

    def interrupted():
        release.wait(30)
        raise Interrupted

    def lead():
        with contextlib.suppress(Interrupted):
            coalescer.lead("key", interrupted)

    leader = threading.Thread(target=lead)
    leader.start()
    wait_until(lambda: coalescer.in_flight() == 1)
    follower: list[BaseException] = []

    def follow():
        try:
            coalescer.joined("key")
        except BaseException as error:  # noqa: BLE001  # what the follower meets is the point
            follower.append(error)

    thread = threading.Thread(target=follow)
    thread.start()
    wait_until(lambda: coalescer.followers() == 1)
    release.set()
    thread.join(30)
    leader.join(30)
    assert [type(error) for error in follower] == [QueryEngineUnavailable]
    assert "send the query again" in str(follower[0])


# --- through the buffering front, with real query workers ---------------------------------------

def sparql(query: str, client: str = "192.0.2.7") -> Scope:
    scope = Scope(path="/sparql", query=urlencode({"query": query}), headers=[("accept", SRJ)])
    scope.client = f"{client}:50000"
    return scope


async def served(front: BufferingFront, scope: Scope) -> tuple[int, str]:
    protocol = Protocol()
    await front.__rsgi__(scope, protocol)
    status, _headers, body = protocol.answer
    return status, body.decode()


def on_a_loop(app, main) -> object:
    """``main(front)`` run to its end on a new loop, the app behind a new buffering front."""
    front = BufferingFront(app, threads=2, max_body_bytes=100_000)
    try:
        return apart(lambda: main(front))
    finally:
        front.threads.shutdown()


def test_a_runaway_is_stopped_at_its_limit_and_others_are_served_meanwhile(
        limited_app, full_pool, monkeypatch):  # noqa: F811
    executor = executor_for(limited_app)
    full_pool(executor)
    before = set(executor.pids())
    killed_on: list[str] = []  # the threads workers are killed on: never the loop's (it waits)
    kill = processes.Worker.kill
    monkeypatch.setattr(processes.Worker, "kill", lambda worker: (
        killed_on.append(threading.current_thread().name), kill(worker))[-1])

    async def main(front):
        runaway = asyncio.ensure_future(served(front, sparql(RUNAWAY, "192.0.2.1")))
        others, still_running = [], False
        while not runaway.done() and len(others) < 5:
            others.append(await served(front, sparql(f"ASK {{}} # {len(others)}", "192.0.2.2")))
            still_running = not runaway.done()
        return await runaway, others, still_running

    (status, text), others, still_running = on_a_loop(limited_app, main)
    assert status == 503 and any(f"'{setting}' setting" in text for setting in LIMIT_SETTINGS)
    assert others and all((status, json.loads(text)["boolean"]) == (200, True)
                          for status, text in others)
    assert still_running or len(others) == 5
    assert before - set(full_pool(executor))  # the runaway's worker was killed and replaced
    assert killed_on and LOOP_THREAD not in killed_on


def test_the_memory_limit_holds_on_the_loop(small_site, full_pool):
    """Doubling a string until it passes 512 MB: stopped by the memory limit, not the time
    limit (two minutes)."""
    app = small_site(query_workers=1, query_memory_limit_mb=512, query_time_limit_ms=120_000)
    doubling = PATHOLOGICAL["string doubling by nested BINDs"]
    try:
        status, text = on_a_loop(app, lambda front: served(front, sparql(doubling)))
        assert status == 503 and "'query_memory_limit_mb' setting" in text, text
        full_pool(executor_for(app))
        status, text = on_a_loop(app, lambda front: served(front, sparql("ASK {}")))
        assert (status, json.loads(text)["boolean"]) == (200, True)
    finally:
        executor_for(app).close()


def test_identical_requests_on_the_loop_cost_one_evaluation(gated):  # noqa: F811
    app, engine = gated
    query = "ASK { ?s ?p ?o } # shared on the loop"

    async def main(front):
        requests = [asyncio.ensure_future(served(front, sparql(query, f"192.0.2.{i + 1}")))
                    for i in range(N)]
        while coalescer_for(app).followers() < N - 1:
            await asyncio.sleep(0.005)
        engine.gate.set()
        return await asyncio.gather(*requests)

    answers = on_a_loop(app, main)
    assert engine.runs[query] == 1
    assert [(status, json.loads(text)["boolean"]) for status, text in answers] == [(200, True)] * N


def test_a_request_interrupted_while_its_worker_evaluates_leaves_nothing_for_the_next(
        limited_app, full_pool):  # noqa: F811
    """Cancelled while its worker evaluates, a request must not leave that worker in the pool:
    the worker's answer, when it came, would be read as the next job's."""
    executor = executor_for(limited_app)
    full_pool(executor)
    before = set(executor.pids())

    async def main(front):
        runaway = asyncio.ensure_future(served(front, sparql(RUNAWAY + " # cancelled")))
        while executor.idle_workers() == len(before):
            await asyncio.sleep(0.005)
        runaway.cancel()
        with pytest.raises(asyncio.CancelledError):
            await runaway
        return executor.idle_workers()

    idle = on_a_loop(limited_app, main)
    assert idle == len(before) - 1  # the busy worker was not put back
    assert len(before - set(full_pool(executor))) == 1  # it was killed and replaced

    async def two_more(front):
        return await asyncio.gather(*(served(front, sparql(f"SELECT ({n} AS ?n) {{}}",
                                                           f"192.0.2.{n}")) for n in (1, 2)))

    answers = on_a_loop(limited_app, two_more)
    assert [json.loads(text)["results"]["bindings"][0]["n"]["value"] for _, text in answers] \
        == ["1", "2"]


def test_workers_woken_by_a_job_do_not_preempt_the_server_that_wrote_it(limited_app, full_pool):  # noqa: F811
    """SCHED_BATCH (engine/process_limits.py): under the default policy the worker took over the
    server's core in the middle of its write(), and the event loop stood still meanwhile."""
    pids = full_pool(executor_for(limited_app))
    assert [os.sched_getscheduler(pid) for pid in pids] == [os.SCHED_BATCH] * len(pids)
    assert os.sched_getscheduler(0) == os.SCHED_OTHER  # the server keeps the default
