"""Families of English harsh-wording rules built from word classes (modals, negations, blame
verbs, intensifiers, dismissive interjections), appended after the phrase rules of
prompts/offline/harsh/en.json so that wordings nobody listed are still caught and rewritten.

Each family is a regular expression over one sentence in the rule-file format (<OBJ>, <END>,
<WHO>, {pp:v}, ... see that file's 'about'), a category, and what the engine writes instead.
What a family writes never matches a family again, so a second rewrite changes nothing.
"""

from __future__ import annotations

import re
from typing import Any

# ---------------------------------------------------------------- word classes

_INTENSIFIERS = "obviously|clearly|literally|simply|surely|honestly|frankly|seriously|basically"
_OPENERS = f"look|listen|{_INTENSIFIERS}|again|come on|ok so|okay so|so yeah"
_SAID = (
    "said|explained|mentioned|stated|told you|wrote|noted|pointed out|advised|indicated|"
    "clarified|informed you|made clear|already said"
)
_WHEN = (
    "twice|before|earlier|already|previously|above|below|several times|many times|now|"
    "multiple times|a few times|in my (?:last|previous|earlier) (?:email|message|reply|mail)"
)
_TIMES = "second|third|fourth|fifth|tenth|nth|umpteenth|hundredth|millionth|last|final"
_SIMPLE = "simple|easy|basic|straightforward|obvious|self-explanatory|not complicated|not hard"
_HARD = "rocket science|brain surgery|complicated|hard|difficult|that hard|that complicated"
_COVERED = "been over|covered|discussed|explained|answered|gone over|been through|talked about"
_DEICTIC = "this|that|it"
# Verbs whose second-person past puts the fault on the customer whatever follows them.
_FAULT_VERBS = (
    "broke|damaged|ruined|missed|ignored|skipped|deleted|lost|dropped|misread|misspelled|"
    "misspelt|mistyped|overwrote|overlooked|disabled|blocked|cancelled|canceled|voided|"
    "spilled|spilt|scratched|cracked|bent|tore|threw away|forgot"
)
_PHRASAL_FAULT = "mixed|messed|muddled|screwed|filled|typed|set"
# Neutral verbs that blame only with a word of error in the object ("the wrong model").
_CHOICE_VERBS = (
    "entered|typed|picked|chose|selected|ordered|booked|used|put|gave us|sent us|sent|wrote|"
    "left|bought|clicked|installed|applied|paid with|paid for|signed up for|registered"
)
_ERROR_WORDS = (
    "wrong|incorrect|incorrectly|wrongly|old|outdated|expired|closed|invalid|different|"
    "non-refundable|nonrefundable|cheapest|basic|outside|by mistake|by accident|yourself"
)
_NEGATION = "never|didn't|did not|failed to|forgot to|neglected to|didn't bother to|didn't even"
_MODALS_PAST = "must|might|may|probably|clearly|obviously|apparently"
_DISMISSIVE_WORDS = (
    "welcome to the club|join the club|tough luck|too bad|that's life|it is what it is|"
    "if that's what you want|if you insist|your call|your choice|up to you|not on us|"
    "whatever|meh|cool|fine|if you say so|good for you|so what|big deal|suit yourself|"
    "as you wish|fair enough|oh well|sigh|ugh|lol|k|kk|okay then|ok then|right then|sure thing"
)
_ACK_WORDS = "noted|duly noted|got it|gotcha|understood|ok|okay|roger|copy that"
_REPEATS = "yeah|yes|sure|ok|okay|right|blah|fine|yep|yup"
_SARCASM = "wow|great|oh great|fantastic|brilliant|lovely|wonderful|perfect|ugh|sigh|oh joy"
_MESSAGES = "message|email|ticket|reply|call|comment|complaint|request|chat|mail"
_NAGS = "chasing|chase|pestering|pester|bugging|bug|hassling|hassle|nagging|nag|spamming|spam"
_CALM = "calm down|relax|chill|chill out|be patient|stop shouting|watch your (?:tone|language)"
_CURT_WORDS = (
    "denied|impossible|refused|rejected|not happening|no can do|not possible|absolutely not|"
    "can't help|cannot help|can't do (?:it|that)|won't happen|not gonna happen|"
    "that's a (?:no|hard no)(?: from (?:us|me))?|the answer is no|out of the question|"
    "not an option|forget it|not a chance|no chance|never"
)
_REFUSED_THINGS = "claim|request|refund|return|appeal|application|exchange|complaint|dispute"
_ENDINGS = "period|full stop|end of story|end of discussion|final answer|no exceptions"
_DEPARTMENTS = "department|area|team|job|problem|responsibility|concern|issue|remit"
_COMPLAIN = (
    "complain|talk|speak|moan|write|take it up|sort it out|sort that out|deal|check|"
    "raise it|argue"
)
_CONTACT = "ask|call|ring|phone|contact|email|message|try|bother"
_NOBODY = "reads|checks|answers|looks at|monitors|sees|replies to"

