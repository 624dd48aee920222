"""The pinner: the process that evaluates each example question once and writes its answers
(engine/pinned.py says what a pin is and how a worker reads it), and the pool's side of it.

It is forked by the pool's loader once the workers are ready, so it holds the same in-memory copy,
has no network and the same memory limit, and runs at most ``PIN_SECONDS`` of processor time a
question. Pools starting together (one per HTTP worker) take turns on a lock in the folder, so each
question is evaluated once. A question that fails (or whose pinner died on it, found by the mark it
left) is skipped, not retried at every start: it is evaluated as asked, like any query.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Callable

import pyoxigraph as ox

from pactgraph.engine import process_limits
from pactgraph.engine.answers import answer, evaluate_bounded
from pactgraph.engine.pinned import EXTENSIONS, Pins
from pactgraph.engine.processes import Worker, await_ready
from pactgraph.engine.results import TSV
from pactgraph.errors import QueryEngineUnavailable
from pactgraph.whole_files import clear_left_behind, write_whole

log = logging.getLogger(__name__)

PIN_SECONDS = 120  # processor time the pinner may spend on one question
JSON = ox.QueryResultsFormat.JSON
PARTIAL = ".pin."  # a pin being written (whole_files.write_whole), cleared if left behind


def pin_all(store: ox.Store, pins: Pins, caps: tuple[int, int]) -> tuple[int, list[str]]:
    """Evaluate and write every question of ``pins`` not pinned yet under ``caps``. Returns how
    many were pinned here, and what could not be, and why."""
    folder = pins.under(caps)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = os.open(folder / ".lock", os.O_CREAT | os.O_RDWR, 0o644)
    except OSError as error:
        return 0, [f"{folder} cannot be written ({error.strerror})"]
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        clear_left_behind(folder, PARTIAL)  # by a pinner killed as it wrote
        return _pin_missing(store, pins, caps)
    finally:
        os.close(lock)


def _pin_missing(store: ox.Store, pins: Pins, caps: tuple[int, int]) -> tuple[int, list[str]]:
    pinned, problems = 0, []
    for key, text in pins.questions.items():
        last = pins.file(key, TSV, caps)  # the last one written
        tried = last.with_suffix(".tried")
        if last.exists():
            continue
        if tried.exists():  # a pinner ended on it (its time, its memory): not again
            problems.append(f"{_first_line(text)}: the last pinner ended while evaluating it")
            continue
        tried.touch()
        process_limits.limit_cpu(PIN_SECONDS * 1000)
        try:
            written = _pin(store, pins, key, text, caps)
        except Exception as error:  # a question that is not valid SPARQL, a first row too long
            problems.append(f"{_first_line(text)}: {type(error).__name__}: {error}")
            continue
        finally:
            process_limits.unlimit_cpu()
        tried.unlink()
        pinned += written
    return pinned, problems


def _pin(store: ox.Store, pins: Pins, key: str, text: str, caps: tuple[int, int]) -> bool:
    """Write the answers to question ``key``; False if it is one answered by evaluation only."""
    max_rows, max_bytes = caps
    # The workers' own evaluation: the same solutions, in the same order...
    result, bounded = evaluate_bounded(store, text, max_rows, ((), ()))
    if result.kind != "select" or not bounded:
        return False
    solutions = result.value.serialize(format=JSON)
    # ... written by their own writers, in each format, with no link (see pinned._with_link).
    for media_type in EXTENSIONS:
        written = answer(store, text, {"select": media_type}, max_rows, None, (), (),
                         max_bytes, solutions).written
        cut = None if written.cut is None else [written.cut.setting, written.cut.limit]
        header = json.dumps([written.rows, cut]).encode() + b"\n"
        write_whole(pins.file(key, media_type, caps), header + written.body, PARTIAL)
    return True


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text.strip() else "(empty)"


class Pinner:
    """The pool's side of its pinner: fork it at start, log its report from a thread, kill it
    with the pool."""

    def __init__(self, pins: Pins | None) -> None:
        self.pins = pins
        self.process: Worker | None = None

    def start(self, spawn: Callable[[str], Worker]) -> None:
        if self.pins is None or not self.pins.questions:
            return
        try:
            process = self.process = spawn("pinner")
        except (EOFError, OSError, QueryEngineUnavailable) as error:
            log.warning("the example questions' answers were not pinned: %s", error)
            return
        threading.Thread(target=self._report, args=(process,), name="pactgraph-pinner",
                         daemon=True).start()

    def _report(self, process: Worker) -> None:
        try:
            await_ready(process, process.conn, "the pinner")
            _, count, seconds, problems = process.conn.recv()
        except (EOFError, OSError, QueryEngineUnavailable):
            if self.process is process:  # not merely closed with its pool
                log.warning("the pinner ended before it pinned every example question (exit "
                            "code %s); those left are evaluated as asked", process.exitcode())
            return
        finally:
            process.kill()  # and reaped
        for problem in problems:
            log.warning("an example question's answer was not pinned: %s", problem)
        if count:
            log.info("pinned the answers of %d example questions in %.1f s", count, seconds)

    def close(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            process.kill()


def serve_pins(conn, store: ox.Store, pins: Pins, caps: tuple[int, int]) -> None:
    """The pinner's life: say it is ready, pin, report ("pinned", count, seconds, problems)."""
    conn.send(("ready", os.getpid()))
    started = time.monotonic()
    count, problems = pin_all(store, pins, caps)
    conn.send(("pinned", count, time.monotonic() - started, problems))
