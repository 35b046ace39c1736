"""Generic English detectors that need no listed wording: curt fragments, attitude adverbs,
ease and competence judgements, a minimised problem, consequence threats, blame with a fault
word, and sentences dense with unexplained acronyms.

Each is a shape of sentence, not a phrase ("Checked." is any verbless fragment of one to three
words; "we will disconnect" any consequence verb in a conditional or "or" frame). Each hit
names its `kind`, which api/engines/offline/generic.py rewrites. Works on raw or fact-shielded
text (a shielded fact is one private-use character: a fact, never a word).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from api.tone.cues import COMMON_WORDS
from api.tone.detector_words import (
    CONSEQUENCE,
    DETERMINERS,
    FAULTY,
    FRAGMENT_DROP,
    FRAGMENT_ERROR,
    FRAGMENT_ITEM,
    FRAGMENT_PLACE,
    NOT_CURT,
    NOT_NOUNS,
    PARTICIPLE,
    PLAIN_ACRONYMS,
    VERBS,
)

_F = r"[\U000f0000-\U000ffffd]"  # a shielded fact
_I = re.IGNORECASE


class Detection(NamedTuple):
    """One hit: its kind (for the rewrite), category, span in the sentence, reason, suggestion."""

    kind: str
    category: str
    start: int
    end: int
    reason: str
    suggestion: str


# kind -> (category, pattern, reason, suggestion, cue words: the sentence must hold one)
_Spec = tuple[str, tuple[re.Pattern[str], ...], str, str, frozenset[str]]


def _spec(
    category: str, pattern: str | list[str], reason: str, suggestion: str, cues: str
) -> _Spec:
    found = tuple(re.compile(p, _I) for p in ([pattern] if isinstance(pattern, str) else pattern))
    return category, found, reason, suggestion, frozenset(cues.split())


# Which words each of the attitude-word patterns needs (one of), in the order of the patterns.
_ADVERB_CUES = tuple(
    frozenset(words.split())
    for words in (
        "honestly literally obviously guess",
        "clearly simply",
        "clearly",
        "actually",
        "course",
        "simply",
        "just",
        "even",
        "anyway",
    )
)


_BE = r"(?:'s|'re| is| are| was| were)"
_BE_NOT = r"(?:'s not|'re not|n't| is not| are not| was not| isn't| aren't| wasn't| weren't)"
_SPECS: dict[str, _Spec] = {
    "adverb": _spec(
        "condescension",
        [
            r"\b(?P<w>(?:honestly|literally|obviously)\b,?|I guess\b,?)",
            r"[a-z]" + _BE + r" (?P<w>clearly|simply)\b",
            r"\b(?P<w>clearly)(?= (?:says|states|stated|said|shows|marked|written|printed|listed"
            r"|mentioned|explained)\b)",
            r"(?:^|\byou )(?P<w>actually\b,?)",
            r"\b(?:is|are|was|'s|'re|which) (?P<w>of course)\b",
            r"\b(?P<w>simply)(?= (?:not|because|how)\b)",
            r"\b(?:honestly|seriously|look|frankly),? (?P<w>just)\b",
            r"(?:n't|\bnot|\bnever) (?P<w>even)\b",
            r",\s*(?P<w>anyway\b)|^(?P<x>anyway\b,?)(?! (?:thanks|thank|please|let|if|I hope|have"
            r"|enjoy)\b)",
        ],
        "Words like 'honestly', 'just' or 'obviously' can sound impatient or talk down.",
        "Leave the word out; the sentence says the same without it.",
        "honestly literally obviously guess clearly actually course simply just even anyway",
    ),
    "only": _spec(
        "dismissive",
        r"\b(?:it|that|this)"
        + _BE
        + r" (?P<w>just|only)(?= (?:(?:a|an|one)\b|"
        + _F
        + r"|\d|[$£€])|"
        r" (?!been\b|[a-z]+ed\b|available\b|for\b|on\b|in\b|open\b|valid\b|possible\b|"
        r"until\b|after\b|before\b|from\b|when\b|if\b|by\b|with\b|to\b)[a-z]+)",
        "'It's only …' makes the customer's problem sound small.",
        "Leave out 'only' or 'just' and acknowledge the problem.",
        "just only",
    ),
    "point": _spec(
        "condescension",
        r"(?:,?\s*(?:which|that)(?:'s| is)|^(?:that|this|it)(?:'s| is))\s+(?:kind|sort) of the "
        r"(?:whole )?point\b",
        "'That's kind of the point' sounds sarcastic.",
        "Say what the feature is for, plainly.",
        "point",
    ),
    "ease": _spec(
        "condescension",
        r"\b(?:it|that|this|they|these|those|[a-z]+s)?" + _BE_NOT + r" (?:that|so|all that|"
        r"exactly|really) (?:hard|difficult|complicated|tricky|confusing|complex)\b"
        r"(?: to (?:see|find|follow|understand|spot|work out|figure out))?"
        r"|\b(?:it|that|this)" + _BE_NOT + r" (?:hard|difficult|complicated) to (?:see|find|"
        r"follow|understand|spot|work out|figure out)\b"
        r"|\b(?:it|that|this)" + _BE + r"(?: really| very| pretty| super| so| quite)? (?:easy"
        r"|simple|basic|obvious|self-explanatory)(?: stuff)?(?=\s*(?:[.!;]|$))",
        "Saying it isn't hard suggests the customer should have managed alone.",
        "Leave the judgement out and give the step.",
        "hard difficult complicated tricky confusing complex easy simple basic obvious self",
    ),
    "everyone": _spec(
        "condescension",
        r"\b(?:most people|everyone|everybody|anyone|anybody|any (?:[a-z]+ ){0,2}(?:user|"
        r"customer|person|adult|owner|driver|buyer)s?)(?: else| (?:who|that) [a-z ]{3,40}?)?"
        r" (?:(?:should|would) know|knows"
        r"|figures? (?:(?:this|that|it) )?out|manages?(?: (?:this|that|it))?)(?: (?:that|this|it))?"
        r"(?= |\s*[.!,;:]|$)",
        "Saying everyone knows this suggests the customer should have.",
        "Give the information without comparing the customer to others.",
        "people everyone everybody anyone anybody any",
    ),
    "should": _spec(
        "condescension",
        r"\byou (?:really |probably |just )?should(?:'ve| have| of) (?!received|got|gotten|been"
        r"|had|heard)(?P<v>[a-z]+(?:ed|en)|read|known|seen|done|kept|sent|told|made)\b",
        "'You should have …' tells the customer off.",
        "Say what helps next time: 'it's worth checking … next time'.",
        "should",
    ),
    "think": _spec(
        "condescension",
        r"(?:^|[^o] |[^t]o |[^ ]{2}o )(?P<w>think about it\b\s*[:,;!—–-]*)",
        "'Think about it' talks down to the customer.",
        "Leave it out and explain.",
        "think",
    ),
    "howitworks": _spec(
        "condescension",
        r"\b(?:that|it)(?:'s| is)(?: just| simply)? how (?:[a-z]+ ){1,3}(?:works?|goes|is|are|do|"
        r"does)\b(?=\s*[.!]*$)",
        "'That's how it works' closes the conversation.",
        "Explain the reason, or leave it out.",
        "how",
    ),
    "rightthere": _spec(
        "condescension",
        [
            r"\b(?:it's|it is|it was|they're|they are|printed|written|stated|listed|shown"
            r"|mentioned|says so|is|are) (?P<w>right (?:there|here)\b)"
            r"(?! and then| for you| with you)",
            r"\b(?:printed|written|stated|listed|shown|mentioned) (?P<w>right)(?= (?:on|in|under"
            r"|above|below|at)\b)",
            r"\b(?P<w>in black and white)\b",
        ],
        "'It's right there' suggests the customer should have seen it.",
        "Say where it is, without 'right there'.",
        "right black",
    ),
    "bigdeal": _spec(
        "dismissive",
        r"\b(?:(?P<np>(?:it|this|that)|(?:the |these |those |such )?[a-z][a-z -]{1,30}?)"
        r"(?:" + _BE_NOT + r"|" + _BE + r" (?:no|hardly a)) (?:a |that |such a )?big (?:a )?"
        r"deal\b|\bnot a big deal\b|\bno big deal\b)",
        "'It's not a big deal' dismisses what the customer feels.",
        "Acknowledge the problem instead.",
        "deal",
    ),
    "happens": _spec(
        "dismissive",
        r"^(?:these|such|those) things (?:can )?happen\b|^(?:stuff|things) like (?:this|that)"
        r" (?:can )?happens?\b|(?:,\s*|^)(?:it|this|stuff like this)"
        r" happens(?: sometimes| all the time)?(?=\s*[.!,;]|$)",
        "'These things happen' dismisses the customer's problem.",
        "Say you're sorry it happened.",
        "happen happens",
    ),
    "notice": _spec(
        "dismissive",
        r"(?:,\s*(?:and |but )?|^)(?:lots of|many|most|plenty of|the majority of) (?:people|"
        r"customers|buyers|users|owners|clients)(?: don't| do not| never| won't| wouldn't)"
        r"(?: even)? (?:notice|mind|care|see)(?: (?:it|this|that|them|the [a-z]+))?",
        "Saying most people wouldn't notice makes the customer's problem sound small.",
        "Acknowledge what the customer noticed.",
        "people customers buyers users owners clients",
    ),
    "worth": _spec(
        "dismissive",
        r"(?:,\s*|^)(?:(?:it's|it is|that's|this is) )?(?:not|hardly) worth (?:arguing|fighting|"
        r"worrying|complaining|getting upset|fussing|a fuss)(?: (?:about|over)(?: (?:it|this|"
        r"that))?)?",
        "'Not worth arguing about' dismisses the customer.",
        "Leave it out; say what you will do.",
        "worth",
    ),
    "threat": _spec(
        "threat",
        r"\b(?:(?:we|I)(?: will|'ll| may| might| are going to|'re going to| shall)(?: have to)?"
        rf" (?P<v>{CONSEQUENCE})\b(?P<o>(?:(?! (?:unless|if|until|or|and|so|because|when|"
        r"before|after)\b)[^,.;!?])*)"
        rf"|(?P<be>will be|may be|might be|can be|gets?|are|is) (?P<p>{PARTICIPLE})\b"
        r"(?P<rest>[^,.;!?]*))",
        "A consequence said as a warning sounds like a threat.",
        "Say what the customer can do and when, and the consequence as information.",
        "suspend close cancel block disconnect restrict terminate deactivate lock ban delete "
        "cut shut suspended closed cancelled canceled blocked disconnected restricted "
        "terminated deactivated locked banned deleted forwarded sent referred ignored passed "
        "handed",
    ),
    "wrong": _spec(
        "blame",
        r"\byou (?:(?:probably|must have|must've|might have|may have|obviously|clearly|"
        r"accidentally|likely|evidently|apparently) )?(?P<v>[a-z]+ed|chose|picked|put|gave|wrote"
        r"|took|bought|sent|hit|set|made|read) (?:in |on |up |out )?(?:the|an?) (?:wrong|"
        r"incorrect) (?P<n>[a-z][a-z -]*?)(?=\s*[,.;!?]|$| (?:and|so|but|which|when|instead|for"
        r"|on|in|at|because)\b)",
        "Saying the customer did it wrong sounds blaming.",
        "Say what happened neutrally: 'it looks like the wrong … was …'.",
        "wrong incorrect",
    ),
    "yours": _spec(
        "blame",
        r"\b(?P<np>(?:the |this |that |a )?(?:[a-z]+[ -]){0,2}(?:mistake|mix-up|mixup|error|typo"
        r"|fault|slip|oversight|blunder|mess|misunderstanding|confusion))(?:'s| is| was) (?:all )?"
        r"yours\b|(?P<x>(?:it|that|this)(?:'s| is| was)) (?:all |entirely )?on you\b"
        r"|(?P<y>\b(?:is|are|was|were|'s|'re)) (?:all |entirely |completely )?your (?:mistake|fault"
        r"|doing|error|problem)\b",
        "Saying it is the customer's fault sounds blaming.",
        "Say what happened, without whose fault it was.",
        "yours mistake fault doing error problem",
    ),
    "doing": _spec(
        "deflection",
        r"\b(?:is|are|was|were|'s|'re) (?:all |entirely )?(?P<who>(?:the|your|their) [a-z]+"
        r"(?: [a-z]+)?)'s (?:doing|fault|problem|mistake|error)\b",
        "Saying it is someone else's doing sounds like passing blame.",
        "Say where it came from and what you can do.",
        "doing fault problem mistake error",
    ),
}
# Which detectors a word can trigger, and the order they run in.
_BY_CUE: dict[str, tuple[str, ...]] = {}
for _kind, _spec_value in _SPECS.items():
    for _cue in _spec_value[4]:
        _BY_CUE[_cue] = (*_BY_CUE.get(_cue, ()), _kind)
_ORDER = {kind: number for number, kind in enumerate(_SPECS)}
_CUE_WORDS = frozenset(_BY_CUE)
# A threat needs a frame: a condition, an "or", "any further", or an unpaid/duplicate subject.
_FRAME = re.compile(
    r"\b(?:if|unless|or|otherwise|until|any further|further|failure to|repeated|duplicate"
    r"|unpaid|overdue|outstanding|more)\b",
    _I,
)
_WORD = re.compile(r"[^\W\d_]+(?:'[a-z]+)?|\S")
_CAPS = re.compile(r"[A-Z][A-Z0-9].*?\b[A-Z][A-Z0-9]")
_ACRONYM = re.compile(r"(?<![\^*/~#@-])\b[A-Z][A-Z0-9]{1,5}\b(?! ?\d)")
# Two acronyms side by side, or joined by "to", "-" or "/", name a route or a pair ("SLC to
# LHR"), not an explanation.
_PAIR = re.compile(r"\b[A-Z][A-Z0-9]{1,5}(?: to | ?[-–/>] ?| )[A-Z][A-Z0-9]{1,5}\b")


def detect(sentence: str, words: frozenset[str] | None = None) -> list[Detection]:
    """The hits of one sentence (offsets relative to it), in order; overlaps left to the
    caller. `words`: the sentence's lower-case words, if the caller has them."""
    return list(_detect(sentence, words or frozenset(re.findall(r"[a-z]+", sentence.lower()))))


