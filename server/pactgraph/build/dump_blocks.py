"""Where each subject's triples lie in the dumps, so that a build after an edit can splice them.

The four dumps of everything published (build/store_dumps.py) hold the triples sorted by
subject, each subject's in one block: its lines in N-Triples, its paragraph in Turtle, its node
element in RDF/XML, its node object in JSON-LD. Written in full they took 87 of the 282 s an edit
of one file cost at 80x the bundled data (54 s of it sorting 2.5 million triples), while an edit
changes the blocks of a few thousand subjects. So a build records each dump's blocks
(``blocks/``: the subjects in order, one per line, and per dump the start and end of each
block), and the next build writes a dump as the last one's bytes with the changed subjects'
blocks written anew, dropped or put in their sorted place (``splice``): the same bytes as
writing it in full (tests/test_store_change.py compares them).

A block is found by what starts it, which nothing inside a block can look like: a new subject
in N-Triples' first column; a blank line in Turtle (a literal's line breaks are written
``\\n``); a line opening an element one tab in, in RDF/XML (``<`` in text is ``&lt;``); a line
opening an object four spaces in, in JSON-LD (a string's line breaks are ``\\n``). A dump whose
blocks cannot be found one per subject, or that holds a blank node, gets no record, and the
next build writes the dumps in full.
"""

from __future__ import annotations

import logging
import re
from array import array
from collections.abc import Iterable, Sequence
from itertools import groupby
from pathlib import Path

import pyoxigraph as ox

from pactgraph.build import versions
from pactgraph.build.jsonld_writer import Compactor, indented, node_object
from pactgraph.build.store_dumps import published_bytes

log = logging.getLogger(__name__)

BLOCKS = "blocks"  # in a store's folder
SUBJECTS = "subjects.txt"
MADE_BY = "made-by.txt"  # the libraries and code that wrote the dumps: others write other bytes
# What starts a block in each dump but N-Triples (``_nt_starts``), and how far into the match.
_STARTS = {"text/turtle": (re.compile(rb"\n\n"), 1),
           "application/rdf+xml": (re.compile(rb"\n\t<(?!/)"), 1),
           "application/ld+json": (re.compile(rb"\n    \{"), 0)}
_SEPARATOR = {"application/ld+json": b","}  # between two blocks; nothing in the others
_TAIL = {"application/rdf+xml": b"</rdf:RDF>", "application/ld+json": b"\n  ]\n}"}


class NoBlocks(Exception):
    """A dump's blocks cannot be recorded or spliced: write it in full."""


def subjects_of(triples: Sequence[ox.Triple]) -> list[ox.NamedNode]:
    """The subjects of ``triples`` (sorted by subject) in order; ``NoBlocks`` for a blank one."""
    subjects = [subject for subject, _ in groupby(triples, key=lambda t: t.subject)]
    if any(not isinstance(subject, ox.NamedNode) for subject in subjects):
        raise NoBlocks("a subject is a blank node")
    return subjects


def _nt_starts(body: bytes, triples: Sequence[ox.Triple]) -> list[int]:
    """Each subject's first line in N-Triples: one line per triple, in ``triples``' order."""
    lines = body.splitlines(keepends=True)
    if len(lines) != len(triples):
        raise NoBlocks(f"N-Triples: {len(lines)} lines for {len(triples)} triples")
    starts, offset, previous = [], 0, None
    for line, triple in zip(lines, triples, strict=True):
        if triple.subject != previous:
            starts.append(offset)
            previous = triple.subject
        offset += len(line)
    return starts


def _starts(body: bytes, media_type: str) -> list[int]:
    pattern, shift = _STARTS[media_type]
    return [found.start() + shift for found in pattern.finditer(body)]


def blocks(body: bytes, media_type: str, triples: Sequence[ox.Triple], count: int
           ) -> tuple[array, array]:
    """The start and end of each of the ``count`` subjects' blocks in the dump ``body``."""
    if media_type == "application/n-triples":
        starts = _nt_starts(body, triples)
    else:
        starts = _starts(body, media_type)
    if len(starts) != count or not body.endswith(_TAIL.get(media_type, b"")):
        raise NoBlocks(f"{media_type}: {len(starts)} blocks for {count} subjects")
    separator = _SEPARATOR.get(media_type, b"")
    ends = [start - len(separator) for start in starts[1:]]
    ends.append(len(body) - len(_TAIL.get(media_type, b"")))
    return array("q", starts), array("q", ends)


def save(folder: Path, subjects: Iterable[str], found: dict[str, tuple[array, array]]) -> None:
    """Record in ``folder/blocks/`` the ``subjects`` (IRIs) in order and each dump's blocks."""
    (folder / BLOCKS).mkdir()
    (folder / BLOCKS / MADE_BY).write_text(_made_by(), encoding="utf-8")
    (folder / BLOCKS / SUBJECTS).write_text("".join(f"{iri}\n" for iri in subjects),
                                            encoding="utf-8")
    for name, (starts, ends) in found.items():
        (folder / BLOCKS / f"{name}.offsets").write_bytes(starts.tobytes() + ends.tobytes())


