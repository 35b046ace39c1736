"""Load the harsh-wording rules (prompts/offline/harsh/<language>.json), compiled once.

Each rule is a regular expression over one sentence, a category, a plain reason and suggestion
for the agent, and what the offline engine writes instead. The file format is described in
its own 'about' field.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from api.tone.cues import COMMON_WORDS, all_required_words, first_words, required_words
from api.tone.families import families
from api.tone.lexicon import LexiconError, PhraseTable, default_dir

CATEGORIES = (
    "curt",
    "blame",
    "condescension",
    "deflection",
    "threat",
    "dismissive",
    "command",
    "jargon",
)
LANGUAGES = ("en", "es", "de", "fr", "pt")
PLACEHOLDER = "[\U000f0000-\U000ffffd]"  # a masked fact (see engines/offline/text.py)
_OBJ = (
    r"(?:the|your|a|an|this|that|these|those|our|my|any|his|her|their)"
    r"\s+[^,.;:!?()\n]*?"
)
_END = (
    r"(?=\s*(?:[,.;:!?)]|$)|\s+(?:so|and|but|or|which|because|before|after|when|while|instead|"
    r"again|twice|first|yet|though|although|then|since|until|as|on|in|at|from|for|by|with)\b)"
)
_TEMPLATE = re.compile(r"\{(?:(\w+):)?(\w+)\}")


@dataclass(frozen=True)
class Rule:
    """One harsh pattern and what to do about it."""

    category: str
    pattern: re.Pattern[str]
    say: str | None
    reason: str
    suggestion: str
    flag: bool = True  # False: the engine rewrites it but the analyser does not report it


@dataclass(frozen=True, eq=False)
class RuleBook:
    """The rules of one language, plus the word tables their templates use."""

    language: str
    rules: tuple[Rule, ...]
    labels: dict[str, str]
    reasons: dict[str, tuple[str, str]]
    participles: dict[str, str]
    base_forms: dict[str, str]
    command_start: re.Pattern[str] | None
    please: re.Pattern[str] | None  # a sentence with one of these words asks politely
    command_lead: re.Pattern[str] | None  # "then", "just": may come before a command's verb
    command_drop: frozenset[str]  # leads a polite request leaves out ("just wait")
    command_next: frozenset[str]  # words that follow a verb used as a command ("the", "it")
    frame: dict[str, Any]
    prefix_maps: dict[str, dict[str, str]]  # {how: {"den ": "der "}}: article changes
    plain_words: PhraseTable | None  # long word -> everyday word, for plain-language replies
    fingerprint: str
    # Which rules a word can start a match of: rules with no known first word are `always`.
    by_word: dict[str, tuple[int, ...]]
    by_start: dict[str, tuple[int, ...]]
    start_lengths: tuple[int, ...]
    always: tuple[int, ...]
    # Per rule: sets of words a match must hold one word of each (see cues.all_required_words).
    needs: tuple[tuple[frozenset[str], ...], ...] = ()
    _word_rules: dict[str, frozenset[int]] = field(default_factory=dict, repr=False)

    def candidates(self, words: list[str]) -> list[int]:
        """Indexes of the rules that can match a sentence made of `words` (lower-cased)."""
        found = set(self.always)
        cache = self._word_rules
        for word in set(words):
            rules = cache.get(word)
            if rules is None:
                rules = self._rules_for(word)
                if len(cache) < 50_000:
                    cache[word] = rules
            if rules:
                found.update(rules)
        return sorted(found)

    def could_match(self, index: int, words: frozenset[str]) -> bool:
        """Whether rule `index` can match a sentence made of `words` (lower-cased): False
        when the sentence lacks every word of one of the rule's required sets."""
        return all(not need.isdisjoint(words) for need in self.needs[index])

    def _rules_for(self, word: str) -> frozenset[int]:
        rules = set(self.by_word.get(word, ()))
        for length in self.start_lengths:
            if length <= len(word):
                rules.update(self.by_start.get(word[:length], ()))
        return frozenset(rules)

    def render(self, rule: Rule, match: re.Match[str]) -> str:
        """The rule's replacement for `match`, with groups and verb forms filled in."""
        assert rule.say is not None

        def fill(found: re.Match[str]) -> str:
            how, name = found.group(1), found.group(2)
            value = (match.groupdict().get(name) or "").strip()
            if how == "pp":
                return self.participle(value)
            if how == "base":
                return self.base(value)
            if how == "the":
                return re.sub(r"^your\b", "the", value, flags=re.IGNORECASE)
            if how == "cap":
                return value[:1].upper() + value[1:]
            if how in ("subj", "sub"):
                return _subject(value)
            if how == "be":
                return "were" if _plural(value) else "was"
            if how == "sp":
                return value + " " if value else ""
            if how == "pre":
                return " " + value if value else ""
            if how == "or_this":
                return value or "this"
            if how in self.prefix_maps:
                for start, replacement in self.prefix_maps[how].items():
                    if value.lower().startswith(start):
                        return replacement + value[len(start) :]
            return value

        text = _TEMPLATE.sub(fill, rule.say)
        return re.sub(r"[ \t]{2,}", " ", text).replace(" ,", ",")

    def participle(self, verb: str) -> str:
        low = verb.lower()
        if low in self.participles:
            return self.participles[low]
        if low.endswith("ed"):
            return low
        if low.endswith("e"):
            return low + "d"
        if len(low) > 2 and low.endswith("y") and low[-2] not in "aeiou":
            return low[:-1] + "ied"
        return low + "ed"

    def base(self, verb: str) -> str:
        low = verb.lower()
        if low in self.base_forms:
            return self.base_forms[low]
        if low.endswith("ied"):
            return low[:-3] + "y"
        if low.endswith("ed"):
            stem = low[:-2]
            if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "ls":
                return stem[:-1]
            if stem.endswith(("is", "iz", "v", "c", "g", "u", "at", "ur", "as")):
                return stem + "e"
            return stem
        return low


