"""`evals/run.py`: the corpus runner end to end, in-process, through the real rewrite path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.run import load_corpus, main, problems, run_corpus, summarise

ITEMS = load_corpus()[:3]


def unchanged(draft: str, **options: object) -> str:
    return draft


def test_a_rewrite_that_changes_nothing_removes_no_harsh_phrase() -> None:
    rows = run_corpus(ITEMS, soften_fn=unchanged)
    table = summarise(rows)
    assert table["all"]["phrases_gone_pct"] == 0.0
    assert table["all"]["unchanged_pct"] == 100.0
    assert all(problems(row) for row in rows)


def test_main_prints_the_corpus_table_as_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "tiny.jsonl"
    corpus.write_text("".join(json.dumps(item) + "\n" for item in ITEMS), encoding="utf-8")
    argv = ["--corpus", str(corpus), "--no-second", "--no-dev", "--json", "--preset", "formal"]
    assert main(argv) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["preset"] == "formal"
    assert printed["corpus"]["all"]["drafts"] == len(ITEMS)
    assert printed["dev"] == {} and printed["second"] == {}


def test_main_shows_failing_examples_in_the_table_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "tiny.jsonl"
    corpus.write_text("".join(json.dumps(item) + "\n" for item in ITEMS), encoding="utf-8")
    main(["--corpus", str(corpus), "--second", str(corpus), "--no-dev", "--show", "2"])
    out = capsys.readouterr().out
    assert out.count("| **all** | 3 |") == 2  # the corpus, then the same file as second set
    assert "corpus drafts failing a check" in out