class Recorder:
    """The blocks of each published dump of a build that writes them in full, from ``triples``
    (all of them, sorted), recorded unless one cannot be found."""

    def __init__(self, triples: Sequence[ox.Triple]) -> None:
        self.triples, self.found = triples, {}
        try:
            self.subjects: list[ox.NamedNode] | None = subjects_of(triples)
        except NoBlocks as reason:
            self._give_up(reason)

    def _give_up(self, reason: NoBlocks) -> None:
        log.info("the dumps' blocks are not recorded (the next build writes them in full): %s",
                 reason)
        self.subjects = None

    def add(self, name: str, media_type: str, body: bytes) -> None:
        if self.subjects is not None:
            try:
                self.found[name] = blocks(body, media_type, self.triples, len(self.subjects))
            except NoBlocks as reason:
                self._give_up(reason)

    def save(self, folder: Path) -> None:
        if self.subjects is not None:
            save(folder, [subject.value for subject in self.subjects], self.found)


def files(names: Iterable[str]) -> list[str]:
    """The record's files, inside a store's folder, for the dumps ``names``."""
    return [f"{BLOCKS}/{MADE_BY}", f"{BLOCKS}/{SUBJECTS}",
            *(f"{BLOCKS}/{name}.offsets" for name in names)]


def load(folder: Path, names: Iterable[str]) -> tuple[list[str], dict[str, tuple[array, array]]]:
    """The subjects and the blocks of each dump of ``names`` recorded in ``folder``, if the
    dumps there were written by today's code and libraries (else ``NoBlocks``)."""
    if (folder / BLOCKS / MADE_BY).read_text(encoding="utf-8") != _made_by():
        raise NoBlocks("the dumps were written by other code or libraries")
    # split at line ends only: str.splitlines() also splits at U+2028, which an IRI may hold
    subjects = (folder / BLOCKS / SUBJECTS).read_text(encoding="utf-8").split("\n")[:-1]
    found = {}
    for name in names:
        offsets = array("q")
        offsets.frombytes((folder / BLOCKS / f"{name}.offsets").read_bytes())
        if len(offsets) != 2 * len(subjects) or not subjects:
            raise NoBlocks(f"{name}: {len(offsets)} offsets for {len(subjects)} subjects")
        found[name] = offsets[:len(subjects)], offsets[len(subjects):]
    return subjects, found


def _made_by() -> str:
    return "".join(f"{part}\n" for part in versions.VALIDATION_INPUTS)


def block(triples: list[ox.Triple], media_type: str, context: dict) -> bytes:
    """One subject's block, as writing the whole dump writes it (``triples``: its, sorted)."""
    if media_type == "application/ld+json":
        node = node_object(Compactor(context), triples[0].subject, triples)
        return ("\n    " + indented(node, 4)).encode("utf-8")
    body = published_bytes(ox.Store(), media_type, context, triples)
    if media_type == "application/n-triples":
        return body
    [start] = _starts(body, media_type)
    return body[start:len(body) - len(_TAIL.get(media_type, b""))]


def order(kept: list[str], fresh: Iterable[str]) -> list[tuple[str, bool]]:
    """The ``kept`` subjects (in order) and the ``fresh`` ones, each marked fresh or not, in the
    dumps' order (``str`` of an Oxigraph IRI: ``<http://a/b>`` before ``<http://a>``)."""
    return sorted([*((iri, False) for iri in kept), *((iri, True) for iri in fresh)],
                  key=lambda pair: f"<{pair[0]}>")


def splice(old: bytes, recorded: tuple[array, array], where: dict[str, int], media_type: str,
           placed: list[tuple[str, bool]], fresh: dict[str, bytes], out) -> tuple[array, array]:
    """Write to ``out`` the dump ``old`` (``recorded``: its blocks, ``where``: each subject's
    number in them) with its blocks in the order ``placed`` (``order``): a fresh one from
    ``fresh``, the others from ``old``. Return where the blocks now lie."""
    starts, ends = recorded
    separator = _SEPARATOR.get(media_type, b"")
    view = memoryview(old)
    offset = out.write(view[:starts[0]])
    new_starts, new_ends = array("q"), array("q")
    for number, (iri, is_fresh) in enumerate(placed):
        if number and separator:
            offset += out.write(separator)
        body = fresh[iri] if is_fresh else view[starts[where[iri]]:ends[where[iri]]]
        new_starts.append(offset)
        offset += out.write(body)
        new_ends.append(offset)
    out.write(view[ends[-1]:])
    return new_starts, new_ends
