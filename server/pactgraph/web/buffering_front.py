"""The async front that buffers: granian's RSGI interface in, the WSGI app on a few threads.

A Python thread is the scarce thing in a WSGI server: whoever holds one can stop the site. Here a
connection never holds one. granian (web/server.py) reads request heads on its async runtime, with
a deadline; this front then reads the body on the event loop, with a deadline of its own
(``BODY_READ_SECONDS``), and only a request that has arrived whole is handed to a thread, which runs
the app and gives back the whole answer as bytes; granian writes them out however slowly the client
reads. (granian's own WSGI interface reads the body from the app's thread, with no deadline: 20
connections sending a body a byte every 3 s took every thread of a worker.)

The limits gunicorn used to apply to the request head are applied here, where the head can be
seen whole: at most ``MAX_HEADER_FIELDS`` header fields (431), each at most ``MAX_FIELD_BYTES``
(431), and a request target of at most ``MAX_TARGET_BYTES`` (414). A body declared longer than
``max_request_bytes`` is not read: the app answers 413 from its declared length.
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from granian.rsgi import ProtocolClosed, ProtocolError

from pactgraph.engine.cooperative import run_on_loop
from pactgraph.web.app import Remembered
from pactgraph.web.errors import ALLOW_ANY_ORIGIN
from pactgraph.web.headers import SECURITY_HEADERS
from pactgraph.web.middleware.lean_sparql import plain_operation

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Recall = Callable[[dict[str, Any]], Remembered | None]  # CountedFlask.remembered

MAX_HEADER_FIELDS = 50
MAX_FIELD_BYTES = 8190
MAX_TARGET_BYTES = 8190
BODY_READ_SECONDS = 10  # the whole body must have arrived this long after the head
BODILESS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE", "TRACE"})


class Refusal(Exception):
    """A request refused before the app sees it: its status and the reason given to the client."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


class BufferingFront:
    """An RSGI application that serves ``wsgi_app`` (see the module's docstring)."""

    def __init__(self, wsgi_app: WSGIApp, threads: int, max_body_bytes: int) -> None:
        self.wsgi_app = wsgi_app
        # The app's answers kept in memory, if it keeps any (web/app.py's CountedFlask does).
        self.remembered: Recall | None = getattr(wsgi_app, "remembered", None)
        self.max_body_bytes = max_body_bytes
        self.threads = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="pactgraph-app")

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.threads.shutdown(wait=False, cancel_futures=True)

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        try:
            check_head(scope)
        except Refusal as refusal:
            proto.response_bytes(refusal.status, _plain_headers(), _text(refusal))
            return
        if _bodiless(scope):
            environ = wsgi_environ(scope, b"")
            # A repeated GET is answered here, on the event loop: handing it to a thread and
            # back cost more than the rest of its answer (issue 15).
            answer = None if self.remembered is None else self.remembered(environ)
            if answer is not None:
                proto.response_bytes(*answer)
                return
        else:
            try:
                body = await asyncio.wait_for(self._body(scope, proto), BODY_READ_SECONDS)
            except TimeoutError:
                refusal = Refusal(408, "Request Timeout", f"the request body did not arrive "
                                  f"within {BODY_READ_SECONDS} s; send it at once")
                proto.response_bytes(408, [*_plain_headers(), ("Connection", "close")],
                                     _text(refusal))
                return
            except (ProtocolClosed, ProtocolError):  # the client went away while sending
                return
            environ = wsgi_environ(scope, body)
        if _plain_query(environ):
            # Answered on the event loop: its wait for a query worker is the loop's, not a
            # thread's (engine/cooperative.py).
            status, headers, answer = await run_on_loop(self._call, environ)
        else:
            loop = asyncio.get_running_loop()
            status, headers, answer = await loop.run_in_executor(self.threads, self._call, environ)
        proto.response_bytes(status, headers, answer)

    async def _body(self, scope: Any, proto: Any) -> bytes:
        length = scope.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            return b""  # not read: the app refuses it (413) from the declared length
        chunks, size = [], 0
        async for chunk in proto:
            chunks.append(chunk)
            size += len(chunk)
            if size > self.max_body_bytes:  # enough for the app to see it is too long
                break
        return b"".join(chunks)

    def _call(self, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
        """Run the app in this thread; its whole answer."""
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info=None):
            started[:] = [status, headers]
            return lambda data: None  # the legacy write(): this app never calls it

        try:
            result = self.wsgi_app(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            return int(started[0].split(" ", 1)[0]), list(started[1]), body
        except Exception:
            log.exception("the app failed on %s %s", environ["REQUEST_METHOD"],
                          environ["PATH_INFO"])
            refusal = Refusal(500, "Internal Server Error", "the server failed to answer this "
                              "request. The fault is ours, not yours; it has been logged.")
            return 500, _plain_headers(), _text(refusal)


def _plain_query(environ: dict[str, Any]) -> bool:
    """Whether a request goes to the lean path (web/middleware/lean_sparql.py), which plans it on
    the loop and lets the loop wait while a query worker evaluates it. Flask, which answers every
    other request, would hold up the loop for a whole page: the lean path hands it what it does
    not answer itself on a waiting thread."""
    return plain_operation(environ) is not None


def _bodiless(scope: Any) -> bool:
    """Whether a request comes with no body (a GET or the like, with no length or chunks)."""
    headers = scope.headers
    return (scope.method in BODILESS and "content-length" not in headers
            and "transfer-encoding" not in headers)


def check_head(scope: Any) -> None:
    """Refuse a request head over the limits (see the module's docstring)."""
    if len(scope.path) + len(scope.query_string) + 1 > MAX_TARGET_BYTES:
        raise Refusal(414, "URI Too Long", f"the request target is longer than "
                      f"{MAX_TARGET_BYTES} bytes; POST long queries in the body")
    fields = scope.headers.items()
    if len(fields) > MAX_HEADER_FIELDS:
        raise Refusal(431, "Request Header Fields Too Large", f"the request has {len(fields)} "
                      f"header fields; at most {MAX_HEADER_FIELDS} are accepted")
    for name, value in fields:
        if len(name) + len(value) + 2 > MAX_FIELD_BYTES:
            raise Refusal(431, "Request Header Fields Too Large", f"the header field {name!r} "
                          f"is longer than {MAX_FIELD_BYTES} bytes")


def wsgi_environ(scope: Any, body: bytes) -> dict[str, Any]:
    """The WSGI environ (PEP 3333) of an RSGI request whose body has been read."""
    server_host, _, server_port = scope.server.rpartition(":")
    client_host = scope.client.rpartition(":")[0].strip("[]")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope.method,
        "SCRIPT_NAME": "",
        # WSGI carries the path's bytes as latin-1 text; granian has decoded them as UTF-8.
        "PATH_INFO": scope.path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.query_string,
        "SERVER_NAME": server_host.strip("[]"),
        "SERVER_PORT": server_port,
        "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
        "REMOTE_ADDR": client_host,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.input_terminated": True,  # read to the end: the body is all here
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    headers = scope.headers
    for name in headers.keys():
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        if key not in environ:
            environ[key] = ",".join(headers.get_all(name))
    if "transfer-encoding" in headers:
        environ.pop("CONTENT_LENGTH", None)  # the body's length is what was read
    return environ


def _plain_headers() -> list[tuple[str, str]]:
    return [("Content-Type", "text/plain; charset=utf-8"), ALLOW_ANY_ORIGIN,
            *SECURITY_HEADERS.items()]


def _text(refusal: Refusal) -> bytes:
    return f"{refusal.status} {refusal.reason}: {refusal}\n".encode()
