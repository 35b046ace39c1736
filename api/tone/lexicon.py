"""Load the offline engine's word lists and phrase banks (prompts/offline/*.json), compiled once.

The JSON files are edited by support teams, not programmers, so every entry is a plain phrase:
this module turns phrases into regular expressions that also match tokenised text ("do n't")
and curly apostrophes, and refuses phrase banks that would make the engine invent facts.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from api.config import DEFAULT_PROMPTS_DIR

FILES = (
    "jargon.json",
    "blame.json",
    "refusals.json",
    "requests.json",
    "feelings.json",
    "acknowledgements.json",
    "greetings.json",
    "closings.json",
    "formal.json",
    "shorten.json",
    "tone.json",
)

# Text we insert must never look like a fact: no digits, links, emails or @handles.
_FACT_LIKE = re.compile(r"[0-9]|https?:|www\.|@|\.(?:com|org|net)\b", re.IGNORECASE)


class LexiconError(ValueError):
    """A word list or phrase bank is missing, malformed or unsafe."""


def phrase_atoms(phrase: str) -> list[str]:
    """The regex pieces of a plain phrase, one per character or rule.

    Spaces match any run of spaces, apostrophes match straight or curly ones and the
    tokenised forms of contractions ("don't" also matches "do n't", "I'm" matches "I 'm"),
    a trailing "*" matches any word ending, and word phrases only match whole words.
    """
    wildcard = phrase.endswith("*")
    body = phrase[:-1] if wildcard else phrase
    out: list[str] = []
    if body[:1].isalnum() or body[:1] == "_":
        out.append(r"(?<!\w)")
    i = 0
    while i < len(body):
        char = body[i]
        if body.startswith("n't", i) or body.startswith("n’t", i):
            out.append(r"\s?n['’]t")
            i += 3
            continue
        if char in "'’":
            out.append(r"\s?['’]")
        elif char.isspace():
            out.append(r"\s+")
            while i + 1 < len(body) and body[i + 1].isspace():
                i += 1
        else:
            out.append(re.escape(char))
        i += 1
    if wildcard:
        out.append(r"\w*")
    if wildcard or body[-1:].isalnum() or body[-1:] == "_":
        out.append(r"(?!\w)")
    return out


def phrase_pattern(phrase: str) -> str:
    """A regex source for one plain phrase (see `phrase_atoms`)."""
    return "".join(phrase_atoms(phrase))


def trie_source(paths: Iterable[tuple[list[str], str]]) -> str:
    """One regex for many phrases that shares their common beginnings.

    A flat "a|b|c|..." of a hundred phrases makes the regex engine try every phrase at every
    position; as a trie it tries one branch per distinct first character. Each path ends with
    its `leaf` text (an empty named group tells which phrase matched). Where one phrase is the
    start of another, the longer one is tried first.
    """
    root: dict[str | None, Any] = {}
    for atoms, leaf in paths:
        node = root
        for atom in atoms:
            node = node.setdefault(atom, {})
        node.setdefault(None, leaf)
    return _emit(root) if root else r"(?!x)x"


def _emit(node: dict[str | None, Any]) -> str:
    branches = [atom + _emit(child) for atom, child in node.items() if atom is not None]
    if None in node:
        branches.append(node[None])
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


def normalise_phrase(text: str) -> str:
    """Lower-case, straight apostrophes, untokenised contractions, single spaces."""
    text = text.lower().replace("’", "'")
    text = re.sub(r"\s+(?=n't\b|'(?:s|re|m|ll|ve|d)\b)", "", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True, eq=False)
class PhraseTable:
    """Many phrases in one regex; `entry(match)` says which phrase matched."""

    pattern: re.Pattern[str]
    entries: tuple[dict[str, Any], ...]

    @classmethod
    def build(cls, entries: Iterable[Mapping[str, Any]], key: str = "find") -> PhraseTable:
        ordered = tuple(sorted((dict(e) for e in entries), key=lambda e: -len(e[key])))
        folded: list[tuple[list[str], str]] = []
        exact: list[tuple[list[str], str]] = []
        for index, entry in enumerate(ordered):
            match_case = bool(entry.get("match_case"))
            atoms = phrase_atoms(entry[key] if match_case else entry[key].lower())
            not_before = entry.get("not_before")
            if not_before:
                words = "|".join(phrase_pattern(w.lower()) for w in not_before)
                atoms.append(rf"(?!\s+(?i:{words}))")
            if entry.get("only_before_end"):
                atoms.append(r"(?=\s*(?:[.!?]|$))")
            (exact if match_case else folded).append((atoms, f"(?P<p{index}>)"))
        source = f"(?i:{trie_source(folded)})|{trie_source(exact)}"
        return cls(re.compile(source), ordered)

    def entry(self, match: re.Match[str]) -> dict[str, Any]:
        return self.entries[int(match.lastgroup[1:])]  # type: ignore[index]


@dataclass(frozen=True, eq=False)
class CueSet:
    """Words or phrases to look for; counts and searches case-insensitively."""

    pattern: re.Pattern[str]

    @classmethod
    def build(cls, phrases: Iterable[str], anchored: bool = False) -> CueSet:
        ordered = sorted({p.lower() for p in phrases}, key=len, reverse=True)
        source = trie_source((phrase_atoms(p), "") for p in ordered)
        if anchored:
            source = rf"^(?:{source})"
        return cls(re.compile(source, re.IGNORECASE))

    def count(self, text: str) -> int:
        return sum(1 for _ in self.pattern.finditer(text))

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text)

    def match(self, text: str) -> re.Match[str] | None:
        return self.pattern.match(text)


@dataclass(frozen=True, eq=False)
class Lexicon:
    """Everything the offline engine and the tone scores read from prompts/offline."""

    path: Path
    fingerprint: str
    jargon: PhraseTable
    blame: PhraseTable
    refusal_rewrites: PhraseTable
    refusal_triggers: CueSet
    apology_cues: CueSet
    apologies: dict[str, list[str]]
    lowercase_after_apology: frozenset[str]
    alternative_starts: CueSet
    bridges: dict[str, list[str]]
    request_verbs: CueSet
    request_softener: str
    request_questions: PhraseTable
    request_closing_cues: CueSet
    feelings: dict[str, CueSet]
    feeling_order: tuple[str, ...]
    feeling_min_cues: int
    feeling_suppress: dict[str, dict[str, list[str]]]
    acknowledgement_cues: CueSet
    acknowledgements: dict[str, dict[str, list[str]]]
    openers: dict[str, list[str]]
    greeting_starts: CueSet
    not_names: frozenset[str]
    greetings: dict[str, dict[str, str]]
    closing_cues: CueSet
    closing_lines: CueSet
    offers: dict[str, dict[str, list[str]]]
    signoffs: dict[str, str]
    contractions: PhraseTable
    casual_words: PhraseTable
    filler_phrases: PhraseTable
    filler_sentences: frozenset[str]
    warm_cues: CueSet
    cold_cues: CueSet
    raw: dict[str, Any] = field(repr=False)


def _read(directory: Path, name: str) -> dict[str, Any]:
    path = directory / name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise LexiconError(f"{path}: file is missing.") from err
    except json.JSONDecodeError as err:
        raise LexiconError(f"{path}: not valid JSON ({err}).") from err
    if not isinstance(data, dict):
        raise LexiconError(f"{path}: must hold a JSON object.")
    return data


def _need(data: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise LexiconError(f"{where}: missing '{key}'.")
    return data[key]


def _check_inserts(where: str, texts: Iterable[str]) -> None:
    for text in texts:
        if not isinstance(text, str):
            raise LexiconError(f"{where}: {text!r} is not text.")
        if _FACT_LIKE.search(text.replace("{agent_name}", "").replace("{name}", "")):
            raise LexiconError(
                f"{where}: {text!r} holds a digit, link, email or @handle; text the engine "
                "adds must never look like a fact."
            )


def _leaves(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)


def _entries(data: Mapping[str, Any], key: str, where: str, fields: tuple[str, ...]) -> list:
    entries = _need(data, key, where)
    for entry in entries:
        for name in fields:
            if not isinstance(entry, Mapping) or not isinstance(entry.get(name), str):
                raise LexiconError(
                    f"{where}: every entry in '{key}' needs text '{name}': {entry!r}"
                )
    return entries


def _mapping_entries(mapping: Mapping[str, str], where: str) -> list[dict[str, str]]:
    _check_inserts(where, mapping.values())
    return [{"find": find, "say": say} for find, say in mapping.items()]


def _build(directory: Path) -> Lexicon:
    raw = {name.removesuffix(".json"): _read(directory, name) for name in FILES}
    digest = hashlib.sha256()
    for name in FILES:
        digest.update((directory / name).read_bytes())

    jargon = _entries(raw["jargon"], "terms", "jargon.json", ("find", "plain"))
    _check_inserts("jargon.json", (t["plain"] for t in jargon))
    blame = _entries(raw["blame"], "rewrites", "blame.json", ("find", "say"))
    _check_inserts("blame.json", (r["say"] for r in blame))
    _check_inserts("blame.json", (r["say_at_start"] for r in blame if "say_at_start" in r))
    refusals = raw["refusals"]
    refusal_rewrites = _entries(refusals, "rewrites", "refusals.json", ("find", "say"))
    _check_inserts("refusals.json", (r["say"] for r in refusal_rewrites))
    for key in ("apology", "bridge"):
        _check_inserts(f"refusals.json {key}", _leaves(_need(refusals, key, "refusals.json")))
    requests = raw["requests"]
    _check_inserts("requests.json softener", [_need(requests, "softener", "requests.json")])
    _check_inserts("requests.json questions", (q["say"] for q in requests.get("questions", [])))

    feelings = raw["feelings"]
    feeling_cues = _need(feelings, "feelings", "feelings.json")
    order = tuple(_need(feelings, "order", "feelings.json"))
    for name in order:
        if name not in feeling_cues:
            raise LexiconError(f"feelings.json: 'order' names '{name}' but it has no cue list.")

    acks = raw["acknowledgements"]
    ack_phrases = _need(acks, "phrases", "acknowledgements.json")
    openers = _need(acks, "opener", "acknowledgements.json")
    _check_inserts("acknowledgements.json", _leaves(ack_phrases))
    _check_inserts("acknowledgements.json opener", _leaves(openers))
    ack_cues = CueSet.build(_need(acks, "detect", "acknowledgements.json"))
    for text in [*_leaves(ack_phrases), *_leaves(openers)]:
        if not ack_cues.search(text):
            raise LexiconError(
                f"acknowledgements.json: {text!r} contains none of the 'detect' words, so a "
                "second pass would acknowledge again."
            )

    greetings = raw["greetings"]
    templates = _need(greetings, "templates", "greetings.json")
    _check_inserts("greetings.json", _leaves(templates))
    closings = raw["closings"]
    offers = _need(closings, "offers", "closings.json")
    signoffs = _need(closings, "signoffs", "closings.json")
    _check_inserts("closings.json offers", _leaves(offers))
    _check_inserts("closings.json signoffs", _leaves(signoffs))
    closing_cues = CueSet.build(_need(closings, "detect", "closings.json"))
    for text in _leaves(offers):
        if not closing_cues.search(text):
            raise LexiconError(
                f"closings.json: offer {text!r} contains none of the 'detect' phrases, so a "
                "second pass would add another."
            )

    formal = raw["formal"]
    shorten = raw["shorten"]
    tone = raw["tone"]
    lower = str.lower
    return Lexicon(
        path=directory,
        fingerprint=digest.hexdigest()[:16],
        jargon=PhraseTable.build(jargon),
        blame=PhraseTable.build(blame),
        refusal_rewrites=PhraseTable.build(refusal_rewrites),
        refusal_triggers=CueSet.build(_need(refusals, "triggers", "refusals.json")),
        apology_cues=CueSet.build(_need(refusals, "apology_detect", "refusals.json")),
        apologies=refusals["apology"],
        lowercase_after_apology=frozenset(
            map(lower, _need(refusals, "starts_to_lowercase", "refusals.json"))
        ),
        alternative_starts=CueSet.build(
            _need(refusals, "alternative_starts", "refusals.json"), anchored=True
        ),
        bridges=refusals["bridge"],
        request_verbs=CueSet.build(_need(requests, "verbs", "requests.json"), anchored=True),
        request_softener=requests["softener"],
        request_questions=PhraseTable.build(requests.get("questions", [])),
        request_closing_cues=CueSet.build(requests.get("closing_cues", [])),
        feelings={name: CueSet.build(feeling_cues[name]) for name in order},
        feeling_order=order,
        feeling_min_cues=int(feelings.get("min_cues", 1)),
        feeling_suppress=feelings.get("suppress", {}),
        acknowledgement_cues=ack_cues,
        acknowledgements=ack_phrases,
        openers=openers,
        greeting_starts=CueSet.build(_need(greetings, "detect", "greetings.json"), anchored=True),
        not_names=frozenset(map(lower, _need(greetings, "not_names", "greetings.json"))),
        greetings=templates,
        closing_cues=closing_cues,
        closing_lines=CueSet.build(
            _need(closings, "closing_lines", "closings.json"), anchored=True
        ),
        offers=offers,
        signoffs=signoffs,
        contractions=PhraseTable.build(
            _mapping_entries(_need(formal, "expand", "formal.json"), "formal.json expand")
        ),
        casual_words=PhraseTable.build(
            _mapping_entries(_need(formal, "casual", "formal.json"), "formal.json casual")
        ),
        filler_phrases=PhraseTable.build(
            {"find": p, "say": ""} for p in _need(shorten, "drop_phrases", "shorten.json")
        ),
        filler_sentences=frozenset(
            normalise_phrase(s) for s in _need(shorten, "drop_sentences", "shorten.json")
        ),
        warm_cues=CueSet.build(_need(tone, "warm", "tone.json")),
        cold_cues=CueSet.build(_need(tone, "cold", "tone.json")),
        raw=raw,
    )


def default_dir() -> Path:
    """prompts/offline of the repo, or of KINDLY_PROMPTS_DIR when that is set (an app built
    with other settings passes its own folder to `load_lexicon`)."""
    override = os.environ.get("KINDLY_PROMPTS_DIR")
    return Path(override or DEFAULT_PROMPTS_DIR) / "offline"


@functools.lru_cache(maxsize=4)
def _load_cached(directory: Path) -> Lexicon:
    # Keyed by the path as given: resolving it on every call cost a few filesystem lookups
    # per tone score, that is per request.
    return _build(directory.resolve())


def load_lexicon(path: Path | None = None) -> Lexicon:
    """The lexicon in `path` (a prompts/offline folder), or the default one, loaded once."""
    if path is None:
        return _load_cached(default_dir())
    return _build(Path(path))
