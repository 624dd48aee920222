"""Pinned answers: each example question evaluated once per store, its answers read back after.

The example questions (queries/*.rq) are what most people ask: the pages link each one to the
endpoint. At 80 times the bundled data six of them took 160 ms to 1 s before their first row
(sorted answers that grow with the data), and up to 7 s to write, though the store never changes.
So, as QLever pins the results of chosen queries, a pool pins the example questions' answers:

- once its workers are ready, the pool forks a *pinner* from its loader (a sibling of the
  workers: the same in-memory copy, no network, the same memory limit, at most ``PIN_SECONDS``
  of processor time a question). It evaluates each SELECT question as a worker would
  (engine/answers.py), writes the answer in each results format under the pool's caps, with no
  link, and keeps each in the prebuilt store's folder (``pinned/{code}/{caps}/``), whole or not
  at all;
- a worker given a query that *is* an example question, read as ``canonical`` reads it (comment
  and blank lines, and PREFIX lines that only repeat the server's own prefixes, left out; a text
  with a long string literal never matches), with no dataset of its own, sends the pinned bytes,
  the request's link added to a cut answer where the writers put it: the bytes evaluation gives,
  in every format, under a row cap and a byte cap (tests/test_pinned.py).

The folder's data never changes, so a pin never goes stale. Until a question is pinned (or if the
folder cannot be written, or the pinner ended), it is evaluated as any query is; a pinned answer is
sent by a worker, under the same time and memory limits.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from pactgraph.engine import process_limits
from pactgraph.engine.answers import answer, evaluate_bounded
from pactgraph.engine.base import Answer, Job
from pactgraph.engine.cuts import ROWS, Cut
from pactgraph.engine.processes import Worker, await_ready
from pactgraph.engine.results import CSV, RESULTS_JSON, RESULTS_XML, TSV, xml_signals
from pactgraph.errors import QueryEngineUnavailable
from pactgraph.namespaces import PREFIXES

log = logging.getLogger(__name__)

FOLDER = "pinned"  # inside the prebuilt store's folder (build/prebuilt.py)
PIN_SECONDS = 120  # processor time the pinner may spend on one question
JSON = ox.QueryResultsFormat.JSON
# The formats pinned, TSV last: its file says that a question is pinned in every format.
EXTENSIONS = {RESULTS_JSON: "srj", RESULTS_XML: "srx", CSV: "csv", TSV: "tsv"}

_DEFAULT_PREFIX = {f"PREFIX {name}: <{iri}>" for name, iri in PREFIXES.items()}
_PREFIX_LINE = re.compile(r"PREFIX\s+(\w*):\s*(<[^>]*>)\Z", re.IGNORECASE)
# The code that decides a pinned answer's bytes (with pyoxigraph's version).
PINNING_MODULES = ("engine/pinned.py", "engine/answers.py", "engine/store.py", "namespaces.py",
                   "engine/results.py", "engine/cuts.py", "engine/term_writers.py")


def _pinning_version() -> str:
    digest = hashlib.sha256(ox.__version__.encode("ascii"))
    package = Path(__file__).resolve().parents[1]
    for name in PINNING_MODULES:
        digest.update(name.encode("utf-8") + b"\0" + (package / name).read_bytes())
    return digest.hexdigest()[:16]


def canonical(query: str) -> str:
    """``query`` without what cannot change its meaning: comment and blank lines, the spaces
    around each line, and PREFIX lines that declare one of the server's own prefixes as it does.
    A text holding a long string literal (which may span lines) is returned as it is."""
    if '"""' in query or "'''" in query:
        return query
    kept = []
    for line in query.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        prefix = _PREFIX_LINE.match(line)
        if prefix and f"PREFIX {prefix.group(1)}: {prefix.group(2)}" in _DEFAULT_PREFIX:
            continue
        kept.append(line)
    return "\n".join(kept)


def key_of(query: str) -> str:
    return hashlib.sha256(canonical(query).encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Pins:
    """Where a pool's pinned answers are kept, and the questions to pin ({key: text})."""

    folder: Path
    questions: dict[str, str]
    shortest: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "shortest", min(map(len, self.questions.values()), default=0))

    @classmethod
    def of(cls, store_folder: Path, texts: list[str]) -> Pins:
        """The pins of ``texts`` in ``store_folder``, kept apart by the code that evaluates and
        writes them: pins made otherwise (an older release) are left unread."""
        return cls(store_folder / FOLDER / _pinning_version(),
                   {key_of(text): text for text in texts})

    def file(self, key: str, media_type: str, caps: tuple[int, int]) -> Path:
        """The answer to question ``key`` in ``media_type`` under ``caps`` (rows, bytes)."""
        return self.folder / f"{caps[0]}-{caps[1]}" / f"{key}.{EXTENSIONS[media_type]}"

    def answer(self, job: Job, caps: tuple[int, int]) -> Answer | None:
        """In a query worker: the pinned answer to ``job``, or None: not an example question as
        pinned (a dataset of its own, a media type with none pinned), or not pinned yet."""
        media_type = job.media_types.get("select")
        if (len(job.query) < self.shortest or media_type not in EXTENSIONS
                or job.default_graphs or job.named_graphs):
            return None
        key = key_of(job.query)
        if key not in self.questions:
            return None
        try:
            with self.file(key, media_type, caps).open("rb") as pinned:
                rows, cut = json.loads(pinned.readline())
                body = pinned.read()
        except (OSError, ValueError):
            return None
        if cut is not None and job.link:
            body = _with_link(body, media_type, job.link)
        return Answer("select", media_type, body, rows, cut is not None)


