"""A build after an edit, written as a change to the last folder's store, N-Quads and dumps.

Writing them in full took 122 of the 282 s an edit of one data file cost at 80x the bundled
data: the on-disk store and its N-Quads copy 35 s, the four dumps of everything published 87 s
(54 of them sorting 2.5 million triples), for an edit that changed the triples of a few
thousand subjects. So a build whose validation was an edit's (build/revalidation.py) starts
from the folder that edit was measured against (``Change.base``):

- the store is a copy of the last one (``Store.backup``: hard links to its immutable files),
  with each changed subject's quads taken out and today's put in;
- ``quads.nq`` keeps every line of another subject and gains today's lines of these, written
  as a full build writes them;
- each dump keeps the last one's blocks of the other subjects and gets the changed subjects'
  blocks written anew (build/dump_blocks.py).

A changed subject is one whose triples in some published graph may differ: the subjects of the
edited files' changed triples, and the derived obligations whose digest changed. A subject's
entailed triples follow from its own (knowledge/derivation.py), so they change with it. The
store after the change holds the quads a full build writes, and each dump has its bytes
(tests/test_store_change.py). Anything this cannot do alike (a blank node in the change,
another set of graphs, no record of the dumps' blocks) raises ``Unchangeable``, and the folder
is written in full.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef

from pactgraph.build import dump_blocks, manifest
from pactgraph.build.downloads import DUMP_FILES, DUMPS, written_dumps
from pactgraph.build.store_dumps import FORMATS, published_triples, triple_order

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    """The folder an edit was validated against, the subjects (IRIs) it changed, and the
    obligations of the commitments it touched (None: ``Knowledge.derived``)."""
    base: Path
    subjects: frozenset[str]
    derived: Any = None


class Unchangeable(Exception):
    """The folder cannot be written as a change to the last one's: write it in full."""


def changed_subjects(edit: tuple[Graph, Graph], digests: tuple[dict[str, str], dict[str, str]]
                     ) -> frozenset[str] | None:
    """The subjects (IRIs) whose published triples an edit may have changed: of the triples the
    edited files held before and after (``edit``) that differ, and the derived obligations whose
    digest differs (``digests``: before and after); None if one is a blank node."""
    subjects = {subject for subject, _, _ in set(edit[0]) ^ set(edit[1])}
    if any(not isinstance(subject, URIRef) for subject in subjects):
        return None
    then, now = digests
    return frozenset({*map(str, subjects),
                      *(node for node in then.keys() | now.keys()
                        if then.get(node) != now.get(node))})


def published_dumps() -> list[str]:
    """The dumps of everything published, the ones spliced."""
    return [name for name, (_, which, media_type) in DUMP_FILES.items()
            if which == "published" and media_type in FORMATS]


def written_as_change(change: Change, graphs: dict[str, Graph], folder: Path, engine: str,
                      quads: str, context: dict) -> dict[str, int] | None:
    """``write_changed``, or None with nothing written if the change cannot be written."""
    try:
        counts = write_changed(change, graphs, folder, engine, quads, context)
    except (Unchangeable, OSError) as error:
        log.info("writing the store and dumps in full: %s", error)
        clear(folder, engine, quads)
        return None
    except Exception:  # a fault here must cost time, never the build
        log.warning("writing the store and dumps in full after a fault in writing them as a "
                    "change", exc_info=True)
        clear(folder, engine, quads)
        return None
    log.info("wrote the store and dumps as a change of %d subjects to %s's",
             len(change.subjects), change.base.name)
    return counts


def write_dumps(folder: Path, store, graphs: dict[str, Callable[[], Graph]], context: dict,
                whole: bool) -> None:
    """Write ``folder/dumps/``: all (``whole``), recording the published ones' blocks for the
    next build, or only the ontology's and the shapes' (the others were spliced)."""
    names = list(DUMP_FILES) if whole else [n for n in DUMP_FILES if n not in published_dumps()]
    triples = published_triples(store.engine) if whole else None
    recorder = dump_blocks.Recorder(triples) if whole else None
    for name, body in written_dumps(names, store, graphs, context, triples):
        (folder / DUMPS / name).write_bytes(body)
        if recorder is not None and name in published_dumps():
            recorder.add(name, DUMP_FILES[name][2], body)
    if recorder is not None:
        recorder.save(folder)


def write_changed(change: Change, graphs: dict[str, Graph], folder: Path, engine: str,
                  quads: str, context: dict) -> dict[str, int]:
    """Write ``folder``'s store (``engine``), N-Quads copy (``quads``), published dumps and
    their blocks as ``change`` to the same of ``change.base``; ``graphs``: today's published
    graphs by name. Returns the folder's counts of quads and of distinct triples."""
    names = published_dumps()
    try:
        for record in dump_blocks.files(names):  # checked against the manifest, as the dumps
            as_built(change.base, record)
        subjects, recorded = dump_blocks.load(change.base, names)
    except (OSError, ValueError) as error:
        raise Unchangeable(f"no record of the dumps' blocks ({error})") from None
    except dump_blocks.NoBlocks as reason:
        raise Unchangeable(f"the dumps' blocks cannot be spliced ({reason})") from None
    lines = _quad_lines(graphs, change.subjects)
    counts = manifest.load(change.base).counts
    ox.Store.read_only(str(change.base / engine)).backup(str(folder / engine))
    store = ox.Store(str(folder / engine))
    try:
        removed, removed_triples = _replace(store, change.subjects, lines)
        # Oxigraph keeps naming an emptied graph, a full build never does (asked of the store:
        # ``graphs`` may hold the obligations of some commitments only)
        if any(next(store.quads_for_pattern(None, None, None, graph), None) is None
               for graph in store.named_graphs()):
            raise Unchangeable("the edit emptied a published graph")
        _splice_quads(change.base / quads, folder / quads, change.subjects, lines, removed)
        added_triples = _splice_dumps(store, change, subjects, recorded, folder, context)
    except BaseException as error:
        # The frames the error passed through hold the store, which holds the database's lock:
        # the folder written in full after it could not open its own store again.
        traceback.clear_frames(error.__traceback__)
        raise
    finally:
        store.flush()
        del store  # closes the database, so that it can be opened read-only
    # The manifest's counts, as the last folder's changed: counting them took 4 s at 80x
    return {"quads": counts["quads"] - removed + len(lines),
            "triples": counts["triples"] - removed_triples + added_triples}


