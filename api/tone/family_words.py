"""The word classes the rule families of api/tone/families.py are built from (modals,
negations, blame verbs, intensifiers, interjections, ...), and the helper that makes one
family rule in the rule-file format of prompts/offline/harsh/en.json."""

from __future__ import annotations

import re
from typing import Any

INTENSIFIERS = "obviously|clearly|literally|simply|surely|honestly|frankly|seriously|basically"
OPENERS = f"look|listen|{INTENSIFIERS}|again|come on|ok so|okay so|so yeah"
SAID = (
    "said|explained|mentioned|stated|told you|wrote|noted|pointed out|advised|indicated|"
    "clarified|informed you|made clear|already said"
)
WHEN = (
    "twice|before|earlier|already|previously|above|below|several times|many times|now|"
    "multiple times|a few times|in my (?:last|previous|earlier) (?:email|message|reply|mail)"
)
TIMES = "second|third|fourth|fifth|tenth|nth|umpteenth|hundredth|millionth|last|final"
SIMPLE = "simple|easy|basic|straightforward|obvious|self-explanatory|not complicated|not hard"
HARD = "rocket science|brain surgery|complicated|hard|difficult|that hard|that complicated"
COVERED = "been over|covered|discussed|explained|answered|gone over|been through|talked about"
DEICTIC = "this|that|it"
# Verbs whose second-person past puts the fault on the customer whatever follows them.
FAULT_VERBS = (
    "broke|damaged|ruined|missed|ignored|skipped|deleted|lost|dropped|misread|misspelled|"
    "misspelt|mistyped|overwrote|overlooked|disabled|blocked|cancelled|canceled|voided|"
    "spilled|spilt|scratched|cracked|bent|tore|threw away|forgot"
)
PHRASAL_FAULT = "mixed|messed|muddled|screwed|filled|typed|set"
# Neutral verbs that blame only with a word of error in the object ("the wrong model").
CHOICE_VERBS = (
    "entered|typed|picked|chose|selected|ordered|booked|used|put|gave us|sent us|sent|wrote|"
    "left|bought|clicked|installed|applied|paid with|paid for|signed up for|registered"
)
ERROR_WORDS = (
    "wrong|incorrect|incorrectly|wrongly|old|outdated|expired|closed|invalid|different|"
    "non-refundable|nonrefundable|cheapest|basic|outside|by mistake|by accident|yourself"
)
NEGATION = "never|didn't|did not|failed to|forgot to|neglected to|didn't bother to|didn't even"
MODALS_PAST = "must|might|may|probably|clearly|obviously|apparently"
DISMISSIVE_WORDS = (
    "welcome to the club|join the club|tough luck|too bad|that's life|it is what it is|"
    "if that's what you want|if you insist|your call|your choice|up to you|not on us|"
    "whatever|meh|cool|fine|if you say so|good for you|so what|big deal|suit yourself|"
    "as you wish|fair enough|oh well|sigh|ugh|lol|k|kk|okay then|ok then|right then|sure thing"
)
ACK_WORDS = "noted|duly noted|got it|gotcha|understood|ok|okay|roger|copy that"
REPEATS = "yeah|yes|sure|ok|okay|right|blah|fine|yep|yup"
SARCASM = "wow|great|oh great|fantastic|brilliant|lovely|wonderful|perfect|ugh|sigh|oh joy"
MESSAGES = "message|email|ticket|reply|call|comment|complaint|request|chat|mail"
NAGS = "chasing|chase|pestering|pester|bugging|bug|hassling|hassle|nagging|nag|spamming|spam"
CALM = "calm down|relax|chill|chill out|be patient|stop shouting|watch your (?:tone|language)"
CURT_WORDS = (
    "denied|impossible|refused|rejected|not happening|no can do|not possible|absolutely not|"
    "can't help|cannot help|can't do (?:it|that)|won't happen|not gonna happen|"
    "that's a (?:no|hard no)(?: from (?:us|me))?|the answer is no|out of the question|"
    "not an option|forget it|not a chance|no chance|never|final|that's final|not doing (?:it|that)"
)
REFUSED_THINGS = "claim|request|refund|return|appeal|application|exchange|complaint|dispute"
ENDINGS = "period|full stop|end of story|end of discussion|final answer|no exceptions"
DEPARTMENTS = "department|area|team|job|problem|responsibility|concern|issue|remit"
COMPLAIN = (
    "complain|talk|speak|moan|write|take it up|sort it out|sort that out|deal|check|"
    "raise it|argue"
)
CONTACT = "ask|call|ring|phone|contact|email|message|try|bother"
NOBODY = "reads|checks|answers|looks at|monitors|sees|replies to"


def family(
    category: str, find: str, say: str, reason: str, cue: str | None = None
) -> dict[str, Any]:
    """One rule; `cue` (alternatives as in the pattern) names the words a match must hold one
    of, so the analyser tries it only on sentences with one of them."""
    rule = {"category": category, "find": find, "say": say, "reason": reason}
    if cue:
        rule["cue"] = sorted({re.findall(r"[a-z]+", alt.lower())[0] for alt in cue.split("|")})
    return rule

