"""Files written whole (whole_files.py): a writer killed as it wrote leaves a part that the next
writer clears, and a part being written is never cleared under its writer."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from pactgraph import whole_files
from pactgraph.whole_files import clear_left_behind, write_whole

# A writer that stops halfway: its part is locked and half written when it prints "ready".
HALFWAY = """
import os, sys, time
from pathlib import Path
from pactgraph.whole_files import _locked_part
descriptor, partial = _locked_part(Path(sys.argv[1]), ".part.")
os.write(descriptor, b"half of it")
print("ready", flush=True)
time.sleep(600)
"""


def _parts(folder: Path) -> list[Path]:
    return sorted(folder.glob(".part.*"))


def test_a_part_is_kept_while_its_writer_lives_and_cleared_once_it_is_killed(tmp_path) -> None:
    with subprocess.Popen([sys.executable, "-c", HALFWAY, str(tmp_path)],
                          stdout=subprocess.PIPE, text=True) as writer:
        try:
            ready, _, _ = select.select([writer.stdout], [], [], 60)  # not forever: a writer
            assert ready, "the writer never locked its part"  # stuck on its lock fails here
            assert writer.stdout.readline() == "ready\n"
            (part,) = _parts(tmp_path)
            assert clear_left_behind(tmp_path, ".part.") == 0
            assert part.read_bytes() == b"half of it"
        finally:
            writer.send_signal(signal.SIGKILL)  # no handler, no finally: as a killed one ends
            writer.wait(timeout=60)
    assert clear_left_behind(tmp_path, ".part.") == 1
    assert _parts(tmp_path) == []


def test_a_part_cleared_before_its_writer_locked_it_is_made_again(tmp_path, monkeypatch) -> None:
    """The window between a part's creation and its lock: a clearer there removes it, and the
    writer must not write into the removed file (its body would vanish with it)."""
    made, mkstemp = [], tempfile.mkstemp

    def created_then_cleared(*args, **kwargs):
        descriptor, partial = mkstemp(*args, **kwargs)
        made.append(partial)
        if len(made) == 1:
            assert clear_left_behind(tmp_path, ".part.") == 1
        return descriptor, partial

    monkeypatch.setattr(whole_files.tempfile, "mkstemp", created_then_cleared)
    write_whole(tmp_path / "answer", b"all of it", ".part.")
    assert len(made) == 2
    assert (tmp_path / "answer").read_bytes() == b"all of it"
    assert _parts(tmp_path) == []


def test_the_part_is_whole_and_still_locked_when_it_is_renamed_into_place(tmp_path,
                                                                       monkeypatch) -> None:
    """Renamed after the lock was dropped, a part written whole could be cleared between the
    two; renamed before its bytes reached the file, a reader could read it cut short."""
    replace, seen = whole_files.os.replace, []

    def checked(partial, path):
        seen.append((clear_left_behind(tmp_path, ".part."), Path(partial).read_bytes()))
        replace(partial, path)

    monkeypatch.setattr(whole_files.os, "replace", checked)
    write_whole(tmp_path / "answer", b"all of it" * 10_000, ".part.")
    assert seen == [(0, b"all of it" * 10_000)]
    assert (tmp_path / "answer").read_bytes() == b"all of it" * 10_000


def test_what_is_not_a_part_is_left_without_an_error_or_a_wait(tmp_path) -> None:
    (tmp_path / ".part.a-folder").mkdir()
    (tmp_path / ".part.a-link").symlink_to(tmp_path / "elsewhere")
    os.mkfifo(tmp_path / ".part.a-fifo")  # opened without O_NONBLOCK, it would wait for ever
    clear_left_behind(tmp_path, ".part.")  # no error, no wait
    assert {".part.a-folder", ".part.a-link"} <= {path.name for path in _parts(tmp_path)}


def test_a_write_that_fails_leaves_neither_a_part_nor_the_file(tmp_path) -> None:
    with pytest.raises(TypeError):
        write_whole(tmp_path / "answer", "text, not bytes", ".part.")
    assert list(tmp_path.iterdir()) == []


def test_a_whole_file_replaces_the_old_one_and_other_names_are_left_alone(tmp_path) -> None:
    (tmp_path / "answer").write_bytes(b"old")
    (tmp_path / "other").write_bytes(b"not a part")
    write_whole(tmp_path / "answer", b"new", ".part.")
    assert clear_left_behind(tmp_path, ".part.") == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == ["answer", "other"]
    assert (tmp_path / "answer").read_bytes() == b"new"


def test_a_folder_not_made_yet_holds_no_part(tmp_path) -> None:
    assert clear_left_behind(tmp_path / "absent", ".part.") == 0
