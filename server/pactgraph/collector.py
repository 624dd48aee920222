"""Python's cycle collector during a build: paused, but for what pySHACL makes as it validates.

A build makes millions of objects that live until it ends (rdflib's terms and the indexes of its
graphs) and few reference cycles. CPython's collector makes a full pass each time the objects
made since its last one reach a quarter of those alive, and walks every object each time: over a
build, many walks over a heap that only grows. So a build pauses it (``paused``); reference
counting still frees every object outside a cycle at once. pySHACL does make cycles, enough to
grow a full validation's peak by a third when nothing collects them, so while it validates the
collector runs over the objects made since it started only (``on_new_objects``: what existed
before is frozen, left out of its passes, until the validation ends).

Measured in bench/README.md ("Parsing, digests, the collector and pySHACL's copy").
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No collection during the block; the collector resumes after it, whatever it raised (a
    collector its caller had paused stays paused)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def on_new_objects() -> Iterator[None]:
    """The collector running during the block, over the objects made in it only; as it was
    after."""
    was_enabled = gc.isenabled()
    gc.freeze()
    gc.enable()
    try:
        yield
    finally:
        if not was_enabled:
            gc.disable()
        gc.unfreeze()