def _detect(sentence: str, words: frozenset[str]) -> tuple[Detection, ...]:
    found: list[Detection] = []
    if len(sentence) < 48 and sentence.count(" ") < 6:
        fragment = _fragment(sentence)
        if fragment:
            found.append(fragment)
    cued = words & _CUE_WORDS
    kinds = (
        sorted({kind for word in cued for kind in _BY_CUE[word]}, key=_ORDER.__getitem__)
        if cued
        else ()
    )
    for kind in kinds:
        category, patterns, reason, suggestion, _ = _SPECS[kind]
        if kind == "threat" and not _FRAME.search(sentence):
            continue
        for number, pattern in enumerate(patterns):
            if kind == "adverb" and not _ADVERB_CUES[number] & words:
                continue
            for match in pattern.finditer(sentence):
                lo, hi = span(match)
                if hi > lo:
                    found.append(Detection(kind, category, lo, hi, reason, suggestion))
    if _CAPS.search(sentence):
        found.extend(_jargon(sentence))
        found.sort(key=lambda d: d.start)
    elif len(found) > 1:
        found.sort(key=lambda d: d.start)
    return tuple(found)


def span(match: re.Match[str]) -> tuple[int, int]:
    """The part of a match that is the hit: its group "w" or "x" when it has one."""
    for name in ("w", "x"):
        if name in match.re.groupindex and match.group(name) is not None:
            return match.span(name)
    return match.span()


