"""The word lists in prompts/offline: loading, matching rules and the safety checks on them."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from api.config import DEFAULT_PROMPTS_DIR
from api.tone import lexicon as lexicon_module
from api.tone.lexicon import (
    FILES,
    CueSet,
    LexiconError,
    PhraseTable,
    load_lexicon,
    normalise_phrase,
    phrase_pattern,
)

LEX = load_lexicon()
FACT_LIKE = re.compile(r"[0-9]|https?:|www\.|@|\.com\b")

OFFLINE_DIR = DEFAULT_PROMPTS_DIR / "offline"


def leaves(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item)


@pytest.fixture
def prompts_copy(tmp_path: Path) -> Path:
    """A writable copy of prompts/ with its offline folder."""
    shutil.copytree(OFFLINE_DIR, tmp_path / "offline")
    return tmp_path


def edit(folder: Path, name: str, change) -> None:
    path = folder / name
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_default_lexicon_is_loaded_once():
    assert load_lexicon() is load_lexicon()
    assert LEX.path == OFFLINE_DIR.resolve()
    assert len(LEX.fingerprint) == 16


def test_every_file_is_documented_in_the_readme():
    readme = (OFFLINE_DIR / "README.md").read_text()
    for name in FILES:
        assert f"`{name}`" in readme


def test_env_var_points_at_another_prompts_dir(prompts_copy, monkeypatch):
    edit(
        prompts_copy / "offline",
        "jargon.json",
        lambda d: d["terms"].append({"find": "widget", "plain": "gadget"}),
    )
    monkeypatch.setenv("KINDLY_PROMPTS_DIR", str(prompts_copy))
    custom = load_lexicon()
    assert custom is not LEX
    assert custom.jargon.pattern.search("a widget")
    assert custom.fingerprint != LEX.fingerprint


def test_explicit_path_is_loaded(prompts_copy):
    assert load_lexicon(prompts_copy / "offline").jargon.pattern.search("DM")


@pytest.mark.parametrize(
    ("file", "change", "message"),
    [
        ("jargon.json", lambda d: d["terms"].append({"find": "x", "plain": "call 555"}), "digit"),
        ("closings.json", lambda d: d["offers"]["email"]["plain"].append("See www.x.org"), "link"),
        (
            "acknowledgements.json",
            lambda d: d["phrases"]["frustration"]["plain"].append("What a day."),
            "detect",
        ),
        ("closings.json", lambda d: d["offers"]["chat"]["plain"].append("Bye now."), "detect"),
        ("feelings.json", lambda d: d["order"].append("joy"), "joy"),
        ("blame.json", lambda d: d.pop("rewrites"), "rewrites"),
    ],
)
def test_unsafe_or_broken_lists_are_refused(prompts_copy, file, change, message):
    edit(prompts_copy / "offline", file, change)
    with pytest.raises(LexiconError, match=message):
        load_lexicon(prompts_copy / "offline")


def test_missing_or_invalid_file_is_refused(prompts_copy):
    (prompts_copy / "offline" / "tone.json").write_text("{not json")
    with pytest.raises(LexiconError, match="not valid JSON"):
        load_lexicon(prompts_copy / "offline")
    (prompts_copy / "offline" / "tone.json").unlink()
    with pytest.raises(LexiconError, match="missing"):
        load_lexicon(prompts_copy / "offline")


def test_shipped_phrase_banks_never_look_like_facts():
    inserted = [
        *(t["plain"] for t in LEX.jargon.entries),
        *(r["say"] for r in LEX.blame.entries),
        *(r.get("say_at_start", "") for r in LEX.blame.entries),
        *(r["say"] for r in LEX.refusal_rewrites.entries),
        *leaves(LEX.acknowledgements),
        *leaves(LEX.openers),
        *leaves(LEX.greetings),
        *leaves(LEX.offers),
        *leaves(LEX.signoffs),
        *leaves(LEX.apologies),
        *leaves(LEX.bridges),
        LEX.request_softener,
    ]
    for text in inserted:
        assert not FACT_LIKE.search(text), text


@pytest.mark.parametrize(
    ("phrase", "text", "hit"),
    [
        ("don't", "we do n't ship there", True),
        ("don't", "we don’t ship there", True),
        ("I'm", "i 'm sorry", True),
        ("frustrat*", "so frustrating!", True),
        ("per", "a person", False),
        ("ETA", "the ETAs", False),
        ("as I said,", "as  I said, hm", True),
        ("T&C", "see the T&C page", True),
    ],
)
def test_phrase_matching_rules(phrase, text, hit):
    assert bool(re.search(phrase_pattern(phrase), text, re.IGNORECASE)) is hit


def test_phrase_tables_say_which_phrase_matched():
    for table in (LEX.jargon, LEX.blame, LEX.refusal_rewrites, LEX.contractions):
        for entry in table.entries:
            match = table.pattern.search(entry["find"])
            assert match, entry
            assert normalise_phrase(table.entry(match)["find"]) == normalise_phrase(entry["find"])


def test_longer_phrases_win():
    table = PhraseTable.build(
        [{"find": "per", "say": "a"}, {"find": "per your request", "say": "b"}]
    )
    match = table.pattern.search("done per your request today")
    assert table.entry(match)["say"] == "b"


def test_match_case_entries_only_match_their_capitals():
    table = PhraseTable.build([{"find": "ETA", "plain": "x", "match_case": True}])
    assert table.pattern.search("the ETA is")
    assert not table.pattern.search("the eta is")


def test_cue_sets_count_and_anchor():
    cues = CueSet.build(["thank*", "great job"])
    assert cues.count("Thanks! Great job, thank you") == 3
    anchored = CueSet.build(["hi"], anchored=True)
    assert anchored.match("Hi Maria") and not anchored.search("oh hi")


def test_replacements_do_not_trigger_their_own_rules():
    """What a rule writes must not be rewritten again, or a second pass would change it."""
    for entry in LEX.jargon.entries:
        assert not LEX.jargon.pattern.search(entry["plain"]), entry
    for entry in LEX.blame.entries:
        for said in (entry["say"], entry.get("say_at_start", "")):
            assert not LEX.blame.pattern.search(said), entry
    for entry in LEX.refusal_rewrites.entries:
        assert not LEX.refusal_rewrites.pattern.search(entry["say"]), entry


def test_every_added_phrase_is_recognised_on_a_second_pass():
    for text in [*leaves(LEX.acknowledgements), *leaves(LEX.openers)]:
        assert LEX.acknowledgement_cues.search(text), text
    for text in leaves(LEX.offers):
        assert LEX.closing_cues.search(text), text
        if LEX.request_verbs.match(text):
            assert LEX.request_closing_cues.search(text), text  # or "Please" gets added
    for text in leaves(LEX.apologies):
        assert LEX.apology_cues.search(text), text


def test_cache_is_per_directory(prompts_copy, monkeypatch):
    lexicon_module._load_cached.cache_clear()
    monkeypatch.setenv("KINDLY_PROMPTS_DIR", str(prompts_copy))
    first = load_lexicon()
    assert load_lexicon() is first
    monkeypatch.delenv("KINDLY_PROMPTS_DIR")
    assert load_lexicon() is not first