def _subject(phrase: str) -> str:
    """A noun phrase as the subject of a new clause: "them" -> "they", "your card" -> "the card"."""
    low = phrase.lower()
    if low in ("them", "they"):
        return "they"
    if low in ("it", "this", "that"):
        return low
    return re.sub(r"^your\b", "the", phrase, flags=re.IGNORECASE)


def _plural(phrase: str) -> bool:
    words = phrase.lower().split()
    if not words:
        return False
    if words[0] in ("them", "these", "those", "both", "all", "two", "three", "they"):
        return True
    last = words[-1]
    return len(words) > 1 and last.endswith("s") and not last.endswith(("ss", "us", "is"))


def _apostrophes(source: str) -> str:
    """Let "don't" also match "don’t" and the tokenised "do n't" of some exports."""
    source = source.replace("n't", "\\s?n['’]t")
    return re.sub(r"(?<!\[)(?<!\\s\?n\[)'(?!’\])", "\\\\s?['’]", source)


def _who(words: list[str]) -> str:
    listed = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
    name = r"(?-i:[A-Z])[\w&-]*(?:\.[\w&-]+)*"
    return (
        rf"(?P<who>(?:(?:the|your|their|our) )?(?:{listed})\b"
        rf"|{name}(?: {name}){{0,3}}|{PLACEHOLDER})"
    )


def _compile(source: str, who: str) -> re.Pattern[str]:
    source = source.replace("<OBJ>", _OBJ).replace("<END>", _END).replace("<WHO>", who)
    return re.compile(_apostrophes(source), re.IGNORECASE)


def _rule(entry: dict[str, Any], categories: dict[str, Any], who: str, where: str) -> Rule:
    category = entry.get("category")
    if category not in CATEGORIES or category not in categories:
        raise LexiconError(f"{where}: unknown category {category!r}.")
    try:
        pattern = _compile(entry["find"], who)
    except (KeyError, re.error) as err:
        raise LexiconError(f"{where}: bad 'find' in {entry!r} ({err}).") from err
    say = entry.get("say")
    if say is not None and re.search(r"[0-9@]|https?:", say):
        raise LexiconError(f"{where}: {say!r} looks like a fact; text we add never may.")
    base = categories[category]
    return Rule(
        category=category,
        pattern=pattern,
        say=say,
        reason=entry.get("reason") or base["reason"],
        suggestion=entry.get("suggestion") or base["suggestion"],
        flag=bool(entry.get("flag", True)),
    )


