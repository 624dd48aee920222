"""Synchronous code run on granian's event loop: its waits become the loop's, not a thread's.

A query asked for the first time spends most of its web-side time waiting for a query worker
(engine/pool.py). Waiting on a thread of the buffering front (web/buffering_front.py) cost two
hand-overs between threads per request, each a wake-up and a turn of the GIL: on two cores, about
as much processor time as the evaluation itself (bench/README.md, "The wait on the event loop").
The code that answers a plain SPARQL GET is synchronous from the front cache down to the pool, and
rewriting it as coroutines would give every layer two copies. So ``run_on_loop`` runs it
unchanged in a greenlet (the library SQLAlchemy uses to the same end): where it would wait, it
hands the loop something to await and is resumed with the outcome, and the loop serves other
connections meanwhile.

Outside such a greenlet (in a thread, in tests, in the command line) every function here does
what it says plainly and blocks. Inside one, nothing may block the loop's thread:

- ``receive`` waits for a message on a socket with the loop's own selector (the hot path: the
  worker's answer), and a ``Handoff`` for a value another request hands over (an idle worker,
  a shared evaluation's outcome), the loop waking the greenlet;
- ``blocking`` runs a call that may wait (an idle worker, another request's evaluation) on a
  thread of its own and suspends the greenlet meanwhile;
- a ``threading.Lock`` may be taken only around work that never waits: two greenlets share one
  thread, so one that waited while holding a lock would stop the other, and the loop with it.
"""

from __future__ import annotations

import asyncio
import functools
import os
import pickle
import struct
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

import greenlet

T = TypeVar("T")

# Threads for the calls that may block (``blocking``: Flask's answers, the syntax checker, a remote
# engine, a worker's reaping): they hold no connection, so a generous number costs little. Waits
# for a worker or a shared evaluation take none (``Handoff``).
_WAITERS = ThreadPoolExecutor(max_workers=64, thread_name_prefix="pactgraph-wait")


class _OnLoop(greenlet.greenlet):
    """A greenlet started by ``run_on_loop``: its parent is the coroutine awaiting for it."""


def on_loop() -> bool:
    """Whether the caller runs in a greenlet on the event loop (so must not block)."""
    return isinstance(greenlet.getcurrent(), _OnLoop)


