"""A patch of pySHACL, for validation only: the focus nodes it is given, looked up in a set.

pySHACL keeps ``focus_nodes`` as a list and asks, for every node every shape targets, whether it
is in that list: a linear search each time. Validating again the 2,000 nodes an edit could affect
at 20x the bundled data spent over ten minutes in those searches (``Identifier.__eq__``), far
longer than a full validation. pySHACL reads the list only through ``in`` and ``len``, so the
executor gets the same nodes as a frozenset. Like knowledge/sparql_once.py, applied by
knowledge/sources.py only while pySHACL validates.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pyshacl.validator import Validator


@contextmanager
def focus_nodes_in_a_set() -> Iterator[None]:
    original = Validator.make_executor

    def make_executor(self):
        executor = original(self)
        if isinstance(executor.focus_nodes, list):
            executor.focus_nodes = frozenset(executor.focus_nodes)
        return executor

    Validator.make_executor = make_executor
    try:
        yield
    finally:
        Validator.make_executor = original
