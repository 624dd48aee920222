"""Example questions by identity (issue 12): each ``queries/*.rq`` carries ``# id:``; pages ask for
the id, so renaming a file changes its URL and nothing else, and a missing or doubled id stops the
app from being built, with a message naming the file or the id, instead of emptying a page.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask

from pactgraph.build.examples import (
    ASKED_FOR,
    WHO_MUST_HELP,
    load_examples,
    read_header,
)
from pactgraph.errors import ExampleQuestionError
from pactgraph.web.app import create_app

QUERIES = Path(__file__).parents[1] / "queries"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def copy_of_queries(folder: Path) -> dict[str, Path]:
    """The bundled questions copied into ``folder``, under their own names: {id: path}."""
    folder.mkdir(exist_ok=True)
    return {example.id: Path(shutil.copy(QUERIES / f"{example.name}.rq", folder))
            for example in load_examples(QUERIES)}


def rewrite_id(path: Path, new_line: str | None) -> None:
    """Replace the ``# id:`` line of ``path`` with ``new_line``, or drop it (None)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[0].startswith("# id: ")
    path.write_text("".join(([new_line + "\n"] if new_line else []) + lines[1:]),
                    encoding="utf-8")


# --- The header ----------------------------------------------------------------------------------

def test_the_header_is_read_from_the_opening_comment_block():
    text = ("# id: who-must-help\n# title: Who helps?\n# question: 1\n# Note: not a header key\n"
            "SELECT * WHERE { ?s ?p ?o }\n# id: after-the-query\n")
    assert read_header(text, "x.rq") == {"id": "who-must-help", "title": "Who helps?",
                                         "question": "1"}


def test_a_header_key_given_twice_is_an_error_naming_the_file():
    with pytest.raises(ExampleQuestionError, match=r"x\.rq: '# id:' is given twice"):
        read_header("# id: one\n# id: two\nASK {}\n", "x.rq")


def test_the_bundled_questions_carry_unique_kebab_case_ids():
    examples = load_examples(QUERIES)
    ids = [example.id for example in examples]
    assert len(ids) == len(set(ids)) == len(list(QUERIES.glob("*.rq")))
    assert set(ASKED_FOR) <= set(ids)
    assert examples.by_id(WHO_MUST_HELP).title == "If a state is attacked, who is obliged to help?"


# --- A broken set fails the loader, naming the file or the id ------------------------------------

def test_a_file_without_an_id_fails_naming_the_file(tmp_path):
    paths = copy_of_queries(tmp_path)
    rewrite_id(paths["termination"], None)
    with pytest.raises(ExampleQuestionError, match=r"07-termination\.rq: no '# id:' line"):
        load_examples(tmp_path)


def test_an_id_carried_by_two_files_fails_naming_both(tmp_path):
    paths = copy_of_queries(tmp_path)
    rewrite_id(paths["termination"], "# id: invocations")
    with pytest.raises(ExampleQuestionError, match=r"'invocations' is carried by both "
                                                   r"02-invocations\.rq and 07-termination\.rq"):
        load_examples(tmp_path)


def test_an_id_the_pages_ask_for_that_no_file_carries_fails_naming_it(tmp_path):
    paths = copy_of_queries(tmp_path)
    rewrite_id(paths[WHO_MUST_HELP], "# id: who-helps")
    with pytest.raises(ExampleQuestionError, match="the pages ask for the example question "
                                                   f"'{WHO_MUST_HELP}'"):
        load_examples(tmp_path)


@pytest.mark.parametrize("bad_id", ["Who_Must_Help", "who--must", "-who", "who must help"])
def test_an_id_that_is_not_kebab_case_fails(tmp_path, bad_id):
    paths = copy_of_queries(tmp_path)
    rewrite_id(paths["termination"], f"# id: {bad_id}")
    with pytest.raises(ExampleQuestionError, match=r"07-termination\.rq: id .* is not kebab-case"):
        load_examples(tmp_path)


def test_a_file_name_that_cannot_be_a_url_fails(tmp_path):
    paths = copy_of_queries(tmp_path)
    paths["termination"].rename(tmp_path / "Termination Rules.rq")
    with pytest.raises(ExampleQuestionError, match=r"Termination Rules\.rq: a query file's name"):
        load_examples(tmp_path)


def test_a_missing_folder_fails_naming_the_setting(tmp_path):
    with pytest.raises(ExampleQuestionError, match="set 'queries_path'"):
        load_examples(tmp_path / "nowhere")


def test_the_app_is_not_built_when_an_asked_for_id_is_missing(tmp_path):
    paths = copy_of_queries(tmp_path)
    paths[WHO_MUST_HELP].unlink()
    with pytest.raises(ExampleQuestionError, match=f"'# id: {WHO_MUST_HELP}'"):
        create_app({"queries_path": str(tmp_path)})


# --- Renaming a file changes its URL, not the pages ----------------------------------------------

def test_renamed_files_still_fill_the_state_page(app: Flask, tmp_path):
    for example_id, path in copy_of_queries(tmp_path).items():
        path.rename(tmp_path / f"renamed-{example_id}.rq")
    renamed = create_app({**app.config["PACTGRAPH"], "queries_path": str(tmp_path)})
    client = renamed.test_client()

    body = client.get("/doc/state/PHL", headers={"Accept": BROWSER_ACCEPT}).get_data(as_text=True)
    section = body[body.index('id="who-must-help"'):body.index('id="commitments"')]
    assert 'href="http://localhost/id/state/USA"' in section
    assert f'href="/queries/renamed-{WHO_MUST_HELP}.rq"' in section
    served = client.get(f"/queries/renamed-{WHO_MUST_HELP}.rq")
    assert served.status_code == 200
    assert served.get_data(as_text=True).startswith(f"# id: {WHO_MUST_HELP}\n")
    assert client.get("/queries/01-who-must-help.rq").status_code == 404