def _build(path: Path, language: str) -> RuleBook:
    try:
        raw = path.read_bytes()
        data = json.loads(raw)
    except (OSError, json.JSONDecodeError) as err:
        raise LexiconError(f"{path}: cannot read the rules ({err}).") from err
    if language == "en":
        # Families built from word classes catch the wordings no listed rule names.
        data["rules"] = list(data.get("rules", [])) + families()
        raw += json.dumps(families(), sort_keys=True).encode()
    categories = data.get("categories") or {}
    who = _who(data.get("who", []))
    rules = tuple(_rule(e, categories, who, str(path)) for e in data.get("rules", []))
    verbs = data.get("command_verbs") or []
    command = None
    if verbs:
        listed = "|".join(sorted((re.escape(v) for v in verbs), key=len, reverse=True))
        command = re.compile(rf"(?:{_apostrophes(listed)})(?![\w'’:])", re.IGNORECASE)
    by_word: dict[str, list[int]] = {}
    by_start: dict[str, list[int]] = {}
    always: list[int] = []
    for index, rule in enumerate(rules):
        listed = data["rules"][index].get("cue")
        rare = required_words(rule.pattern)
        if listed:
            cues: tuple[frozenset[str], tuple[str, ...]] | None = (
                frozenset(w.lower() for w in listed), ()
            )
        elif rare and not rare & COMMON_WORDS:
            cues = (rare, ())
        else:
            cues = first_words(rule.pattern)
        if cues is None:
            always.append(index)
            continue
        for word in cues[0]:
            by_word.setdefault(word, []).append(index)
        for start in cues[1]:
            by_start.setdefault(start, []).append(index)
    leads = data.get("command_lead") or []
    lead = None
    if leads:
        listed = "|".join(re.escape(w) for w in leads)
        lead = re.compile(rf"(?:(?:{listed}),?\s+)+", re.IGNORECASE)
    polite = data.get("please") or []
    please = None
    if polite:
        listed = "|".join(re.escape(w) for w in polite)
        please = re.compile(rf"(?<!\w)(?:{listed})(?!\w)", re.IGNORECASE)
    return RuleBook(
        command_lead=lead,
        command_drop=frozenset(w.lower() for w in data.get("command_drop", [])),
        command_next=frozenset(w.lower() for w in data.get("command_next", [])),
        please=please,
        by_word={k: tuple(v) for k, v in by_word.items()},
        by_start={k: tuple(v) for k, v in by_start.items()},
        start_lengths=tuple(sorted({len(k) for k in by_start})),
        always=tuple(always),
        needs=tuple(all_required_words(rule.pattern) for rule in rules),
        language=language,
        rules=rules,
        labels={name: c.get("label", name) for name, c in categories.items()},
        reasons={name: (c["reason"], c["suggestion"]) for name, c in categories.items()},
        participles={k.lower(): v for k, v in data.get("participles", {}).items()},
        base_forms={k.lower(): v for k, v in data.get("base_forms", {}).items()},
        command_start=command,
        frame=data.get("frame") or {},
        prefix_maps=data.get("prefix_maps") or {},
        plain_words=_plain_table((data.get("frame") or {}).get("plain_words")),
        fingerprint=hashlib.sha256(raw).hexdigest()[:12],
    )


def _plain_table(words: dict[str, str] | None) -> PhraseTable | None:
    if not words:
        return None
    return PhraseTable.build({"find": find, "say": say} for find, say in words.items())


@functools.lru_cache(maxsize=16)
def _load(directory: Path, language: str) -> RuleBook | None:
    path = directory / "harsh" / f"{language}.json"
    if not path.exists():
        return None
    return _build(path, language)


def rule_book(language: str = "en", directory: Path | None = None) -> RuleBook | None:
    """The rules for `language` (ISO 639-1), or None when there are none for it."""
    return _load(directory or default_dir(), (language or "en").lower()[:2])
