"""Real SPARQL stores for the remote-engine tests, started by the test run on loopback ports.

- OpenLink Virtuoso 7.2 from Debian (``virtuoso-t``, installed by tools/install-test-deps.sh),
  with its own limits set low enough to be met in a test: ``MaxQueryExecutionTime`` 15 s
  (question 1 took up to 9 s on a loaded machine), ``ResultSetMaxRows`` ``VIRTUOSO_MAX_ROWS``;
  ``MaxSortedTopRows`` above the server's default ``max_result_rows`` + 1 (its default, 10000,
  is not: README "When one machine is not enough").
  Anonymous writes are granted (``SPARQL_UPDATE`` to the ``SPARQL`` user) so that
  ``pactgraph publish`` can load it by the Graph Store Protocol; the tests refuse updates
  themselves, before anything is sent.
- Oxigraph's server (``oxigraph serve``, from the ``oxigraph`` package on PyPI).

Each is a ``Store``: its query URL, its Graph Store Protocol URL and its process, stopped by
``stop`` (its whole process group). ``holding`` loads stores with some data, publishing only into
those that hold other data now: the test modules that need the fixture site and those that need
the bundled data each pay one load, not one on the way in and another on the way out.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from servers import free_port, pactgraph_command

VIRTUOSO_MAX_ROWS = 5000  # above question 1's 2,140 rows, below the 18,353 triples
VIRTUOSO_SECONDS = 15
STARTUP_SECONDS = 120

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
[Parameters]
ServerPort = {isql_port}
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 60
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 1
MaxSortedTopRows = 100000
DirsAllowed = .
[HTTPServer]
ServerPort = {http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 10
ServerThreads = 10
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = {seconds}
MaxQueryCostEstimationTime = 400
"""
# Lets the anonymous SPARQL user write (the Graph Store Protocol loads of ``pactgraph publish``).
VIRTUOSO_GRANTS = ('GRANT SPARQL_UPDATE TO "SPARQL"; '
                   "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);")


@dataclass
class Store:
    name: str
    query_url: str
    graph_store_url: str
    process: subprocess.Popen
    log: Path
    holds: tuple[str, ...] | None = None  # the data folders published into it (): the bundled

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


def _wait(store: Store) -> Store:
    deadline = time.monotonic() + STARTUP_SECONDS
    probe = store.query_url + "?query=ASK%7B%7D"
    while time.monotonic() < deadline:
        if store.process.poll() is not None:
            raise RuntimeError(f"{store.name} exited:\n{store.log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(probe, timeout=5) as response:
                if response.status == 200:
                    return store
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    store.stop()
    raise RuntimeError(f"{store.name} did not answer within {STARTUP_SECONDS} s")


def start_virtuoso(folder: Path) -> Store:
    folder.mkdir(parents=True, exist_ok=True)
    http_port, isql_port = free_port(), free_port()
    (folder / "virtuoso.ini").write_text(VIRTUOSO_INI.format(
        folder=folder, isql_port=isql_port, http_port=http_port, max_rows=VIRTUOSO_MAX_ROWS,
        seconds=VIRTUOSO_SECONDS))
    log = folder / "out.log"
    with log.open("wb") as output:
        process = subprocess.Popen(["virtuoso-t", "-f", "-c", "virtuoso.ini"], cwd=folder,
                                   stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    base = f"http://127.0.0.1:{http_port}"
    store = _wait(Store("virtuoso", base + "/sparql", base + "/sparql-graph-crud", process, log))
    isql = shutil.which("isql-vt") or "isql"
    subprocess.run([isql, str(isql_port), "dba", "dba", f"exec={VIRTUOSO_GRANTS}"], check=True,
                   capture_output=True, timeout=60)
    return store


def start_oxigraph(folder: Path) -> Store:
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = folder / "out.log"
    oxigraph = Path(sys.executable).with_name("oxigraph")
    with log.open("wb") as output:
        process = subprocess.Popen([str(oxigraph), "serve", "--location", str(folder / "db"),
                                    "--bind", f"127.0.0.1:{port}"], stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    return _wait(Store("oxigraph", base + "/query", base + "/store", process, log))


def publish(store: Store, *data: str) -> str:
    """Load the validated ``data`` folders (default: the bundled data) into ``store`` with
    ``pactgraph publish``; its report."""
    options = ["--data", *data] if data else []
    done = subprocess.run([*pactgraph_command(), "publish", "--to", store.graph_store_url,
                           *options], capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"pactgraph publish failed:\n{done.stderr}")
    return done.stderr


def holding(stores: dict[str, Store], *data: str) -> dict[str, Store]:
    """``stores`` holding the validated ``data`` folders (none: the bundled data), published
    (``publish``) only into the stores that hold something else now."""
    for store in stores.values():
        if store.holds != data:
            publish(store, *data)
            store.holds = data
    return stores
