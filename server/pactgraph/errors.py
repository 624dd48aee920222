"""pactgraph's small exception hierarchy.

Every error a user can cause is a ``PactgraphError`` whose message says what to do next. The HTTP
layer maps each kind to a status code in one place; the command line prints the message and exits
non-zero. Nothing else is caught and turned into a user-facing error.
"""

from __future__ import annotations


class PactgraphError(Exception):
    """Base of every error whose message is meant for the user."""


class RdfParseError(PactgraphError):
    """An RDF file could not be read; carries the file, its format and, if known, the line."""

    def __init__(self, path: str, message: str, line: int | None = None,
                 format_name: str = "Turtle") -> None:
        self.path = path
        self.line = line
        self.detail = message
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: cannot parse {format_name}: {message}")


class DataNotConforming(PactgraphError):
    """The data does not pass the SHACL shapes; carries the report."""

    def __init__(self, report) -> None:  # report: knowledge.ValidationReport
        self.report = report
        super().__init__(report.text())


class ExampleQuestionError(PactgraphError):
    """An example question file (queries/*.rq) lacks a valid header, or no file carries an id the
    pages ask for; raised while the app is built, never while answering a request."""


class QueryError(PactgraphError):
    """A SPARQL query that cannot be parsed or evaluated as asked."""


class UnsupportedOperation(PactgraphError):
    """A request for something this read-only service does not do (updates, LOAD)."""


class NotAcceptable(PactgraphError):
    """No representation matches the client's Accept header or format parameter."""

    def __init__(self, offered: list[str], what: str = "media types") -> None:
        self.offered = offered
        super().__init__(f"none of the requested {what} is available; offered: "
                         + ", ".join(offered))


class LimitExceeded(PactgraphError):
    """A request went over a configured limit; the message names the setting that controls it."""

    def __init__(self, setting: str, message: str) -> None:
        self.setting = setting
        self.detail = message  # without the setting's name, to raise again in another process
        super().__init__(f"{message} (limit set by the '{setting}' setting)")


class StoreDamaged(PactgraphError):
    """A prebuilt store no longer holds what was built (build/manifest.py) and cannot be built
    again where it is, so the server refuses to start rather than serve from it."""

    def __init__(self, folder: str, problem: str) -> None:
        self.folder = folder
        self.problem = problem
        super().__init__(
            f"the prebuilt store {folder} is damaged: {problem}. Its folder cannot be written "
            "here, so it is not built again: build it where the store folder is writable (start "
            "pactgraph once on the same files with a writable store_dir) and share that, or "
            "point store_dir at a writable folder")


class QueryEngineUnavailable(PactgraphError):
    """The query workers cannot be started (engine/pool.py); the message says why."""


class StoreOutOfStep(QueryEngineUnavailable):
    """With ``data_from_engine``, the remote store lacks the graphs pactgraph makes from its data
    (the ontology, the derived obligations and entailments) or holds other versions of them:
    its answers would disagree with the pages, so the server does not start."""


class QueryWorkerEnded(PactgraphError):
    """The process answering a query ended before it answered, and not at a configured limit."""


class QueryWorkerKilled(QueryWorkerEnded):
    """Killed from outside the server (SIGKILL: the kernel's out-of-memory killer, an operator)."""


class QueryWorkerCrashed(QueryWorkerEnded):
    """Ended by a fault while parsing or evaluating (SIGSEGV...), e.g. a stack overflow."""


class SettingError(PactgraphError):
    """A setting has a value it cannot take; the message names the setting."""


class CannotListen(PactgraphError):
    """The server cannot open its listening socket (the port is taken, or not ours to use)."""
