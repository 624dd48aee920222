"""The engine seam: what the endpoint, the pages and the dumps may ask of a SPARQL engine.

The web layer never talks to pyoxigraph or to the query pool directly; it holds an ``Engine``,
chosen at start-up (build/publication.py). Today's engine is the embedded one (engine/embedded.py:
the prebuilt store and a pool of killable, network-less query workers); another, such as a remote
SPARQL store, implements the same methods (Prez's repository classes are the model).

``Job`` and ``Answer`` are the currency: a client's query with its dataset and the media type
wanted for each kind of result, and the answer already written in that media type (the web layer
never iterates engine objects).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

KINDS = ("select", "ask", "graph")


@dataclass(frozen=True)
class Job:
    """One query to answer. ``media_types`` maps each result kind ('select', 'ask', 'graph') to
    the media type to write it in, or None when the client accepts none for that kind."""

    query: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    media_types: dict[str, str | None] = field(default_factory=dict)
    link: str | None = None  # where the row cap is documented, for truncated answers


@dataclass(frozen=True)
class Answer:
    kind: str           # 'select', 'ask' or 'graph'
    media_type: str
    body: bytes
    rows: int
    truncated: bool     # the row cap cut the answer; the body and headers must say so


@dataclass(frozen=True)
class Health:
    """Whether the engine can answer, for ``/healthz``."""

    running: int        # query workers (or connections) ready to answer
    configured: int     # how many there should be
    network_isolated: bool  # client queries are evaluated where no network can be reached
    isolation: str | None   # how, or why not, in words


class Engine(ABC):
    """A read-only SPARQL engine over the published graphs (named graphs ``graph_names``)."""

    graph_names: tuple[str, ...]
    # Whether ``run`` waits without holding up the event loop when called on it
    # (engine/cooperative.py); the web layer calls any other engine's ``run`` on a waiting thread.
    cooperative: bool = False

    @abstractmethod
    def run(self, job: Job) -> Answer:
        """Evaluate a client's query under every limit (time, memory, rows) and write its answer;
        raise a ``PactgraphError`` saying why when it cannot (refused, malformed, over a limit)."""

    @abstractmethod
    def count(self, pattern: str, variables: str, graph_name: str | None = None) -> int:
        """How many distinct bindings of ``variables`` match ``pattern`` (the server's own
        queries: statistics for VoID and the service description)."""

    @abstractmethod
    def select(self, query: str) -> list[dict[str, str]]:
        """The rows of one of the server's own SELECT queries (the obligations API, the pages),
        as {variable: lexical value}, unbound variables left out."""

    def size(self, graph_name: str | None = None) -> int:
        """The number of distinct triples in graph ``graph_name``, or in the union of all."""
        return self.count("?s ?p ?o", "?s ?p ?o", graph_name)

    @abstractmethod
    def start(self) -> None:
        """Get ready to answer (start workers, open connections) in this process."""

    @abstractmethod
    def close(self) -> None:
        """Release what ``start`` took, in this process."""

    @abstractmethod
    def health(self) -> Health:
        """How ready the engine is, now."""