def _with_link(body: bytes, media_type: str, link: str) -> bytes:
    """A cut answer written with no link, given ``link`` where the writers put it
    (engine/results.py): last in the head."""
    if media_type == RESULTS_JSON:  # {"head":{"vars":[...]},"pactgraph":...
        at = body.index(b'},"pactgraph":')
        return body[:at] + b',"link":' + json.dumps([link], ensure_ascii=False).encode() + body[at:]
    if media_type == RESULTS_XML:
        link_element, _ = xml_signals(Cut(ROWS, 0), link)
        at = body.index(b"</head>")
        return body[:at] + link_element.encode() + body[at:]
    return body  # CSV and TSV say it in headers only


def pin_all(store: ox.Store, pins: Pins, caps: tuple[int, int]) -> tuple[int, str | None]:
    """In the pinner: evaluate and write every question of ``pins`` not pinned yet under
    ``caps``. Pools starting together (one per HTTP worker) take turns on a lock, so each
    question is evaluated once. Returns how many were pinned here, and why it stopped early."""
    folder = pins.folder / f"{caps[0]}-{caps[1]}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = os.open(folder / ".lock", os.O_CREAT | os.O_RDWR, 0o644)
    except OSError as error:
        return 0, f"{folder} cannot be written ({error.strerror})"
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _pin_missing(store, pins, caps)
    finally:
        os.close(lock)


def _pin_missing(store: ox.Store, pins: Pins, caps: tuple[int, int]) -> tuple[int, str | None]:
    max_rows, max_bytes = caps
    pinned = 0
    for key, text in pins.questions.items():
        if pins.file(key, TSV, caps).exists():  # the last one written
            continue
        process_limits.limit_cpu(PIN_SECONDS * 1000)
        try:
            # The workers' own evaluation: the same solutions, in the same order...
            result, bounded = evaluate_bounded(store, text, max_rows, ((), ()))
            if result.kind != "select" or not bounded:
                continue  # answered by evaluation, as any query
            solutions = result.value.serialize(format=JSON)
            # ... written by their own writers, in each format, with no link (see _with_link).
            for media_type in EXTENSIONS:
                written = answer(store, text, {"select": media_type}, max_rows, None, (), (),
                                 max_bytes, solutions).written
                cut = None if written.cut is None else [written.cut.setting, written.cut.limit]
                header = json.dumps([written.rows, cut]).encode() + b"\n"
                _write_whole(pins.file(key, media_type, caps), header + written.body)
        except Exception as error:  # e.g. a question that is not valid SPARQL: say which
            return pinned, f"{text.splitlines()[0]}: {type(error).__name__}: {error}"
        finally:
            process_limits.unlimit_cpu()
        pinned += 1
    return pinned, None


def _write_whole(path: Path, body: bytes) -> None:
    descriptor, partial = tempfile.mkstemp(dir=path.parent, prefix=".pin.")
    with os.fdopen(descriptor, "wb") as out:
        out.write(body)
    os.replace(partial, path)


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
            _, count, seconds, problem = process.conn.recv()
        except (EOFError, OSError, QueryEngineUnavailable):
            if self.process is process:  # not merely closed with its pool
                log.warning("the pinner ended before it pinned every example question (exit "
                            "code %s); those left are evaluated as asked", process.exitcode())
            return
        finally:
            process.kill()  # and reaped
        if problem:
            log.warning("pinning the example questions' answers stopped: %s", problem)
        if count:
            log.info("pinned the answers of %d example questions in %.1f s", count, seconds)

    def close(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            process.kill()


def serve_pins(conn, store: ox.Store, pins: Pins, caps: tuple[int, int]) -> None:
    """The pinner's life: say it is ready, pin, report ("pinned", count, seconds, problem)."""
    conn.send(("ready", os.getpid()))
    started = time.monotonic()
    count, problem = pin_all(store, pins, caps)
    conn.send(("pinned", count, time.monotonic() - started, problem))
