"""How long `pactgraph serve` takes to stop after use, and whether it stops cleanly (issue 12).

Each stop follows a little use: queries and pages over kept-alive connections, one of them left
open. It is timed from the signal to the master's exit, for the two ways a server is stopped:

- ``SIGTERM``: to the master, as ``kill`` and most supervisors send it (a graceful stop: gunicorn
  keeps a connection used in the last 2 s open for up to 2 s, for a request already on its way);
- ``Ctrl-C``: SIGINT to the server's process group, as a terminal sends it (a quick stop).

A clean stop exits with status 0, leaves none of the server's processes (master, gunicorn workers,
query-worker loaders, query workers) and logs none of ``ALARMS``. Used by bench/run.py
(``--shutdown-runs``, ``--shutdown-only``).
"""

from __future__ import annotations

import http.client
import os
import signal
import statistics
import subprocess
import time
import urllib.parse
from pathlib import Path

from processes import process_family, still_running

ALARMS = ("SIGSEGV", "SIGKILL", "Traceback", "Perhaps out of memory")
STOPS = {"SIGTERM": signal.SIGTERM, "Ctrl-C": signal.SIGINT}
WAIT_SECONDS = 60  # a stop that takes longer is reported as such, and the group killed


def use(url: str) -> http.client.HTTPConnection:
    """Send queries and pages over two kept-alive connections; return the one left open."""
    address = urllib.parse.urlsplit(url)
    query = urllib.parse.quote("SELECT ?s WHERE { ?s a ?type } LIMIT 5")
    paths = [f"/sparql?query={query}", "/doc/treaty/north-atlantic-treaty-1949", "/",
             f"/sparql?query={query}%20%23again"]
    connections = [http.client.HTTPConnection(address.hostname, address.port, timeout=30)
                   for _ in range(2)]
    for connection in connections:
        for path in paths:
            connection.request("GET", path)
            connection.getresponse().read()
    connections[0].close()
    return connections[1]


def stop_once(process: subprocess.Popen, url: str, log: Path, stop: str) -> dict:
    """Use the server started as ``process`` (in a session of its own), stop it the ``stop`` way
    and say how it went."""
    kept_alive = use(url)
    family = process_family(process.pid)
    log_offset = log.stat().st_size
    began = time.monotonic()
    if stop == "Ctrl-C":
        os.killpg(process.pid, STOPS[stop])
    else:
        process.send_signal(STOPS[stop])
    try:
        process.wait(WAIT_SECONDS)
        seconds = time.monotonic() - began
    except subprocess.TimeoutExpired:
        seconds = float("inf")
    kept_alive.close()
    left = still_running(family)
    for pid in left:  # every process started here is stopped here
        os.kill(pid, signal.SIGKILL)
    process.wait(10)
    with log.open("rb") as text:
        text.seek(log_offset)
        logged = text.read().decode(errors="replace")
    return {"seconds": seconds, "status": process.returncode, "left": len(left),
            "alarms": [alarm for alarm in ALARMS if alarm in logged]}


def summary(runs: list[dict]) -> dict:
    return {"median_s": statistics.median(run["seconds"] for run in runs),
            "runs_s": [round(run["seconds"], 2) for run in runs],
            "clean": all(run["status"] == 0 and not run["left"] and not run["alarms"]
                         for run in runs),
            "problems": sorted({f"status {run['status']}" for run in runs if run["status"]}
                               | {f"{run['left']} processes left" for run in runs if run["left"]}
                               | {alarm for run in runs for alarm in run["alarms"]})}


def markdown(results: dict[str, dict]) -> list[str]:
    lines = ["| stop after use | median s | per run s | clean |", "|---|---|---|---|"]
    for stop, row in results.items():
        clean = "yes" if row["clean"] else "no: " + ", ".join(row["problems"])
        lines.append(f"| {stop} | {row['median_s']:.2f} | "
                     f"{', '.join(f'{s:.2f}' for s in row['runs_s'])} | {clean} |")
    return lines
