"""The cycle collector during a build (pactgraph/collector.py): paused, and while pySHACL validates
running over the objects made since it started only."""

from __future__ import annotations

import gc
import weakref

from pactgraph import collector


class Node:
    """An object that can be in a reference cycle and be watched by a weak reference."""

    def __init__(self) -> None:
        self.other: Node | None = None


def garbage_cycle() -> weakref.ref:
    """A cycle of two nodes no one references: only the cycle collector can free it."""
    first, second = Node(), Node()
    first.other, second.other = second, first
    return weakref.ref(first)


def test_paused_collects_nothing_and_resumes_after():
    with collector.paused():
        cycle = garbage_cycle()
        assert not gc.isenabled()
    assert gc.isenabled()
    assert cycle() is not None
    gc.collect()
    assert cycle() is None


def test_on_new_objects_collects_new_cycles_and_leaves_older_ones_alone():
    with collector.paused():
        older = garbage_cycle()
        with collector.on_new_objects():
            assert gc.isenabled()
            newer = garbage_cycle()
            gc.collect()
            assert newer() is None  # made in the block: collected
            assert older() is not None  # made before: frozen, not walked
        assert not gc.isenabled() and gc.get_freeze_count() == 0
    gc.collect()
    assert older() is None
