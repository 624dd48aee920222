"""Publishing an edit of one data file at N times the bundled data: a first build, then the build
after the edit, side by side in one run (issue 15: "after editing one data file at 400x, serving
the new data in < 60 s").

    .venv/bin/python bench/edit_publish.py --scale 20 [--work /tmp/edit-publish]

For each scale: synthetic data (``pactgraph synth``), a first build (``prepare_store``: parse,
validate in full, build the prebuilt store), then one synthetic copy's label edited and the build
again, which validates only what the edit can affect (build/revalidation.py) and writes the
store, dumps and tables as a change to the first build's (build/store_change.py); each build in
a process of its own, as a server's start builds. Reports each build's wall-clock and processor
time, its phases (parsing, validating, building the store, dumps and tables, and of that the
change), how many nodes were validated again, whether the store and dumps were written as a
change, and the ratio of the two builds. The time to open the built store afterwards (what a
server's start adds) is the "start from the prebuilt store" row of bench/run.py.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from pactgraph.build import prebuilt
from pactgraph.build.publication import prepare_store
from pactgraph.knowledge.sources import Knowledge
from pactgraph.settings import resolve

BIN = Path(sys.executable).parent


class Phases:
    """Wall-clock seconds spent in parsing, validating and building, by wrapping each."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.focus: int | None = None

    def wrap(self, owner, name: str, phase: str, keep_focus: bool = False) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            if keep_focus:  # a generator: count it before the validation consumes it
                focus = kwargs.pop("focus_nodes", args[1] if len(args) > 1 else None)
                focus = None if focus is None else list(focus)
                self.focus = None if focus is None else len(focus)
                args = args[:1] + (focus,) + args[2:]
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[phase] = self.seconds.get(phase, 0.0) + time.perf_counter() - started

        setattr(owner, name, timed)


def timed_build(settings: dict) -> dict:
    phases, outcome = Phases(), {}
    saved = (Knowledge.from_settings, Knowledge.validate, prebuilt._build)
    phases.wrap(Knowledge, "from_settings", "parse")
    phases.wrap(Knowledge, "validate", "validate", keep_focus=True)
    phases.wrap(prebuilt, "_build", "build store, dumps, tables")
    # Code from before the store change (to measure it side by side) has no such step.
    changes = hasattr(prebuilt, "written_as_change")
    if changes:
        saved += (prebuilt.written_as_change,)
        phases.wrap(prebuilt, "written_as_change", "of which the store and dumps as a change")
        written_as_change = prebuilt.written_as_change

        def recorded(*args, **kwargs):
            counts = written_as_change(*args, **kwargs)
            outcome["as_change"] = counts is not None
            return counts

        prebuilt.written_as_change = recorded
    try:
        cpu, wall = time.process_time(), time.perf_counter()
        prepared = prepare_store(settings)
        result = {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu}
    finally:
        Knowledge.from_settings, Knowledge.validate, prebuilt._build = saved[:3]
        if changes:
            prebuilt.written_as_change = saved[3]
    return {**result, "phases_s": phases.seconds, "validated_nodes": phases.focus,
            "store_and_dumps_as_change": outcome.get("as_change", False),
            "folder": str(prepared.folder)}


# A copy's first label is edited by adding "(edited)" to it, and put back by taking it out.
LABEL, EDIT = re.compile(r'"Synthetic copy (\d+) of '), r'"Synthetic copy \1 (edited) of '
EDITED, UNEDIT = re.compile(r'"Synthetic copy (\d+) \(edited\) of '), r'"Synthetic copy \1 of '


def undo_interrupted_edits(data: Path) -> None:
    """Put back a label an interrupted run left edited: the next run would otherwise build the
    edit first and then edit another label, which reaches other nodes (at 80x, 3 where the
    Budapest Memorandum's label reaches 3,567), unlike every earlier measurement."""
    for path in sorted((data / "synthetic").glob("copy-*.ttl")):
        text = path.read_text(encoding="utf-8")
        restored, count = EDITED.subn(UNEDIT, text)
        if count:
            logging.warning("%s: %d label(s) left edited by an interrupted run, put back",
                            path.name, count)
            path.write_text(restored, encoding="utf-8")


def fresh_build(settings: dict) -> dict:
    """``timed_build`` in a process of its own, as a server started on the files builds: a
    build after another in the same process ran with the first one's objects still alive, and
    an edit's build measured 155 s in one such run and 216 s in the next."""
    done = subprocess.run([sys.executable, __file__, "--build", json.dumps(settings)],
                          check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(scale: int, work: Path) -> dict:
    data = work / f"scale-{scale}"
    if not (data / "synthetic").exists():
        subprocess.run([str(BIN / "pactgraph"), "synth", "--scale", str(scale), "--output",
                        str(data)], check=True)
    store = work / f"store-{scale}"
    shutil.rmtree(store, ignore_errors=True)
    settings = resolve({"data_paths": [str(data)], "store_dir": str(store)})
    undo_interrupted_edits(data)
    first = fresh_build(settings)
    copies = sorted((data / "synthetic").glob("copy-*.ttl"))
    edited = copies[len(copies) // 2] if copies else next((data / "bundled").glob("*.ttl"))
    text = edited.read_text(encoding="utf-8")
    changed, count = LABEL.subn(EDIT, text, count=1)
    if not count:
        raise SystemExit(f"nothing to edit in {edited}")
    edited.write_text(changed, encoding="utf-8")
    try:
        second = fresh_build(settings)
    finally:
        edited.write_text(text, encoding="utf-8")
    nodes = len(set(Knowledge.from_settings(settings).data.graph.subjects()))
    return {"scale": scale, "data_subjects": nodes, "edited": edited.name, "first": first,
            "after_edit": second, "ratio_wall": second["wall_s"] / first["wall_s"],
            "ratio_cpu": second["cpu_s"] / first["cpu_s"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, action="append")
    parser.add_argument("--work", type=Path, default=Path("/tmp/pactgraph-edit-publish"))
    parser.add_argument("--build", help=argparse.SUPPRESS)  # one build, in this process
    options = parser.parse_args(argv)
    if options.build:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
        print(json.dumps(timed_build(json.loads(options.build))), flush=True)
        return 0
    # Stopped with SIGTERM (kill), unwind so that ``measure`` puts the edited label back.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    options.work.mkdir(parents=True, exist_ok=True)
    for scale in options.scale or parser.error("--scale is required"):
        print(json.dumps(measure(scale, options.work), indent=1), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