async def run_on_loop(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` run in a greenlet on the running loop; what it hands over with
    ``suspend`` is awaited here and its outcome sent back to it."""
    child = _OnLoop(function, parent=greenlet.getcurrent())
    handed = child.switch(*args)
    while not child.dead:
        try:
            outcome = await handed
        except BaseException as error:  # noqa: BLE001  # raised where the greenlet waited
            handed = child.throw(error)
        else:
            handed = child.switch(outcome)
    return handed


def suspend(awaitable: Awaitable[T]) -> T:
    """Give ``awaitable`` to ``run_on_loop`` and wait for its outcome (raised if an error)."""
    return greenlet.getcurrent().parent.switch(awaitable)


def blocking(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)``, which may wait: on a waiting thread when called on the loop."""
    if not on_loop():
        return function(*args)
    loop = asyncio.get_running_loop()
    return suspend(loop.run_in_executor(_WAITERS, functools.partial(function, *args)))


# ``receive``'s outcome when nothing came within its time.
TIMED_OUT = object()
_MORE_SECONDS = 5.0  # once a message has begun, how long each further part may take to come
_HEADER, _LONG_HEADER = struct.Struct("!i"), struct.Struct("!Q")  # multiprocessing.Connection's
_FIRST_READ = 65_536  # most answers are whole in the first read
_LARGEST_READ = 1 << 20


def receive(conn: Connection, timeout: float) -> Any:
    """The next message on ``conn``, or ``TIMED_OUT`` if none begins within ``timeout``
    seconds; EOFError if the other end closes.

    On the loop, the loop's selector watches the connection, and the message is read a part at
    a time, as much as has arrived, never waiting in a read: a query worker's answer may be tens
    of megabytes, which ``Connection.recv`` would read with the loop's every connection held up.
    It reads from a duplicate of the descriptor: the pool may close ``conn`` meanwhile, from
    another thread (at shutdown), and a descriptor closed under the selector would leave this
    wait blind until its deadline, its number free to be reused and watched by another; the
    duplicate keeps the socket open, and the worker killed with it makes it readable (end of
    file). Plain descriptors, not socket objects: asyncio formats the repr of what it is given
    to watch (a KeyError's message), and a socket's repr cost a fifth of this function."""
    if not on_loop():
        return conn.recv() if conn.poll(timeout) else TIMED_OUT
    fd = os.dup(conn.fileno())
    try:
        if not _readable(fd, timeout):
            return TIMED_OUT
        received = bytearray(os.read(fd, _FIRST_READ))  # the selector said it would not wait
        while (frame := _frame(received)) is None or len(received) < frame[1]:
            if not _readable(fd, _MORE_SECONDS):
                raise EOFError(f"a message stopped after {len(received)} bytes")
            wanted = (frame[1] if frame else _HEADER.size + _LONG_HEADER.size) - len(received)
            part = os.read(fd, min(wanted, _LARGEST_READ))
            if not part:
                raise EOFError("the other end closed the connection")
            received += part
        return pickle.loads(memoryview(received)[frame[0]:frame[1]])
    finally:
        os.close(fd)


def _frame(received: bytearray) -> tuple[int, int] | None:
    """Where the message in ``received`` begins and ends, once its length has arrived
    (multiprocessing.Connection's framing: four bytes, or eight after -1 for over 2 GiB)."""
    if len(received) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack_from(received)
    if size != -1:
        return _HEADER.size, _HEADER.size + size
    if len(received) < _HEADER.size + _LONG_HEADER.size:
        return None
    (size,) = _LONG_HEADER.unpack_from(received, _HEADER.size)
    return _HEADER.size + _LONG_HEADER.size, _HEADER.size + _LONG_HEADER.size + size


def _readable(fd: int, timeout: float) -> bool:
    loop = asyncio.get_running_loop()
    outcome: asyncio.Future[bool] = loop.create_future()
    loop.add_reader(fd, _settle, outcome, True)
    try:
        return _suspend_until(outcome, timeout, False)
    finally:
        loop.remove_reader(fd)


def _settle(future: asyncio.Future[T], value: T) -> None:
    if not future.done():  # the first of the outcome and the deadline wins
        future.set_result(value)


def _suspend_until(future: asyncio.Future[T], timeout: float, at_deadline: T) -> T:
    """``suspend`` until ``future`` is settled, or settle it with ``at_deadline`` after
    ``timeout`` seconds."""
    timer = future.get_loop().call_later(timeout, _settle, future, at_deadline)
    try:
        return suspend(future)
    finally:
        timer.cancel()


class Handoff(Generic[T]):
    """One value handed over once, from any thread, to one waiter: a thread, by an event, or a
    greenlet on the loop, by its loop. Whoever owns the line of waiters calls ``give`` and reads
    ``given`` under its own lock. ``give`` raises RuntimeError when the waiter's loop has closed
    (the waiter is gone: hand the value to the next)."""

    def __init__(self) -> None:
        self.given = False
        self.value: T | None = None
        self._loop = asyncio.get_running_loop() if on_loop() else None
        self._woken = None if self._loop is None else self._loop.create_future()
        self._event = threading.Event() if self._loop is None else None

    def give(self, value: T) -> None:
        self.value, self.given = value, True
        if self._event is not None:
            self._event.set()
            return
        try:
            self._loop.call_soon_threadsafe(self._wake)
        except RuntimeError:  # its loop has closed: nothing was given (the line hands it on)
            self.value, self.given = None, False
            raise

    def _wake(self) -> None:  # on the waiter's loop, as ``wait`` is: the future read is current
        _settle(self._woken, None)

    def wait(self, timeout: float) -> None:
        """Until the value is given or ``timeout`` seconds have passed; may be called again
        after a wait that timed out."""
        if self._event is not None:
            self._event.wait(timeout)
        elif not self.given:
            if self._woken.done():  # settled by an earlier wait's deadline
                self._woken = self._loop.create_future()
            _suspend_until(self._woken, timeout, None)