# ---------------------------------------------------------------- the families


def _family(
    category: str, find: str, say: str, reason: str, cue: str | None = None
) -> dict[str, Any]:
    """One rule; `cue` (alternatives as in the pattern) names the words a match must hold one
    of, so the analyser tries it only on sentences with one of them."""
    rule = {"category": category, "find": find, "say": say, "reason": reason}
    if cue:
        rule["cue"] = sorted({re.findall(r"[a-z]+", alt.lower())[0] for alt in cue.split("|")})
    return rule


def families() -> list[dict[str, Any]]:
    """The English family rules, in the order they are tried (after the listed rules)."""
    cond, blame, curt = "condescension", "blame", "curt"
    defl, threat, dism = "deflection", "threat", "dismissive"
    return [
        # --- threat and impatience (before condescension: "this is the last time ...")
        _family(
            threat,
            r"^(?:this is the (?:last|final) time (?:I'm|I am|I'll be|we're|we are) "
            r"(?:answering|explaining|replying to|saying|repeating) (?:this|that|it)\b[^.!?]*"
            r"|I (?:won't|will not|am not going to|'m not going to) (?:explain|say|answer|repeat)"
            rf" (?:{_DEICTIC})(?: (?:question|point))? again\b[^.!?]*)",
            "I'm happy to go over it again",
            "Refusing to answer again sounds impatient.",
        ),
        _family(
            threat,
            rf"^(?:one more|any more|any further|another|more) (?:\w+ )?(?:{_MESSAGES})s? "
            r"(?:like (?:this|that) )?(?:and|,)\s+(?:we(?:'re| are| will|'ll)|I(?:'m| am| will|'ll)"
            r"|this|that|your)\b[^.!?\U000f0000-\U000ffffd]*[.!]*$",
            "We want to help, so let's keep this conversation going in this thread",
            "An ultimatum sounds like a threat; say what happens next instead.",
        ),
        _family(
            threat,
            rf"^(?:any |all )?(?:further|more|new|additional|other|repeated) (?:{_MESSAGES})s "
            r"(?P<a>about|on|regarding|for) (?P<o>[^,.;:!?]+?) will (?:not be (?:answered|read|"
            r"replied to|looked at)|be (?:ignored|closed|deleted|disregarded))"
            r"(?: (?:unread|without (?:a )?reply|automatically|immediately|straight away))?",
            "we'll keep all updates {a} {o} in this thread",
            "Saying messages will be ignored sounds like a threat; give the next step.",
        ),
        _family(
            threat,
            r"^keep (?:sending|emailing|messaging|calling|writing|opening|chasing)\b"
            r"[^.!?\U000f0000-\U000ffffd]*\band\b[^.!?\U000f0000-\U000ffffd]*[.!]*$",
            "To help us answer quickly, please keep to this one thread",
            "An ultimatum sounds like a threat; say what happens next instead.",
        ),
        _family(
            threat,
            rf"^(?:you (?:need|have|must) to|please|just) (?:{_CALM})\b"
            r"(?: (?:before|so|and) [^.!?]*)?",
            "I understand this is frustrating, and I want to sort it out with you",
            "Telling the customer to calm down sounds dismissive.",
        ),
        _family(
            threat,
            r"^(?:patience|be patient|have patience|calm down|relax|chill)(?:,? please)?"
            r"\s*[.!]*$",
            "Thank you for your patience",
            "Telling the customer to be patient sounds impatient.",
        ),
        _family(
            threat,
            rf"^(?:please )?(?:don't|do not|stop|quit) (?:{_NAGS}) (?:us|me|our team|the team)"
            r"(?: (?:again|any more|anymore|about (?:this|it)))*",
            "We'll update you as soon as there's news",
            "Telling the customer to stop chasing sounds impatient.",
        ),
        _family(
            threat,
            r"\bwhen (?P<s>he|she|they|we|I) (?:calls?|gets? (?:to it|round to it|around to it)"
            r"|can|feels? like it)(?=\s*[.!;,]|$)",
            "as soon as {s} can",
            "'When we can' sounds like it is not a priority.",
        ),
        _family(
            threat,
            rf",?\s*(?:because |as |since )?(?:nobody|no one|no-one) (?:{_NOBODY}) "
            r"(?:them|it|those|these|that inbox|this inbox)\b",
            ", as replies there don't reach our team",
            "'Nobody reads them' sounds dismissive; say why instead.",
        ),
        _family(
            threat,
            r",?\s*\bor (?:else )?(?:we|I)(?:'ll| will| shall) (?:have to )?(?P<v>block|ban|close|"
            r"suspend|terminate|cancel|report|delete|remove|pass|send|refer|hand|stop|lock|charge)"
            r"\b[^.!?\U000f0000-\U000ffffd]*",
            ", so we can keep everything on track",
            "'… or we will …' is an ultimatum; give the next step instead.",
        ),
        _family(
            threat,
            rf"^(?:{_MESSAGES})s (?:in|with|like|using) (?:this|that|such a|such) "
            r"(?:tone|language|manner|wording)\b[^.!?\U000f0000-\U000ffffd]*[.!]*$",
            "We want to help, so let's keep this conversation respectful",
            "Saying messages will be ignored sounds like a threat.",
        ),
        _family(
            threat,
            r"^then we can (?:talk|continue|proceed|go on|discuss it|look at it)\s*[.!]*$",
            "Then we can take it from there",
            "'Then we can talk' sounds like a condition.",
        ),
        _family(
            threat,
            rf"^(?:tone it down|(?:{_CALM})|stop (?:yelling|swearing|being rude))\b"
            r"[^.!?\U000f0000-\U000ffffd]*\bor\b[^.!?\U000f0000-\U000ffffd]*[.!]*$",
            "I want to help, so let's keep this conversation respectful",
            "An ultimatum sounds like a threat; say what happens next instead.",
        ),
        _family(
            threat,
            r"\b(?P<s>we|I|he|she|they)(?:'ll| will) (?P<v>[a-z]+) (?P<o>it|them|this|that) when "
            r"(?P=s) (?P=v) (?P=o)\b",
            "{s}'ll {v} {o} as soon as {s} can",
            "'We'll fix it when we fix it' sounds dismissive.",
        ),
        # --- condescension
        _family(
            cond,
            rf"^(?:{_OPENERS})\s*[,:—–-]+\s*",
            "",
            "An opener like 'Look,' or 'Obviously,' talks down to the customer.",
        ),
        _family(
            cond,
            rf"\b(?:as|like) (?:(?:I|we) (?:have |had |already |previously |clearly |just )*"
            rf"|(?:already|previously|clearly|repeatedly) )(?:{_SAID}|advised|discussed|stated)"
            rf"(?: (?:{_WHEN}))*\s*[,:]?\s*",
            "",
            "'As I said' reminds the customer they were told before.",
        ),
        _family(
            cond,
            r"\b(?:like (?:it|the \w+(?: \w+)?|our \w+(?: \w+)?) (?:clearly |already |literally "
            r"|plainly )?|as (?:it (?:clearly |already |literally |plainly )?|(?:the|our) \w+"
            r"(?: \w+)? (?:clearly|already|literally|plainly) ))(?:says|said|states|stated|explains"
            r"|explained|shows|mentions)(?: (?:on|in|at) [^,.;:!?]*?)?\s*[,:]\s*",
            "",
            "'As the page says' suggests the customer should have read it.",
        ),
        _family(
            cond,
            rf",?\s*\b(?:for|and for) the (?:{_TIMES}) time\b\s*[,:]?\s*",
            "",
            "'For the third time' sounds exasperated.",
        ),
        _family(
            cond,
            r"^(?:I'm not sure how (?:to|I can|else to) make (?:this|it) (?:any )?"
            r"(?:clearer|simpler|plainer)|I (?:shouldn't|should not) (?:have|need) to "
            r"(?:explain|say|repeat|tell you) (?:this|that|it)(?: again| twice| one more time)?"
            r"|let me (?:spell it out|make (?:this|it) (?:simple|clear|very clear))(?: for you)?"
            rf"|(?:it's|this is|this isn't|it isn't) (?:not )?(?:{_HARD})"
            rf"|(?:it's|this is|it is) (?:really |very |pretty |quite |super )?(?:{_SIMPLE})"
            r"(?: if you [^,:;.!?]*)?"
            r"|I thought I (?:was|made (?:it|this|that)) (?:clear|obvious)"
            r"(?: the first time| before| earlier| already)?"
            r"|to put it simply|in plain english|read (?:this )?carefully)"
            r"\s*(?:[:,;—–-]+\s*|[.!]*$)",
            "",
            "Saying it is simple or needs spelling out talks down to the customer.",
        ),
        _family(
            cond,
            rf"^(?:we|I)(?:'ve| have) (?:already )?(?:{_COVERED}) (?:{_DEICTIC})"
            rf"(?: (?:{_WHEN}))*\s*[.!]*$",
            "",
            "'We've been over this' sounds exasperated.",
        ),
        _family(
            cond,
            r"^(?:even )?(?:any|a) (?:child|kid|toddler|five-year-old|monkey|one|body)\b[^.!?]*?"
            r"\b(?:could|can|would)\b[^.!?\U000f0000-\U000ffffd]*[.!]*$",
            "",
            "'Any child could do it' talks down to the customer.",
        ),
        _family(
            cond,
            r"\bsurely,? you can (?P<v>see|find|spot|tell|read)\b",
            "you'll {v}",
            "'Surely you can see' talks down to the customer.",
        ),
        _family(
            cond,
            r"(?<=[a-z] )(?:obviously|literally|surely|of course),?\s+(?=[a-z])",
            "",
            "Words like 'obviously' suggest the customer should have known.",
        ),
        _family(
            cond,
            r"^did you (?:even|actually|ever|really|not) (?:bother to )?(?P<v>look at|read|check"
            r"|open|try|see)\s+(?P<o><OBJ>|it|them)\s*\?$",
            "Have you had a chance to {v} {o}?",
            "'Did you even read it?' sounds sarcastic.",
        ),
        # --- blame
        _family(
            blame,
            r"\byou (?:let|allowed) (?P<o>it|them|<OBJ>) (?P<v>expire|lapse)\b",
            "{subj:o} {pp:v}",
            "It puts the fault on the customer.",
        ),
        _family(
            blame,
            r"\b(?:that|this|it)(?:'s| is| was) (?:(?:all|entirely|totally|completely) )?"
            r"(?:on you|your (?:own )?(?:fault|mistake|doing|problem|responsibility|error))\b"
            r"[,;:—–-]?\s*",
            "",
            "It puts the fault on the customer.",
        ),
        _family(
            blame,
            rf"\byou (?:{_NEGATION}) (?P<v>[a-z]+) (?P<o><OBJ>)<END>",
            "{subj:o} {be:o}n't {pp:v}",
            "'You never/didn't …' puts the fault on the customer.",
        ),
        _family(
            blame,
            rf"\byou(?: (?:{_MODALS_PAST}))?(?:'ve| have|'d| had)? (?:(?:clearly|obviously|simply"
            rf"|just|probably|accidentally) )?(?P<v>{_FAULT_VERBS})(?: (?P<o>it|them|<OBJ>))?<END>",
            "it looks like {or_this:o} {be:o} {pp:v}",
            "It puts the fault on the customer.",
            cue=_FAULT_VERBS,
        ),
        _family(
            blame,
            rf"\byou(?: (?:{_MODALS_PAST}))?(?:'ve| have|'d| had)? (?:(?:clearly|obviously|simply"
            rf"|just|probably|accidentally) )?(?P<v>{_PHRASAL_FAULT}) up (?P<o>(?:two|both|all|"
            r"it|them|the|your|these|those|this|that)\b[^,.;:!?]*?)<END>",
            "it looks like {o} {be:o} {pp:v} up",
            "It puts the fault on the customer.",
            cue=_PHRASAL_FAULT,
        ),
        _family(
            blame,
            rf"\byou(?: (?:{_MODALS_PAST}))?(?:'ve| have|'d| had)? (?:(?:clearly|obviously|simply"
            rf"|just|probably|accidentally) )?(?P<v>{_CHOICE_VERBS}) (?P<o>(?:it|them|the|your|a|"
            rf"an|this|that|these|those)\b[^,.;:!?]*?\b(?:{_ERROR_WORDS})\b[^,.;:!?]*?)<END>",
            "it looks like {subj:o} {be:o} {pp:v}",
            "It puts the fault on the customer.",
            cue=_ERROR_WORDS,
        ),
        _family(
            blame,
            r"^your own\b",
            "the",
            "'Your own …' puts the fault on the customer.",
        ),
        _family(
            "command",
            r",\s*(?:just |go |please )?(?:read|check|see|look at|reread|re-read) (?:your|the) "
            r"(?P<o>[^,.;:!?\U000f0000-\U000ffffd]+?)(?=\s*[.!]*$)",
            ", as the {o} shows",
            "A tacked-on order ('read your confirmation') sounds curt.",
        ),
        # --- deflection
        _family(
            defl,
            r"^(?:it's |that's |this is |it is |that is )?not (?:our|my) fault(?: that)?\b,?\s+"
            r"(?=\S)",
            "I'm sorry ",
            "'Not our fault' pushes the problem away.",
        ),
        _family(
            defl,
            r"^(?:that's|this is|it's|that is|this one is) (?:between you and|something for|"
            r"one for|up to) <WHO>(?:,? not (?:us|me))?",
            "{who} can help with this",
            "It pushes the problem away instead of owning it.",
        ),
        _family(
            defl,
            r"(?:^|(?<=[;:—–] )|(?<=, )|\b(?:so|and|just) )(?:go |just |please )?"
            rf"(?:{_COMPLAIN}) (?:to|with) <WHO>"
            r"(?: (?:directly|instead|yourself|about it))*",
            "{who} can help with this directly",
            "Sending the customer elsewhere pushes the problem away.",
            cue=_COMPLAIN,
        ),
        _family(
            defl,
            r"^blame <WHO>\s*[,:;—–-]\s*",
            "This comes from {who}: ",
            "It pushes the problem away instead of owning it.",
        ),
        _family(
            defl,
            rf"\b(?P<c>so|and) (?:go |just )?(?:{_CONTACT}) them(?:,? not (?:us|me))?"
            r"(?=\s*[.!;]|$)",
            "{c} they're the best people to help",
            "Sending the customer elsewhere pushes the problem away.",
        ),
        _family(
            defl,
            rf"^not (?:my|our) (?:{_DEPARTMENTS})\s*[.!]*$",
            "Another team looks after this",
            "'Not my department' pushes the problem away.",
        ),
        _family(
            defl,
            r",?\s*\bnot (?:us|me|ours|our (?:problem|fault|issue|concern))\b(?=\s*[.!;]*$)",
            "",
            "'Not us' pushes the problem away.",
        ),
        _family(
            defl,
            r"\b(?:there's |there is )?nothing (?:we|I) can do(?: about (?P<o>it|this|that|<OBJ>))?"
            r"(?=<END>)",
            "I'm afraid we aren't able to change {or_this:o}",
            "'Nothing we can do' closes the door; say what can be done.",
        ),
        _family(
            defl,
            r"\b(?:we|I) can't do anything(?: (?:about|with) (?:it|this|that))?(?=<END>)",
            "we aren't able to change this ourselves",
            "'We can't do anything' closes the door; say what can be done.",
        ),
        _family(
            defl,
            r"^(?:go|just go|go and) (?:ask|bother|call|ring|contact|try|email|see|phone) <WHO>"
            r"(?: (?:directly|instead|yourself|about it))*",
            "{who} can help with this directly",
            "Sending the customer elsewhere pushes the problem away.",
        ),
        # --- curt refusals
        _family(
            curt,
            r"^(?:no exceptions|we don't make exceptions|we do not make exceptions)\s*[.!]*$",
            "I'm sorry, but we can't make an exception here",
            "A bare refusal sounds curt.",
        ),
        _family(
            curt,
            rf"^(?:{_CURT_WORDS})\s*[.!]*$",
            "I'm sorry, but we can't do that",
            "A one-word refusal sounds curt.",
        ),
        _family(
            curt,
            rf"^(?:the |your )?(?P<n>{_REFUSED_THINGS}) (?:is |has been |was )?"
            r"(?:denied|rejected|refused|declined)\s*[.!]*$",
            "I'm sorry, but we can't approve the {n}",
            "A bare refusal sounds curt.",
        ),
        _family(
            curt,
            rf",?\s*\b(?:{_ENDINGS})(?=\s*[.!]*$)",
            "",
            "'Period' or 'end of story' sounds curt.",
        ),
        # --- dismissive
        _family(
            dism,
            rf"^(?:{_DISMISSIVE_WORDS})\s*[.!]*$",
            "",
            "A one-word reply sounds dismissive.",
        ),
        _family(
            dism,
            rf"^(?:{_ACK_WORDS})(?:[ ,]+(?:{_ACK_WORDS}))*\s*[.!]*$",
            "Thanks for letting us know",
            "A bare 'Noted.' sounds dismissive.",
        ),
        _family(
            dism,
            r",\s*(?:maybe|perhaps|i guess)(?=\s*[.!]*$)",
            "",
            "A trailing 'maybe' sounds dismissive.",
        ),
        _family(
            dism,
            r"^(?:sure|yeah|right|oh sure|yeah right|ok|okay),? (?:we'll|I'll|we will|I will) get "
            r"right on (?:that|it)\b",
            "We've noted this",
            "'Sure, we'll get right on that' sounds sarcastic.",
        ),
        _family(
            dism,
            r"^(?:anyway|anyhow|moving on|whatever)\s*[,:—–-]+\s*",
            "",
            "'Anyway,' brushes aside what the customer said.",
        ),
        _family(
            dism,
            rf"^(?:{_REPEATS}),? (?:{_REPEATS})\b\s*[,.!—–-]*\s*",
            "",
            "'Yeah yeah' sounds dismissive.",
        ),
        _family(
            dism,
            rf"^(?:{_SARCASM})\s*[,!.]*\s*(?:yet )?another (?:{_MESSAGES}|question|issue)"
            r"(?P<r> (?:about|on|regarding) [^.!?]*)?\s*[.!]*$",
            "Thanks for telling us{r}",
            "'Great, another …' sounds sarcastic.",
        ),
    ]
