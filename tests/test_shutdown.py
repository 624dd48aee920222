"""Stopping `pactgraph serve` (issue 12): SIGTERM and Ctrl-C end the parent, its granian workers,
their query-worker loaders and the query workers, with a clean status and a quiet log.

Each case starts the real command on the prebuilt store of the session (the ``app`` fixture builds
it), uses it with kept-alive connections, one left open, and stops it. How fast it stops is for the
benchmark to report (bench/shutdown.py); here the deadline is only generous.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest

from pactgraph.web.server import ServerOptions

STOP_DEADLINE = 20  # seconds; it takes under 3 on a quiet machine
START_DEADLINE = 300
ALARMS = ("SIGSEGV", "SIGKILL", "Traceback", "perhaps out of memory")
QUERY = urllib.parse.quote("SELECT ?treaty WHERE { ?treaty a ?type } LIMIT 5")
PAGES = ("/", "/doc/treaty/north-atlantic-treaty-1949", f"/sparql?query={QUERY}",
         "/doc/treaty/us-philippines-mdt-1951")


def stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None if gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def children() -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := stat_fields(int(entry.name))):
            found.setdefault(int(fields[1]), []).append(int(entry.name))
    return found


def generations(master: int) -> list[list[int]]:
    """The server's processes by generation: [parent], granian workers, loaders, query workers
    and syntax checkers."""
    tree, found = children(), [[master]]
    for _ in range(3):
        found.append([child for parent in found[-1] for child in tree.get(parent, [])])
    return found


def whole_family(master: int, workers: int, query_workers: int) -> list[tuple[int, str]]:
    """Every process of the server once all are up, each with its start time (so that a pid the
    kernel gives to another process later is not mistaken for it)."""
    deadline = time.monotonic() + START_DEADLINE
    while True:
        found = generations(master)
        counts = [len(generation) for generation in found]
        # Each loader forks its query workers and one syntax checker (engine/syntax_check.py).
        if counts == [1, workers, workers, workers * (query_workers + 1)]:
            break
        assert time.monotonic() < deadline, f"the server's processes never all came up: {counts}"
        time.sleep(0.1)
    return [(pid, stat_fields(pid)[19]) for generation in found for pid in generation]


def still_running(family: list[tuple[int, str]]) -> list[int]:
    """The processes of ``family`` still running (a zombie has ended)."""
    running = []
    for pid, started in family:
        fields = stat_fields(pid)
        if fields and fields[19] == started and fields[0] != "Z":
            running.append(pid)
    return running


def connect(port: int) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=30)


def wait_until_answering(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + START_DEADLINE
    while time.monotonic() < deadline:
        assert process.poll() is None, f"pactgraph serve exited:\n{log.read_text()}"
        try:
            connection = connect(port)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"pactgraph serve did not answer within {START_DEADLINE} s")


def use(port: int) -> http.client.HTTPConnection:
    """Queries and pages over two kept-alive connections; the second is returned, left open."""
    connections = [connect(port), connect(port)]
    for connection in connections:
        for path in PAGES:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            assert response.status == 200, path
            assert not response.will_close, "the connection was not kept alive"
    connections[0].close()
    return connections[1]


def terminate(master: int) -> None:
    os.kill(master, signal.SIGTERM)  # what `kill` and service managers send


def press_ctrl_c(master: int) -> None:
    os.killpg(master, signal.SIGINT)  # a terminal sends it to the whole foreground group


@pytest.mark.parametrize("stop", [terminate, press_ctrl_c], ids=["SIGTERM", "Ctrl-C"])
def test_the_server_stops_cleanly(app, serve_command, tmp_path, stop):
    options = ServerOptions()
    command = serve_command("--workers", str(options.workers))
    port = int(command[command.index("--port") + 1])
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    family: list[tuple[int, str]] = []
    try:
        wait_until_answering(process, port, log)
        family = whole_family(process.pid, options.workers,
                              app.extensions["pactgraph"].settings["query_workers"])
        # The loaders and query workers are out of the server's process group, so that Ctrl-C
        # reaches only the server, which ends them (it reached loaders still importing).
        in_group = {pid for pid, _ in family if stat_fields(pid)[2] == str(process.pid)}
        assert in_group == {process.pid, *generations(process.pid)[1]}
        kept_alive = use(port)
        stop(process.pid)
        status = process.wait(STOP_DEADLINE)
        kept_alive.close()
    finally:  # leave nothing behind, whatever failed
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        left = still_running(family)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
    assert status == 0
    logged = log.read_text(errors="replace")
    assert [alarm for alarm in ALARMS if alarm.lower() in logged.lower()] == [], logged
    assert left == []
