"""The regular expressions that recognise each kind of fact, and the hints that keep them fast.

`facts.spans` runs them and resolves overlaps; this module only says what each kind looks like.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Patterns are fenced so that a span is never glued to a word ("12" in "123") or to the rest
# of a decimal ("12" in "12.50", "3" in "3:30"), and the guard's `_occurs` applies the same
# rule when it looks a fact up in another text. Keeping the two in step is what makes
# `check_facts(draft, draft)` pass for every draft. Each pattern starts with a plain character
# or class and checks what is behind it afterwards: a leading lookbehind stops `re` from
# skipping ahead to candidate characters, which made the guard several times slower.
_AFTER = r"(?![A-Za-z0-9])(?![.,:][0-9])"


def _lead(first: str) -> str:
    """`first` (one character or class) as the start of a token: no letter or digit before it,
    and not the fraction of a decimal."""
    return rf"{first}(?<![A-Za-z0-9]{first})(?<![0-9][.,:]{first})"


_DIGIT = _lead("[0-9]")
# Digits grouped by "," or "." (7, 1,200, 12.50, 12,50, 1.200,00), minus the leading digit.
_NUM_REST = r"[0-9]*(?:[.,][0-9]+)*"
_NUM = r"[0-9]+(?:[.,][0-9]+)*"
_CURRENCY_SIGN = r"[$€£¥₹₩₽¢]"
_CURRENCY_CODE = r"(?:USD|EUR|GBP|CAD|AUD|NZD|CHF|JPY|CNY|INR|SEK|NOK|DKK|PLN|MXN|BRL|ZAR|SGD|HKD)"
_CURRENCY_WORD = r"(?i:dollars?|euros?|pounds?|cents?|pence|bucks)"
_MAGNITUDE = r"(?:[kKmM]|bn|BN)?"
_ORDINAL = r"(?:st|nd|rd|th)"
# A month name without its first letter, which `_lead` has consumed. "May" only when
# capitalised: "you may 2 ..." is far more common than "may 2" meaning a date.
_MONTH_FIRST = "[JjFfMmAaSsOoNnDd]"
_MONTH_REST = (
    r"(?:(?i:an(?:uary)?|eb(?:ruary)?|ar(?:ch)?|pr(?:il)?|une?|uly?|ug(?:ust)?"
    r"|ep(?:t(?:ember)?)?|ct(?:ober)?|ov(?:ember)?|ec(?:ember)?)|(?<=M)ay)"
)
_MONTH = (
    r"(?:(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)|May)"
)
_YEAR = r"(?:,?[ ][0-9]{4})?"
_ZONE = r"(?:[ ]?(?:UTC|GMT|[ECMP][SD]T|BST|CES?T|IST|AEST))?"
_MERIDIEM = r"(?i:[ap]\.m\.|[ap]m)"
# Bare domains ("example.com/help", "t.co/x") only for common TLDs. TLDs that are also English
# words ("in", "it", "to", "me", "help", "shop", "app") would turn every missing space after a
# full stop ("Sorry.Help is on its way") into a link.
_TLD = (
    r"(?i:com|org|net|edu|gov|io|co|uk|ca|de|fr|es|nl|ch|au|nz|ie|jp|br|mx|se|dk|fi|pl|ly"
    r"|ai|tv|gl|gg|ms|info|biz|xyz|cc|dev|app|eu|fm|tech|cloud)"
)
# Any "host.name/path": a path after a dotted name marks a link whatever its top-level domain.
_HOST_WITH_PATH = r"\.[A-Za-z]{2,24}/"
_URL_CHAR = r"[^\s<>\"'`“”‘’«»]"
# Characters that end a sentence or close a bracket rather than belong to the link before them.
URL_TRAILING = ".,;:!?)]}…*"


@dataclass(frozen=True)
class Anchor:
    """Where a pattern that would be slow to try at every word can start: at the nearest point
    before each `marker` that `reach` (the characters the pattern may take before the marker)
    gets to when read backwards. Emails are found from their "@", domains from their TLD."""

    marker: re.Pattern[str]
    reach: re.Pattern[str]

    @classmethod
    def of(cls, marker: str, reach: str) -> Anchor:
        return cls(re.compile(marker), re.compile(reach))

    def starts(self, text: str, reversed_text: str) -> list[int]:
        # `reach` reads leftwards from each marker by matching forwards on the reversed text.
        length = len(text)
        starts: dict[int, None] = {}
        for marker in self.marker.finditer(text):
            from_right = length - marker.start()
            reached = self.reach.match(reversed_text, from_right).end() - from_right
            starts[marker.start() - reached] = None
        return list(starts)


# Each pattern runs over the whole text unless it names a hint: a substring without which it
# cannot match (skip it), or an Anchor (try it only at the anchor's starts).
Hint = str | Anchor | None
_PATTERNS: dict[str, tuple[tuple[str, Hint], ...]] = {
    "code": (
        (r"```[\s\S]+?```", None),
        (r"~~~[\s\S]+?~~~", None),
        (r"`[^`\n]+`", None),
    ),
    "quote": (
        (r"\"[^\"\n]+\"", None),
        (r"“[^”\n]+”", None),
        (r"«[^»\n]+»", None),
        (r"„[^“”\n]+[“”]", None),
        # A run of lines starting with ">" (an email quote) is one span, from the first ">".
        (r"(?m)^[ \t]*(>[^\n]*(?:\n[ \t]*>[^\n]*)*)", ">"),
    ),
    "url": (
        (rf"{_lead('[hHfF]')}(?i:ttps?|tp)://{_URL_CHAR}+", "://"),
        # "www." only when a host name follows: "www.example.com/x", not "www.^JK".
        (
            rf"{_lead('[wW]')}(?i:ww)\.(?:[A-Za-z0-9-]+\.)+[A-Za-z]{{2,}}(?![A-Za-z0-9-])"
            rf"(?::[0-9]{{2,5}}(?![A-Za-z0-9]))?(?:[/?#]{_URL_CHAR}*)?",
            None,
        ),
        (
            rf"[A-Za-z0-9](?<![A-Za-z0-9.@/_-][A-Za-z0-9])(?<![0-9][.,:][A-Za-z0-9])"
            rf"(?:[A-Za-z0-9-]*[A-Za-z0-9])?\.(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*"
            rf"{_TLD}(?![A-Za-z0-9-])(?::[0-9]{{2,5}}(?![A-Za-z0-9]))?"
            rf"(?:/{_URL_CHAR}*)?",
            Anchor.of(rf"\.{_TLD}(?![A-Za-z0-9-])", "[A-Za-z0-9.-]*"),
        ),
        (
            rf"[A-Za-z0-9](?<![A-Za-z0-9.@/_-][A-Za-z0-9])(?<![0-9][.,:][A-Za-z0-9])"
            rf"(?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
            rf"\.[A-Za-z]{{2,24}}/{_URL_CHAR}*",
            Anchor.of(_HOST_WITH_PATH, "[A-Za-z0-9.-]*"),
        ),
    ),
    "email": (
        (
            r"[A-Za-z0-9._%+-](?<![A-Za-z0-9._%+-].)(?<![0-9][.,:].)[A-Za-z0-9._%+-]*"
            r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9])",
            Anchor.of("@", "[A-Za-z0-9._%+-]*"),
        ),
    ),
    "amount": (
        (rf"{_CURRENCY_SIGN}[ \u00a0]?{_NUM}{_MAGNITUDE}{_AFTER}", None),
        (
            rf"{_lead('[A-Z]')}[A-Z]{{0,2}}{_CURRENCY_SIGN}[ \u00a0]?{_NUM}{_MAGNITUDE}{_AFTER}",
            Anchor.of(_CURRENCY_SIGN, "[A-Z]{0,3}"),
        ),
        (
            rf"{_CURRENCY_CODE}(?<![A-Za-z0-9]...)[ \u00a0]?{_NUM}{_MAGNITUDE}{_AFTER}",
            None,
        ),
        (
            rf"{_DIGIT}{_NUM_REST}{_MAGNITUDE}[ \u00a0]?"
            rf"(?:{_CURRENCY_SIGN}|(?:{_CURRENCY_CODE}|{_CURRENCY_WORD}){_AFTER})",
            None,
        ),
    ),
    "phone": (
        (
            r"\+(?<![A-Za-z0-9+]\+)[0-9]{1,3}(?:[ .-]?\([0-9]{1,4}\))?(?:[ .-]?[0-9]{2,5}){2,5}"
            + _AFTER,
            "+",
        ),
        (rf"\((?<![A-Za-z0-9(]\()[0-9]{{3}}\)[ ]?[0-9]{{3}}[ .-][0-9]{{4}}{_AFTER}", "("),
        (
            # 1-800-555-0100 and 1 (800) 555-0100 | 555-010-9999 | 020 7946 0000
            rf"{_DIGIT}(?:(?<=1)[ .-](?:\([0-9]{{3}}\)[ ]?|[0-9]{{3}}[ .-])"
            rf"[0-9]{{3}}[ .-][0-9]{{4}}"
            rf"|[0-9]{{2}}[ .-][0-9]{{3}}[ .-][0-9]{{4}}"
            rf"|(?<=0)[0-9]{{2,4}}[ -][0-9]{{3,4}}[ -]?[0-9]{{3,4}}){_AFTER}",
            None,
        ),
    ),
    "date": (
        (
            # 2024-03-05(T10:00) | 05/03/2024, 5.3.24 | 5 March, 5th of March 2024
            rf"{_DIGIT}(?:[0-9]{{3}}-[0-9]{{2}}-[0-9]{{2}}"
            rf"(?:[T ][0-9]{{2}}:[0-9]{{2}}(?::[0-9]{{2}})?Z?)?"
            rf"|[0-9]?(?P<sep>[/.-])[0-9]{{1,2}}(?P=sep)[0-9]{{2,4}}"
            rf"|[0-9]?{_ORDINAL}?[ ](?:of[ ])?{_MONTH}{_YEAR}){_AFTER}",
            None,
        ),
        (
            # March 5, Mar. 5th, March 5, 2024 | March 2024
            rf"{_lead(_MONTH_FIRST)}{_MONTH_REST}"
            rf"(?:\.?[ ][0-9]{{1,2}}{_ORDINAL}?{_YEAR}|[ ][0-9]{{4}}){_AFTER}",
            None,
        ),
    ),
    "time": (
        (
            rf"{_DIGIT}[0-9]?(?::[0-9]{{2}}(?::[0-9]{{2}})?(?:[ ]?{_MERIDIEM})?|[ ]?{_MERIDIEM})"
            rf"{_ZONE}{_AFTER}",
            None,
        ),
    ),
    "mention": ((r"@(?<![A-Za-z0-9_@.]@)[A-Za-z0-9_]+", None),),
    "number": ((rf"{_DIGIT}{_NUM_REST}(?:%|{_ORDINAL})?{_AFTER}", None),),
    # "#12345" (not a hashtag without digits); other digit-bearing codes (ORD-2024-001,
    # AB12CD, DL123, 24/7) come from `_code_candidates`, which grows them out from their digits.
    "id": (
        (
            r"#(?<![A-Za-z0-9#]#)(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*"
            r"(?![A-Za-z0-9])",
            None,
        ),
    ),
}

# When two candidates cover the same length, the more specific kind wins ("15:00" is a time,
# not an id; "3rd" is a number). Longer candidates always win first.
RANK = {kind: rank for rank, kind in enumerate(_PATTERNS)}
_QUOTE_LIKE = frozenset({"code", "quote"})

# Kinds that always hold a digit: none of their patterns can match a text without one.
DIGIT_KINDS = frozenset({"amount", "phone", "date", "time", "number", "id"})
ANY_DIGIT = re.compile(r"[0-9]")

Finder = tuple[str, int, re.Pattern[str], Hint]


def _compile(kinds: Iterable[str]) -> tuple[Finder, ...]:
    return tuple(
        (kind, RANK[kind], re.compile(pattern), hint)
        for kind in kinds
        for pattern, hint in _PATTERNS[kind]
    )


ALL_FINDERS = _compile(_PATTERNS)
# Inside a rewrite we look through quotes and code: an invented amount inside quotation marks
# is still an invented amount.
CLAIM_FINDERS = _compile(kind for kind in _PATTERNS if kind not in _QUOTE_LIKE)

# A digit that touches a letter or a joiner (",-/_.:" between two letters or digits): where a
# code such as ORD-2024-001, AB12CD, 24/7 or v2.1 can be. Bare numbers are the number pattern's.
CODE_SEED = re.compile(
    r"[0-9](?:(?<=[A-Za-z][0-9])|(?<=[A-Za-z0-9][-/_.:,][0-9])|(?=[A-Za-z]|[-/_.:,][A-Za-z0-9]))"
)
# The characters a code can take, read outwards from a digit: letters and digits, one of
# "-/_:" between two of them, and "." or "," next to a digit (v2.1, 1,200; not "kbps.then").
# The same pattern serves both directions (on the reversed text for the left side).
CODE_CHARS = re.compile(r"(?:[A-Za-z0-9]|[-/_:](?=[A-Za-z0-9])|[.,](?=[0-9]))*")
ID_CUE = re.compile(
    r"(?i:order|case|ticket|ref(?:erence)?|invoice|account|acct|confirmation|tracking|booking"
    r"|claim|reservation|membership|member|policy|serial|id|no\.?|number|#)"
    r"(?:[ ]+(?:no\.?|number|id|#))?[ ]*[:#]?[ ]*$"
)
NUMBERISH = re.compile(r"[0-9][0-9.,:/-]*[A-Za-z%]{0,3}")
