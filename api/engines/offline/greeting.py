"""The greeting that opens a reply ("Hi there!", "Hello Maria,"): where it ends, whether it
names the customer, and the name the offline engine greets with."""

from __future__ import annotations

import re
from dataclasses import dataclass

from api.engines.offline.work import Work

_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "dame"})
_NAME_AFTER_GREETING = re.compile(
    r"[ \t]*(?P<name>[^\W\d_][\w'’.-]*(?:[ \t]+[A-Z][\w'’.-]*){0,2}|[\U000f0000-\U000ffffd])"
    r"(?=[ \t]*(?:[,!.:;—–-]|$|[\u263a\u263b\U0001F300-\U0001FAFF]))"
)
# A line holding only a shielded name and a comma ("Tomasz,"): the customer's name, greeting.
_NAME_ALONE = re.compile(r"[ \t]*[\U000f0000-\U000ffffd][ \t]*[,!]?[ \t]*$")
_PUNCT_AFTER_GREETING = re.compile(r"[ \t]*(?:[,!.:;—–-]|$)")


@dataclass
class Greeting:
    """An opening greeting found at the start of the body."""

    end: int | None  # where the text after the greeting starts in its line (None: unclear)
    has_name: bool
    name_at: int | None  # where a name can be inserted, if the greeting has room for one
    replace_to: int | None  # end of a word the name replaces ("there" in "Hi there")
    alone: bool = False  # the greeting is the whole line


def greeting_name(work: Work) -> str | None:
    name = (work.job.customer_name or "").strip()
    style = work.settings.greeting_style
    if not name or style == "none" or re.search(r"[@0-9/:]", name):
        return None
    parts = name.split()
    if style in ("formal", "full_name") or len(parts) == 1:
        return name
    if parts[0].lower().rstrip(".") in _TITLES:
        return name
    return parts[0]


def find_greeting(work: Work, line: str) -> Greeting | None:
    """The greeting that opens `line` ("Hi there!", "Hello Maria,"), if any."""
    greeting = _greeting_in(work, line)
    if greeting is not None and greeting.end is not None:
        greeting.alone = not line[greeting.end :].strip()
    return greeting


def _name_like(text: str) -> bool:
    return text[:1].isupper() and any(c.islower() for c in text) and not re.search(r"\d", text)


def _greeting_in(work: Work, line: str) -> Greeting | None:
    stripped = line.lstrip()
    offset = len(line) - len(stripped)
    # "Tomasz," on its own line: the name is the greeting ("a1" or "DM" is no name).
    if _NAME_ALONE.match(line) and _name_like(work.unshield(line).strip(" \t,!")):
        return Greeting(len(line), True, None, None)
    match = work.lexicon.greeting_starts.match(stripped)
    if not match:
        return None
    at = offset + match.end()
    word = match.group(0)
    name = _NAME_AFTER_GREETING.match(line, at)
    if name and name.group("name").lower() not in work.lexicon.not_names:
        end = _greeting_end(line, name.end())
        return Greeting(end, True, None, None)
    if word.lower().endswith(" there"):
        base = offset + len(word) - len(" there")
        return Greeting(_greeting_end(line, at), False, base, at)
    if _PUNCT_AFTER_GREETING.match(line, at):
        return Greeting(_greeting_end(line, at), False, at, at)
    return Greeting(_greeting_end(line, at), False, None, None)


# After a greeting: an optional smiley ("Hi Jo :) ..."), then its punctuation and a space
# ("Hi Maria, ..."), or just a space before a word ("Hi Thanks for ..."). Anything else
# ("Hello,please") is no clear seam.
_GREETING_TAIL = re.compile(
    r"[ \t]*+(?:(?::-?[)D]|;-?\)|[\u263a\u263b]|[\U0001F300-\U0001FAFF])[ \t]*+)?"
    r"(?:[,!.:;—–-]++(?:[ \t]+|$)|(?<=[ \t])(?=\w)|$)"
)


def _greeting_end(line: str, position: int) -> int | None:
    """Where the text after a greeting starts; None when the greeting runs straight into
    something else ("Hi Jo :)", "Hello,please")."""
    match = _GREETING_TAIL.match(line, position)
    return match.end() if match else None