def fragment_class(sentence: str) -> str | None:
    """What a curt verbless fragment of 1–3 words is ("drop", "error", "item", "place",
    "other"), or None when the sentence is not one (a greeting, a name, a label, a fact)."""
    core = sentence.strip()
    if not core or core[-1] not in ".!" or re.search(r"[\d@/:" + _F[1:-1] + r"]", core):
        return None
    tokens = core.rstrip(".! ").split()
    if not 1 <= len(tokens) <= 3 or any(not re.fullmatch(r"[A-Za-z'’-]+", t) for t in tokens):
        return None
    lower = [t.lower().replace("’", "'") for t in tokens]
    if any(
        t in VERBS or t in NOT_CURT or t.endswith(("n't", "'s", "'re", "'ll", "'ve", "'m", "'d"))
        for t in lower
    ):
        return None
    if len(tokens) > 1 and all(t[:1].isupper() for t in tokens):
        return None  # a name ("Marta Lopez.")
    if set(lower[1:]) & DETERMINERS:
        return None  # a verb and its object ("Utilize the app."): an order, not a fragment
    last = lower[-1]
    if len(tokens) == 2 and lower[0] in FAULTY:
        return "faulty"
    if len(tokens) == 1 and last in FRAGMENT_DROP:
        return "drop"
    if last in ("stuff", "thing", "things"):
        return "drop"
    for name, nouns in (
        ("error", FRAGMENT_ERROR),
        ("item", FRAGMENT_ITEM),
        ("place", FRAGMENT_PLACE),
    ):
        if last in nouns:
            return name
    if len(tokens) == 2 and tokens[0][:1].isupper() and not set(lower) & NOT_NOUNS:
        return "other"
    return None


def _fragment(sentence: str) -> Detection | None:
    kind = fragment_class(sentence)
    if kind is None:
        return None
    start = len(sentence) - len(sentence.lstrip())
    end = len(sentence.rstrip())
    return Detection(
        f"fragment:{kind}",
        "curt",
        start,
        end,
        "A one- or two-word sentence can sound curt or dismissive.",
        "Write a full sentence that says what you did or what you need.",
    )


def _jargon(sentence: str) -> list[Detection]:
    if not _CAPS.search(sentence):
        return []
    hits = [
        m
        for m in _ACRONYM.finditer(sentence)
        if m.group(0).upper() not in PLAIN_ACRONYMS
        and sum(c.isdigit() for c in m.group(0)) <= 1
        and m.group(0).lower() not in COMMON_WORDS
    ]
    if len({m.group(0) for m in hits}) < 2 or _PAIR.search(sentence):
        return []
    return [
        Detection(
            "jargon",
            "jargon",
            m.start(),
            m.end(),
            f"This sentence may be too technical ('{m.group(0)}').",
            f"Explain '{m.group(0)}' in plain words, or leave it out.",
        )
        for m in hits
    ]
