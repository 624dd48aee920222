"""Slow and idle clients for a server on loopback, and a probe that times a health check meanwhile.

    .venv/bin/python tests/load/slow_clients.py --port 8000 [--slowloris 50] [--idle 100]
        [--slow-readers 24] [--slow-bodies 20] [--reader-path /download/pactgraph.nt] [--seconds 30]

Three kinds of client, each kept at its number for as long as it runs (one the server closes is
opened again, as an attacker would):

- slowloris: a request line, then one byte of a header every ``interval`` seconds, never ending;
- idle: a connection that sends nothing at all;
- slow body: the head of a POST, then one byte of its body every ``interval`` seconds;
- slow reader: a complete request for a large answer, then one small read every ``interval``
  seconds, with a tiny receive buffer so the server's writes fill up.

Used by tests/test_slow_clients.py (the regression test) and tests/load/soak.py (the soak mix);
run alone it prints the probe's latencies. Loopback only; every socket is closed on ``stop``.
"""

from __future__ import annotations

import argparse
import json
import selectors
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

READER_BUFFER = 4096  # bytes: the receive buffer of a slow reader, so the server's writes back up


@dataclass
class _Conn:
    kind: str
    sock: socket.socket
    next_at: float
    sent: int = 0


@dataclass
class SlowClients:
    """Keeps ``slowloris`` + ``idle`` + ``slow_readers`` + ``slow_bodies`` connections open to
    ``host:port``."""

    port: int
    host: str = "127.0.0.1"
    slowloris: int = 0
    idle: int = 0
    slow_readers: int = 0
    slow_bodies: int = 0
    reader_path: str = "/download/pactgraph.nt"
    interval: float = 3.0
    closed_by_server: int = 0  # connections the server ended (each one is opened again)
    _conns: list[_Conn] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        assert self.host in ("127.0.0.1", "localhost", "::1"), "loopback only"

    def open_count(self) -> int:
        return len(self._conns)

    def start(self) -> SlowClients:
        wanted = ([("slowloris", self.slowloris), ("idle", self.idle),
                   ("reader", self.slow_readers), ("body", self.slow_bodies)])
        for kind, count in wanted:
            for _ in range(count):
                self._open(kind)
        self._thread = threading.Thread(target=self._run, name="slow-clients", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        for conn in self._conns:
            conn.sock.close()
        self._conns.clear()

    def __enter__(self) -> SlowClients:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _open(self, kind: str) -> None:
        sock = socket.socket()
        if kind == "reader":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, READER_BUFFER)
        sock.settimeout(10)
        try:
            sock.connect((self.host, self.port))
            if kind == "slowloris":
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
            elif kind == "body":
                sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: localhost\r\n"
                             b"Content-Type: application/sparql-query\r\n"
                             b"Content-Length: 1000\r\n\r\n")
            elif kind == "reader":
                sock.sendall(f"GET {self.reader_path} HTTP/1.1\r\nHost: localhost\r\n"
                             "Accept-Encoding: identity\r\n\r\n".encode())
        except OSError:  # the server's backlog is full: try again on the next round
            sock.close()
            return
        sock.setblocking(False)
        self._conns.append(_Conn(kind, sock, time.monotonic() + self.interval))

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            now = time.monotonic()
            alive = []
            for conn in self._conns:
                if self._step(conn, now):
                    alive.append(conn)
                else:
                    conn.sock.close()
                    self.closed_by_server += 1
            self._conns = alive
            for kind in self._missing():
                self._open(kind)

    def _missing(self) -> list[str]:
        have = {"slowloris": 0, "idle": 0, "reader": 0, "body": 0}
        for conn in self._conns:
            have[conn.kind] += 1
        want = {"slowloris": self.slowloris, "idle": self.idle, "reader": self.slow_readers,
                "body": self.slow_bodies}
        return [kind for kind in want for _ in range(want[kind] - have[kind])]

    def _step(self, conn: _Conn, now: float) -> bool:
        """Advance one connection; False when the server has closed it."""
        try:
            if conn.kind == "reader":
                if now >= conn.next_at:
                    conn.next_at = now + self.interval
                    data = conn.sock.recv(1024)
                    return bool(data)
                return True
            if _closed(conn.sock):
                return False
            if conn.kind in ("slowloris", "body") and now >= conn.next_at:
                conn.next_at = now + self.interval
                dribble = b"X-a: b\r\n" if conn.kind == "slowloris" else b"ASK {}  "
                conn.sock.send(dribble[conn.sent % 8:conn.sent % 8 + 1])
                conn.sent += 1
            return True
        except BlockingIOError:
            return True
        except OSError:
            return False


def _closed(sock: socket.socket) -> bool:
    """Whether the server has given up on this connection: closed it, or answered the request
    that never ended (a 408 or 400), which it then closes too."""
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_READ)
        return bool(selector.select(0))


def probe(url: str, timeout: float = 20) -> float | None:
    """Seconds to a complete answer from ``url``, or None if there was none within ``timeout``."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as error:
        error.close()
    except (urllib.error.URLError, OSError):
        return None
    return time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--slowloris", type=int, default=0)
    parser.add_argument("--idle", type=int, default=0)
    parser.add_argument("--slow-readers", type=int, default=0)
    parser.add_argument("--slow-bodies", type=int, default=0)
    parser.add_argument("--reader-path", default="/download/pactgraph.nt")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--timeout", type=float, default=20)
    args = parser.parse_args(argv)
    url = f"http://127.0.0.1:{args.port}/healthz"
    clients = SlowClients(args.port, slowloris=args.slowloris, idle=args.idle,
                          slow_readers=args.slow_readers, slow_bodies=args.slow_bodies,
                          reader_path=args.reader_path)
    latencies: list[float | None] = []
    with clients:
        time.sleep(2)  # let every connection reach the server
        end = time.monotonic() + args.seconds
        while time.monotonic() < end:
            latencies.append(probe(url, args.timeout))
            time.sleep(0.5)
        still_open = clients.open_count()
    answered = sorted(s for s in latencies if s is not None)
    report = {"probes": len(latencies), "timed_out": len(latencies) - len(answered),
              "median_ms": round(answered[len(answered) // 2] * 1000) if answered else None,
              "max_ms": round(answered[-1] * 1000) if answered else None,
              "open_at_end": still_open, "closed_by_server": clients.closed_by_server}
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