def _quad_lines(graphs: dict[str, Graph], subjects: frozenset[str]) -> list[bytes]:
    """Today's N-Quads lines of ``subjects``, written as ``write_store`` writes every line."""
    lines = []
    for name, graph in graphs.items():
        part = Graph()
        for iri in subjects:
            for triple in graph.triples((URIRef(iri), None, None)):
                if isinstance(triple[2], BNode):
                    raise Unchangeable(f"<{iri}> names a blank node")
                part.add(triple)
        suffix = f" <{name}> .".encode()
        lines += [line[:-2] + suffix + b"\n" for line in
                  part.serialize(format="nt", encoding="utf-8").splitlines()
                  if line.endswith(b" .")]
    return lines


def _replace(store: ox.Store, subjects: Iterable[str], lines: list[bytes]
             ) -> tuple[int, int]:
    """Swap ``subjects``' quads in ``store`` for ``lines``; how many quads and triples went."""
    removed, triples = 0, set()
    for iri in subjects:
        for quad in list(store.quads_for_pattern(ox.NamedNode(iri), None, None, None)):
            if isinstance(quad.object, ox.BlankNode):
                raise Unchangeable(f"<{iri}> named a blank node")
            store.remove(quad)
            removed += 1
            triples.add(quad.triple)
    store.extend(ox.parse(b"".join(lines), format=ox.RdfFormat.N_QUADS))
    return removed, len(triples)


def _splice_quads(old: Path, new: Path, subjects: frozenset[str], lines: list[bytes],
                  removed: int) -> None:
    """``new``: the lines of ``old`` whose subject is not one of ``subjects``, then ``lines``."""
    tokens = {f"<{iri}>".encode() for iri in subjects}
    dropped = 0
    with open(old, "rb") as source, open(new, "wb") as out:
        for line in source:
            if line[:line.find(b" ")] in tokens:
                dropped += 1
            else:
                out.write(line)
        out.writelines(lines)
    if dropped != removed:  # the file is not the store it came with
        raise Unchangeable(f"{old.name} held {dropped} quads of the changed subjects, the "
                           f"store {removed}")


def _splice_dumps(store: ox.Store, change: Change, subjects: list[str],
                  recorded: dict, folder: Path, context: dict) -> int:
    """Each published dump of ``change.base`` with the changed subjects' blocks written anew
    from ``store`` (changed already), and the record of where every block now lies; returns
    how many distinct triples the changed subjects now have."""
    triples = {}
    for iri in change.subjects:
        found = {quad.triple for quad in store.quads_for_pattern(ox.NamedNode(iri), None, None,
                                                                  None)}
        if found:
            triples[iri] = sorted(found, key=triple_order)
    where = {iri: number for number, iri in enumerate(subjects)}
    kept = [iri for iri in subjects if iri not in change.subjects]
    placed = dump_blocks.order(kept, triples)
    blocks = {}
    for name, (starts, ends) in recorded.items():
        media_type = DUMP_FILES[name][2]
        fresh = {iri: dump_blocks.block(found, media_type, context)
                 for iri, found in triples.items()}
        old = as_built(change.base, f"{DUMPS}/{name}")
        with open(folder / DUMPS / name, "wb") as out:
            blocks[name] = dump_blocks.splice(old, (starts, ends), where, media_type, placed,
                                              fresh, out)
    dump_blocks.save(folder, [iri for iri, _ in placed], blocks)
    return sum(map(len, triples.values()))


def as_built(folder: Path, name: str) -> bytes:
    """The file ``name`` of ``folder``, if its bytes are the ones its manifest recorded (a dump
    is only checked by size on open: one changed since would be carried into the new folder
    and recorded there as built)."""
    body = (folder / name).read_bytes()
    try:
        recorded = manifest.load(folder).files[name].sha256
    except (manifest.Damaged, KeyError):
        raise Unchangeable(f"{name} is not in the last folder's manifest") from None
    if hashlib.sha256(body).hexdigest() != recorded:
        raise Unchangeable(f"{name} is not as the last folder built it")
    return body


def clear(folder: Path, engine: str, quads: str) -> None:
    """Remove what a change that failed half-way may have written in ``folder``."""
    shutil.rmtree(folder / engine, ignore_errors=True)
    shutil.rmtree(folder / dump_blocks.BLOCKS, ignore_errors=True)
    (folder / quads).unlink(missing_ok=True)
    for name in published_dumps():
        (folder / DUMPS / name).unlink(missing_ok=True)
