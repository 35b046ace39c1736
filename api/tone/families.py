"""Families of English harsh-wording rules built from word classes (api/tone/family_words.py),
appended after the phrase rules of prompts/offline/harsh/en.json so that wordings nobody listed
are still caught and rewritten: threats and impatience, condescension, tacked-on orders here;
blame, deflection, curt refusals and dismissive replies in api/tone/families_fault.py.

Each family is a regular expression over one sentence in the rule-file format (<OBJ>, <END>,
<WHO>, {pp:v}, ... see that file's 'about'), a category, and what the engine writes instead.
What a family writes never matches a family again, so a second rewrite changes nothing.
"""

from __future__ import annotations

from typing import Any

from api.tone.families_fault import fault_families
from api.tone.family_words import (
    CALM,
    COVERED,
    DEICTIC,
    HARD,
    MESSAGES,
    NAGS,
    NOBODY,
    OPENERS,
    SAID,
    SIMPLE,
    TIMES,
    WHEN,
    family,
)


def families() -> list[dict[str, Any]]:
    """The English family rules, in the order they are tried (after the listed rules)."""
    return _threats_and_condescension() + fault_families()


def _threats_and_condescension() -> list[dict[str, Any]]:
    cond, threat = "condescension", "threat"
    return [
        # --- threat and impatience (before condescension: "this is the last time ...")
        family(
            threat,
            r"^(?:this is the (?:last|final) time (?:I'm|I am|I'll be|we're|we are) "
            r"(?:answering|explaining|replying to|saying|repeating) (?:this|that|it)\b[^.!?]*"
            r"|I (?:won't|will not|am not going to|'m not going to) (?:explain|say|answer|repeat)"
            rf" (?:{DEICTIC})(?: (?:question|point))? again\b[^.!?]*)",
            "I'm happy to go over it again",
            "Refusing to answer again sounds impatient.",
        ),
        family(
            threat,
            rf"^(?:one more|any more|any further|another|more) (?:\w+ )?(?:{MESSAGES})s? "
            r"(?:like (?:this|that) )?(?:and|,)\s+(?:we(?:'re| are| will|'ll)|I(?:'m| am| will|'ll)"
            r"|this|that|your)\b[^.!?\U000f0000-\U000ffffd]*[.!]*$",
            "We want to help, so let's keep this conversation going in this thread",
            "An ultimatum sounds like a threat; say what happens next instead.",
        ),
        family(
            threat,
            rf"^(?:any |all )?(?:further|more|new|additional|other|repeated) (?:{MESSAGES})s "
            r"(?P<a>about|on|regarding|for) (?P<o>[^,.;:!?]+?) will (?:not be (?:answered|read|"
            r"replied to|looked at)|be (?:ignored|closed|deleted|disregarded))"
            r"(?: (?:unread|without (?:a )?reply|automatically|immediately|straight away))?",
            "we'll keep all updates {a} {o} in this thread",
            "Saying messages will be ignored sounds like a threat; give the next step.",
        ),
        family(
            threat,
            r"^keep (?:sending|emailing|messaging|calling|writing|opening|chasing)\b"
            r"[^.!?\U000f0000-\U000ffffd]*\band\b[^.!?\U000f0000-\U000ffffd]*[.!]*$",
            "To help us answer quickly, please keep to this one thread",
            "An ultimatum sounds like a threat; say what happens next instead.",
        ),
        family(
            threat,
            rf"^(?:you (?:need|have|must) to|please|just) (?:{CALM})\b"
            r"(?: (?:before|so|and) [^.!?]*)?",
            "I understand this is frustrating, and I want to sort it out with you",
            "Telling the customer to calm down sounds dismissive.",
        ),
        family(
            threat,
            r"^(?:patience|be patient|have patience|calm down|relax|chill)(?:,? please)?"
            r"\s*[.!]*$",
            "Thank you for your patience",
            "Telling the customer to be patient sounds impatient.",
        ),
        family(
            threat,
            rf"^(?:please )?(?:don't|do not|stop|quit) (?:{NAGS}) (?:us|me|our team|the team)"
            r"(?: (?:again|any more|anymore|about (?:this|it)))*",
            "We'll update you as soon as there's news",
            "Telling the customer to stop chasing sounds impatient.",
        ),
        family(
            threat,
            r"\bwhen (?P<s>he|she|they|we|I) (?:calls?|gets? (?:to it|round to it|around to it)"
            r"|can|feels? like it)(?=\s*[.!;,]|$)",
            "as soon as {s} can",
            "'When we can' sounds like it is not a priority.",
        ),
        family(
            threat,
            rf",?\s*(?:because |as |since )?(?:nobody|no one|no-one) (?:{NOBODY}) "
            r"(?:them|it|those|these|that inbox|this inbox)\b",
            ", as replies there don't reach our team",
            "'Nobody reads them' sounds dismissive; say why instead.",
        ),
        family(
            threat,
            r",?\s*\bor (?:else )?(?:we|I)(?:'ll| will| shall) (?:have to )?(?P<v>block|ban|close|"
            r"suspend|terminate|cancel|report|delete|remove|pass|send|refer|hand|stop|lock|charge)"
            r"\b[^.!?\U000f0000-\U000ffffd]*",
            ", so we can keep everything on track",
            "'… or we will …' is an ultimatum; give the next step instead.",
        ),
        family(
            threat,
            rf"^(?:{MESSAGES})s (?:in|with|like|using) (?:this|that|such a|such) "
            r"(?:tone|language|manner|wording)\b[^.!?\U000f0000-\U000ffffd]*[.!]*$",
            "We want to help, so let's keep this conversation respectful",
            "Saying messages will be ignored sounds like a threat.",
        ),
        family(
            threat,
            r"^then we can (?:talk|continue|proceed|go on|discuss it|look at it)\s*[.!]*$",
            "Then we can take it from there",
            "'Then we can talk' sounds like a condition.",
        ),
        family(
            threat,
            rf"^(?:tone it down|(?:{CALM})|stop (?:yelling|swearing|being rude))\b"
            r"[^.!?\U000f0000-\U000ffffd]*\bor\b[^.!?\U000f0000-\U000ffffd]*[.!]*$",
            "I want to help, so let's keep this conversation respectful",
            "An ultimatum sounds like a threat; say what happens next instead.",
        ),
        family(
            threat,
            r"\b(?P<s>we|I|he|she|they)(?:'ll| will) (?P<v>[a-z]+(?: to| on| back to)?) "
            r"(?P<o>it|them|this|that|you) when "
            r"(?P=s) (?P=v) (?P=o)\b",
            "{s}'ll {v} {o} as soon as {s} can",
            "'We'll fix it when we fix it' sounds dismissive.",
        ),
        family(
            threat,
            r"^[^.!?\U000f0000-\U000ffffd]*\bwon't get you anywhere\b[^.!?\U000f0000-\U000ffffd]*"
            r"[.!]*$",
            "I want to help, and I'll do my best to sort this out with you",
            "'That won't get you anywhere' sounds like a rebuke.",
        ),
        # --- condescension
        family(
            cond,
            rf"^(?:{OPENERS})\s*[,:—–-]+\s*",
            "",
            "An opener like 'Look,' or 'Obviously,' talks down to the customer.",
        ),
        family(
            cond,
            rf"\b(?:as|like) (?:(?:I|we) (?:have |had |already |previously |clearly |just )*"
            rf"|(?:already|previously|clearly|repeatedly) )(?:{SAID}|advised|discussed|stated)"
            rf"(?: (?:{WHEN}))*\s*[,:]?\s*",
            "",
            "'As I said' reminds the customer they were told before.",
        ),
        family(
            cond,
            r"\b(?:like (?:it|the \w+(?: \w+)?|our \w+(?: \w+)?) (?:clearly |already |literally "
            r"|plainly )?|as (?:it (?:clearly |already |literally |plainly )?|(?:the|our) \w+"
            r"(?: \w+)? (?:clearly|already|literally|plainly) ))(?:says|said|states|stated|explains"
            r"|explained|shows|mentions)(?: (?:on|in|at) [^,.;:!?]*?)?\s*[,:]\s*",
            "",
            "'As the page says' suggests the customer should have read it.",
        ),
        family(
            cond,
            rf",?\s*\b(?:for|and for) the (?:{TIMES}) time\b\s*[,:]?\s*",
            "",
            "'For the third time' sounds exasperated.",
        ),
        family(
            cond,
            r"^(?:I'm not sure how (?:to|I can|else to) make (?:this|it) (?:any )?"
            r"(?:clearer|simpler|plainer)|I (?:shouldn't|should not) (?:have|need) to "
            r"(?:explain|say|repeat|tell you) (?:this|that|it)(?: again| twice| one more time)?"
            r"|let me (?:spell it out|make (?:this|it) (?:simple|clear|very clear))(?: for you)?"
            rf"|(?:it's|this is|this isn't|it isn't) (?:not )?(?:{HARD})"
            rf"|(?:it's|this is|it is) (?:really |very |pretty |quite |super )?(?:{SIMPLE})"
            r"(?: if you [^,:;.!?]*)?"
            r"|I thought I (?:was|made (?:it|this|that)) (?:clear|obvious)"
            r"(?: the first time| before| earlier| already)?"
            r"|to put it simply|in plain english|read (?:this )?carefully"
            r"|I(?:'ll| will) (?:say|explain|repeat) (?:it|this|that) "
            r"(?:one more time|once more|again)"
            r"|(?:this|it|that|setting (?:it )?up|the fix) (?:is|was) "
            r"(?:pretty |really |very |quite )?(?:basic|simple|easy) stuff(?:,? but fine)?)"
            r"\s*(?:[:,;—–-]+\s*|[.!]*$)",
            "",
            "Saying it is simple or needs spelling out talks down to the customer.",
        ),
        family(
            cond,
            rf"^(?:we|I)(?:'ve| have) (?:already )?(?:{COVERED}) (?:{DEICTIC})"
            rf"(?: (?:{WHEN}))*\s*[.!]*$",
            "",
            "'We've been over this' sounds exasperated.",
        ),
        family(
            cond,
            r"^(?:even )?(?:any|a) (?:child|kid|toddler|five-year-old|monkey|one|body)\b[^.!?]*?"
            r"\b(?:could|can|would)\b[^.!?\U000f0000-\U000ffffd]*[.!]*$",
            "",
            "'Any child could do it' talks down to the customer.",
        ),
        family(
            cond,
            r"^as (?:clearly|already|plainly|explicitly|repeatedly) (?:shown|stated|explained|"
            r"mentioned|described|noted|written|indicated)(?: (?:on|in|at) [^,.;:!?]*?)?\s*[,:]\s*",
            "",
            "'As clearly shown' suggests the customer should have seen it.",
        ),
        family(
            cond,
            r"^(?:a quick|one quick|a|one|a simple) (?:look at|glance at|read of|read through) "
            r"(?:<OBJ>|it|them) would have (?:answered|told you|shown you|explained|solved)"
            r"(?: (?:this|that|it|everything))?\s*[.!]*$",
            "",
            "'A quick look would have answered this' talks down to the customer.",
        ),
        family(
            cond,
            r"\bsurely,? you can (?P<v>see|find|spot|tell|read)\b",
            "you'll {v}",
            "'Surely you can see' talks down to the customer.",
        ),
        family(
            cond,
            r"(?<=[a-z] )(?:obviously|literally|surely|of course),?\s+(?=[a-z])",
            "",
            "Words like 'obviously' suggest the customer should have known.",
            cue="obviously|literally|surely|course",
        ),
        family(
            cond,
            r"^did you (?:even|actually|ever|really|not) (?:bother to )?(?P<v>look at|read|check"
            r"|open|try|see)\s+(?P<o><OBJ>|it|them)\s*\?$",
            "Have you had a chance to {v} {o}?",
            "'Did you even read it?' sounds sarcastic.",
        ),
    ]
