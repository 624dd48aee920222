"""Two or more git revisions of pactgraph side by side, in one sitting: did a change cost speed?

    .venv/bin/python bench/revisions.py 62c0c82 13079d1 HEAD --rounds 3 --duration 10
    .venv/bin/python bench/revisions.py 32dec9c HEAD --mixes cheap,join

Each revision is checked out (``git worktree add --detach``) into a temporary folder and served
by this checkout's virtualenv with that revision's ``server/`` first on ``PYTHONPATH``, so only
pactgraph's own code differs between the runs (its dependencies must be installed here: a
revision that still serves through gunicorn needs gunicorn in this venv). Each server builds its
store in a folder of its own. The revisions take turns on the same load (bench/run.py's mixes:
``cached``, the example questions and documents repeated; ``unique``, one query made unique per
request), ``--rounds`` times, and the report gives each revision's median requests/s over the
rounds beside its run-to-run spread (lowest–highest), so "agree within their spread" is read off
one table rather than from runs on different days. Beside requests/s it reports the server's CPU
milliseconds per request (its whole process tree, from /proc): on a machine shared with other work,
requests/s swing with the neighbours' load, CPU per request much less.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import run  # bench/run.py, on the path as this script's folder
from processes import tree_cpu_seconds

ROOT = run.ROOT


def checkout(revision: str, folder: Path) -> tuple[str, Path]:
    """A detached worktree of ``revision`` under ``folder``; returns (short hash, path)."""
    short = subprocess.run(["git", "rev-parse", "--short", revision], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.strip()
    path = folder / short
    subprocess.run(["git", "worktree", "add", "--detach", str(path), revision], cwd=ROOT,
                   check=True, capture_output=True)
    return short, path


def serve(short: str, tree: Path, logs: Path, store_dir: Path) -> run.Running:
    """``pactgraph serve`` of the revision at ``tree``, with its default settings."""
    port = run.free_port()
    argv = [sys.executable, "-c", "from pactgraph.cli import main; main()",
            "serve", "--port", str(port), "--data", str(tree / "data")]
    env = {"PACTGRAPH_STORE_DIR": str(store_dir), "PYTHONPATH": str(tree / "server")}
    if "query-per-client-limit" in subprocess.run(argv[:3] + ["serve", "--help"], env={
            **os.environ, **env}, capture_output=True, text=True, cwd=ROOT).stdout:
        # The load comes from one address; the fair share would refuse all but one query at a
        # time, and the benchmark is of the code path, not of the refusal.
        argv += ["--query-per-client-limit", "64"]
    running = run.start("pactgraph", argv, port, run.ask_path("/sparql"), logs, env)
    running.name = "pactgraph"  # the mixes ask for pactgraph's documents and dump
    return running


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revisions", nargs="+", help="git revisions, oldest first")
    parser.add_argument("--duration", type=float, default=10, help="seconds per mix and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--mixes", default=",".join(run.MIXES),
                        help="the mixes to run, comma-separated (bench/run.py's)")
    parser.add_argument("--output", type=Path, default=run.BENCH / "results" / "revisions.json")
    args = parser.parse_args(argv)
    samples: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="pactgraph-revisions-") as scratch:
        work = Path(scratch)
        trees = [checkout(revision, work / "trees") for revision in args.revisions]
        try:
            for round_number in range(args.rounds):
                for short, tree in trees:
                    store = work / "stores" / short
                    store.mkdir(parents=True, exist_ok=True)
                    system = serve(short, tree, work, store)
                    try:
                        for mix in args.mixes.split(","):
                            problems = run.check_answers(system, run.MIXES[mix](system))
                            if problems:
                                raise SystemExit("\n".join(problems))
                            cpu_before = tree_cpu_seconds(system.process.pid)
                            result = run.drive(system, mix, args.duration, args.connections,
                                               args.threads, work)
                            cpu_ms = ((tree_cpu_seconds(system.process.pid) - cpu_before) * 1000
                                      / max(1, result["requests"]))
                            mine = samples.setdefault(short, {})
                            mine.setdefault(mix, []).append(result["rps"])
                            mine.setdefault(mix + " CPU ms", []).append(cpu_ms)
                            print(f"round {round_number + 1} {short} {mix}: "
                                  f"{result['rps']:.0f} req/s, {cpu_ms:.2f} server CPU ms/request, "
                                  f"{result['errors']} errors", flush=True)
                    finally:
                        system.stop()
        finally:
            for _, tree in trees:
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT,
                               capture_output=True)
    print(markdown(samples))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(samples, indent=2) + "\n")
    return 0


def markdown(samples: dict[str, dict[str, list[float]]]) -> str:
    lines = ["| revision | measure | median | spread (low–high) | rounds |",
             "|---|---|---:|---|---|"]
    for short, mixes in samples.items():
        for mix, values in mixes.items():
            lines.append(f"| {short} | {mix} | {statistics.median(values):.2f} | "
                         f"{min(values):.2f}–{max(values):.2f} | "
                         f"{', '.join(f'{v:.2f}' for v in values)} |")
    return "\n".join(lines)


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
