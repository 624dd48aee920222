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
import pickle
import socket
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


def receive(conn: Connection, timeout: float) -> Any:
    """The next message on ``conn`` (a socket's ``Connection``, as the pool's are), or
    ``TIMED_OUT`` if none begins within ``timeout`` seconds; EOFError if the other end closes.

    On the loop, the loop's selector watches the socket, and the message is read a part at a
    time, as much as has arrived, never waiting in a read: a query worker's answer may be tens
    of megabytes, which ``Connection.recv`` would read with the loop's every connection held up.
    It reads from a duplicate of the socket: the pool may close ``conn`` meanwhile, from another
    thread (at shutdown), and a descriptor closed under the selector would leave this wait blind
    until its deadline, its number free to be reused and watched by another; the duplicate keeps
    the socket open, and the worker killed with it makes it readable (end of file)."""
    if not on_loop():
        return conn.recv() if conn.poll(timeout) else TIMED_OUT
    with socket.fromfd(conn.fileno(), socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        if not _readable(sock, timeout):
            return TIMED_OUT
        (size,) = struct.unpack("!i", _read(sock, 4))
        if size == -1:  # over 2 GiB: the length follows in eight bytes (multiprocessing's framing)
            (size,) = struct.unpack("!Q", _read(sock, 8))
        return pickle.loads(_read(sock, size))


def _read(sock: socket.socket, size: int) -> bytearray:
    """``size`` bytes from ``sock``: what has arrived, then each further part once it has."""
    message = bytearray(size)
    view, got = memoryview(message), 0
    while got < size:
        try:
            count = sock.recv_into(view[got:], size - got, socket.MSG_DONTWAIT)
        except BlockingIOError:
            if not _readable(sock, _MORE_SECONDS):
                raise EOFError(f"a message stopped after {got} of {size} bytes") from None
            continue
        if count == 0:
            raise EOFError("the other end closed the connection")
        got += count
    return message


def _readable(sock: socket.socket, timeout: float) -> bool:
    loop = asyncio.get_running_loop()
    outcome: asyncio.Future[bool] = loop.create_future()
    loop.add_reader(sock, _settle, outcome, True)
    try:
        return _suspend_until(outcome, timeout, False)
    finally:
        loop.remove_reader(sock)


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
        else:
            self._loop.call_soon_threadsafe(self._wake)

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
