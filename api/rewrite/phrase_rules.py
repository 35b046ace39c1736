"""Enforces a preset's banned and required phrases on a rewrite, whatever the engine did.

Banned phrases are removed wherever they stand as whole words (case-insensitive), except
inside facts, glossary terms and names; the commas and spaces around them are tidied and a
sentence that now starts lower-case is capitalised. Required phrases that are missing are
added before the sign-off (or at the end). Facts are never touched: if a removal would
change one, the removals are dropped and a warning says so.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence

from api.facts.guard import check_facts
from api.facts.spans import protected_spans
from api.types import EngineResult, RewriteJob

BANNED_RULE = "preset.banned_phrase"
REQUIRED_RULE = "preset.required_phrase"

_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+|\n\s*)$")
_PUNCT = ",.!?;:"


def apply_phrase_rules(result: EngineResult, job: RewriteJob) -> EngineResult:
    """The engine's result with the preset's phrase rules enforced (unchanged if it has none)."""
    preset = job.preset
    banned = [p for p in preset.get("banned_phrases", []) if p.strip()]
    required = [p for p in preset.get("required_phrases", []) if p.strip()]
    if not banned and not required:
        return result
    keep = [*preset.get("glossary", []), job.customer_name or "", job.agent_name or ""]
    text, removed, warnings = remove_banned(result.text, banned, keep)
    signoff = render_signoff(preset.get("signoff") or "", job.agent_name)
    text, added = add_required(text, required, signoff)
    changes = [f"Removed the banned phrase “{p}”." for p in removed]
    changes += [f"Added the required phrase “{p}”." for p in added]
    rules = [BANNED_RULE] * bool(removed) + [REQUIRED_RULE] * bool(added)
    return dataclasses.replace(
        result,
        text=text,
        changes=[*result.changes, *changes],
        warnings=[*result.warnings, *warnings],
        rules=[*result.rules, *rules],
    )


def render_signoff(template: str, agent_name: str | None) -> str:
    return template.replace("{agent_name}", agent_name or "").strip()


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Case-insensitive, whole words only, any run of whitespace between the words."""
    words = [re.escape(w) for w in phrase.split()]
    body = r"\s+".join(words)
    before = r"(?<!\w)" if re.match(r"\w", phrase.strip()) else ""
    after = r"(?!\w)" if re.search(r"\w$", phrase.strip()) else ""
    return re.compile(before + body + after, re.IGNORECASE)


def remove_banned(
    text: str, banned: Sequence[str], keep: Iterable[str] = ()
) -> tuple[str, list[str], list[str]]:
    """Remove every unprotected banned phrase. Returns (text, phrases removed, warnings)."""
    if not banned:
        return text, [], []
    keep = [k for k in keep if k and k.strip()]
    removed: list[str] = []
    current = text
    # Removing one phrase can join words into another banned phrase: repeat until none is
    # left. Each pass removes at least one non-space character and adds none, so this ends.
    while True:
        found = _unprotected_matches(current, banned, keep)
        if not found:
            break
        for start, end, phrase in sorted(found, reverse=True):
            current = _cut(current, start, end)
            if phrase not in removed:
                removed.append(phrase)
    if not removed:
        return text, [], []
    if not check_facts(text, current).passed:
        names = ", ".join(f"“{p}”" for p in removed)
        return text, [], [f"Kept the banned phrase {names}: removing it would change a fact."]
    return current, removed, []


def add_required(text: str, required: Sequence[str], signoff: str) -> tuple[str, list[str]]:
    """Add each missing required phrase before the sign-off, or at the end."""
    added = []
    for phrase in required:
        if phrase_pattern(phrase).search(text) or _plain_contains(text, phrase):
            continue
        text = _insert_before_signoff(text, phrase.strip(), signoff)
        added.append(phrase)
    return text, added


def _plain_contains(text: str, phrase: str) -> bool:
    squash = " ".join
    return squash(phrase.casefold().split()) in squash(text.casefold().split())


def _unprotected_matches(
    text: str, banned: Sequence[str], keep: Sequence[str]
) -> list[tuple[int, int, str]]:
    taken = bytearray(len(text))
    for span in protected_spans(text):
        taken[span.start : span.end] = b"\x01" * (span.end - span.start)
    for term in keep:
        for match in phrase_pattern(term).finditer(text):
            taken[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
    found = []
    # Longest phrases first, so "we regret to inform you" wins over "regret".
    for phrase in sorted(banned, key=len, reverse=True):
        for match in phrase_pattern(phrase).finditer(text):
            start, end = match.span()
            if end > start and not any(taken[start:end]):
                taken[start:end] = b"\x01" * (end - start)
                found.append((start, end, phrase))
    return found


def _cut(text: str, start: int, end: int) -> str:
    """Remove text[start:end] and mend only the few characters around the cut."""
    before, after = text[:start], text[end:]
    if _SENTENCE_START.search(before):
        # The phrase opened a sentence: drop the comma (or the whole "Sorry." sentence
        # mark) it leaves behind and capitalise what now opens the sentence.
        after = re.sub(r"^[ \t]*[,;:.!?]*[ \t]*", "", after)
        if not after or after.startswith("\n"):
            return before.rstrip(" \t") + after
        return before + _capitalised(after)
    head, tail = before.rstrip(" \t"), after.lstrip(" \t")
    if not tail or tail[0] == "\n":
        return head + tail
    if tail[0] in _PUNCT:
        # ", unfortunately," keeps one comma; "that unfortunately." keeps the full stop.
        if head.endswith(","):
            head = head[:-1]
        return head + tail
    return f"{head} {tail}"


def _capitalised(text: str) -> str:
    """`text` with its first letter upper-cased, unless it begins a fact (a link, an id)."""
    if not text[:1].islower():
        return text
    if any(span.start == 0 for span in protected_spans(text)):
        return text
    return text[0].upper() + text[1:]


def _insert_before_signoff(text: str, phrase: str, signoff: str) -> str:
    lines = text.rstrip().split("\n")
    first = signoff.split("\n")[0].strip().casefold() if signoff else ""
    if first:
        # The sign-off sits in the last few lines; look for its first line there.
        for index in range(len(lines) - 1, max(-1, len(lines) - 4), -1):
            if lines[index].strip().casefold() == first:
                head = "\n".join(lines[:index]).rstrip()
                tail = "\n".join(lines[index:])
                return f"{head}\n\n{phrase}\n\n{tail}" if head else f"{phrase}\n\n{tail}"
    body = text.rstrip()
    if not body:
        return phrase
    return f"{body}\n\n{phrase}" if "\n" in body else f"{body} {phrase}"
