"""Families of English rules (see api/tone/families.py) for blame, deflection, curt refusals
and dismissive replies."""

from __future__ import annotations

from typing import Any

from api.tone.family_words import (
    ACK_WORDS,
    CHOICE_VERBS,
    COMPLAIN,
    CONTACT,
    CURT_WORDS,
    DEPARTMENTS,
    DISMISSIVE_WORDS,
    ENDINGS,
    ERROR_WORDS,
    FAULT_VERBS,
    MESSAGES,
    MODALS_PAST,
    NEGATION,
    PHRASAL_FAULT,
    REFUSED_THINGS,
    REPEATS,
    SARCASM,
    family,
)


def fault_families() -> list[dict[str, Any]]:
    """Blame, deflection, curt and dismissive families, in the order they are tried."""
    blame, curt, defl, dism = "blame", "curt", "deflection", "dismissive"
    return [
        # --- blame
        family(
            blame,
            r"\byou (?:let|allowed) (?P<o>it|them|<OBJ>) (?P<v>expire|lapse)\b",
            "{subj:o} {pp:v}",
            "It puts the fault on the customer.",
        ),
        family(
            blame,
            r"\b(?:that|this|it)(?:'s| is| was) (?:(?:all|entirely|totally|completely) )?"
            r"(?:on you|your (?:own )?(?:fault|mistake|doing|problem|responsibility|error))\b"
            r"[,;:—–-]?\s*",
            "",
            "It puts the fault on the customer.",
        ),
        family(
            blame,
            rf"\byou (?:{NEGATION}) (?P<v>[a-z]+) (?P<o><OBJ>)<END>",
            "{subj:o} {be:o}n't {pp:v}",
            "'You never/didn't …' puts the fault on the customer.",
            cue="never|didn|did|failed|forgot|neglected",
        ),
        family(
            blame,
            rf"\byou(?: (?:{MODALS_PAST}))?(?:'ve| have|'d| had)? (?:(?:clearly|obviously|simply"
            rf"|just|probably|accidentally) )?(?P<v>{FAULT_VERBS})(?: (?P<o>it|them|<OBJ>))?<END>",
            "it looks like {or_this:o} {be:o} {pp:v}",
            "It puts the fault on the customer.",
            cue=FAULT_VERBS,
        ),
        family(
            blame,
            rf"\byou(?: (?:{MODALS_PAST}))?(?:'ve| have|'d| had)? (?:(?:clearly|obviously|simply"
            rf"|just|probably|accidentally) )?(?P<v>{PHRASAL_FAULT}) up (?P<o>(?:two|both|all|"
            r"it|them|the|your|these|those|this|that)\b[^,.;:!?]*?)<END>",
            "it looks like {o} {be:o} {pp:v} up",
            "It puts the fault on the customer.",
            cue=PHRASAL_FAULT,
        ),
        family(
            blame,
            rf"\byou(?: (?:{MODALS_PAST}))?(?:'ve| have|'d| had)? (?:(?:clearly|obviously|simply"
            rf"|just|probably|accidentally) )?(?P<v>{CHOICE_VERBS}) (?P<o>(?:it|them|the|your|a|"
            rf"an|this|that|these|those)\b[^,.;:!?]*?\b(?:{ERROR_WORDS})\b[^,.;:!?]*?)<END>",
            "it looks like {subj:o} {be:o} {pp:v}",
            "It puts the fault on the customer.",
            cue=ERROR_WORDS,
        ),
        family(
            blame,
            r"\b(?P<c>because|since) you (?P<v>wrote|ran|put|typed|entered|used|chose|picked|left|"
            r"set|gave|sent|clicked|selected|ordered|booked|filled in|ticked|skipped|ignored|"
            r"missed|deleted|dropped|broke|forgot) (?P<o>it|them|[^,.;:!?]+?)"
            r"(?=\s+(?:instead of|empty|twice|by mistake|too)\b|<END>)",
            "{c} {subj:o} {be:o} {pp:v}",
            "'Because you …' puts the fault on the customer.",
            cue="because|since",
        ),
        family(
            blame,
            r"^your own\b",
            "the",
            "'Your own …' puts the fault on the customer.",
        ),
        family(
            "command",
            r",\s*(?:just |go |please )?(?:read|check|see|look at|reread|re-read) (?:your|the) "
            r"(?P<o>[^,.;:!?\U000f0000-\U000ffffd]+?)(?=\s*[.!]*$)",
            ", as the {o} shows",
            "A tacked-on order ('read your confirmation') sounds curt.",
        ),
        # --- deflection
        family(
            defl,
            r"^(?:it's |that's |this is |it is |that is )?not (?:our|my) fault(?: that)?\b,?\s+"
            r"(?=\S)",
            "I'm sorry ",
            "'Not our fault' pushes the problem away.",
        ),
        family(
            defl,
            r"^(?:that's|this is|it's|that is|this one is) (?:between you and|something for|"
            r"one for|up to) <WHO>(?:,? not (?:us|me))?",
            "{who} can help with this",
            "It pushes the problem away instead of owning it.",
        ),
        family(
            defl,
            r"(?:^|(?<=[;:—–] )|(?<=, )|\b(?:so|and|just) )(?:go |just |please )?"
            rf"(?:{COMPLAIN}) (?:to|with) <WHO>"
            r"(?: (?:directly|instead|yourself|about it))*",
            "{who} can help with this directly",
            "Sending the customer elsewhere pushes the problem away.",
            cue=COMPLAIN,
        ),
        family(
            defl,
            r"^blame <WHO>\s*[,:;—–-]\s*",
            "This comes from {who}: ",
            "It pushes the problem away instead of owning it.",
        ),
        family(
            defl,
            rf"\b(?P<c>so|and) (?:go |just )?(?:{CONTACT}) them(?:,? not (?:us|me))?"
            r"(?=\s*[.!;]|$)",
            "{c} they're the best people to help",
            "Sending the customer elsewhere pushes the problem away.",
        ),
        family(
            defl,
            rf"^not (?:my|our) (?:{DEPARTMENTS})\s*[.!]*$",
            "Another team looks after this",
            "'Not my department' pushes the problem away.",
        ),
        family(
            defl,
            r",?\s*\bnot (?:us|me|ours|our (?:problem|fault|issue|concern))\b(?=\s*[.!;]*$)",
            "",
            "'Not us' pushes the problem away.",
        ),
        family(
            defl,
            r"\b(?:there's |there is )?nothing (?:we|I) can do(?: about (?P<o>it|this|that|<OBJ>))?"
            r"(?=<END>)",
            "I'm afraid we aren't able to change {or_this:o}",
            "'Nothing we can do' closes the door; say what can be done.",
        ),
        family(
            defl,
            r"\b(?:we|I) can't do anything(?: (?:about|with) (?:it|this|that))?(?=<END>)",
            "we aren't able to change this ourselves",
            "'We can't do anything' closes the door; say what can be done.",
        ),
        family(
            defl,
            r"^(?:go|just go|go and) (?:ask|bother|call|ring|contact|try|email|see|phone) <WHO>"
            r"(?: (?:directly|instead|yourself|about it))*",
            "{who} can help with this directly",
            "Sending the customer elsewhere pushes the problem away.",
        ),
        family(
            curt,
            r"(?<=, )not (?:doing|happening|gonna happen|going to happen)(?: (?:that|this|it))?\b",
            "we can't do that",
            "'Not doing that' sounds curt.",
        ),
        family(
            defl,
            r"^(?P<x>[^,.;:!?\U000f0000-\U000ffffd]+?) (?:is|are|isn't|aren't|is not|are not) "
            r"(?:(?:our|my) (?:department|area|team|remit)|handled by us)\b",
            "another team handles {x}",
            "'Not our department' pushes the problem away.",
        ),
        family(
            defl,
            r"(?:(?<=, )|(?<=; )|\b(?:so|just) )(?:ring|call|phone|contact|email|ask|try) <WHO>"
            r"(?=\s*[.!]*$)",
            "{who} can help with this directly",
            "Sending the customer elsewhere pushes the problem away.",
            cue="ring|call|phone|contact|email|ask|try",
        ),
        family(
            defl,
            r"\b(?:that's|that is|it's|it is|this is) (?:an? )?<WHO> "
            r"(?:problem|issue|matter|thing)\b",
            "{who} can help with this",
            "It pushes the problem away instead of owning it.",
        ),
        family(
            defl,
            r"^(?P<x>[^,.;:!?\U000f0000-\U000ffffd]+?) (?:is|are) <WHO>['’]s (?:responsibility|"
            r"problem|issue|job|department)\b",
            "{who} can help with {x}",
            "It pushes the problem away instead of owning it.",
        ),
        # --- curt refusals
        family(
            curt,
            r"^(?:no exceptions|we don't make exceptions|we do not make exceptions)\s*[.!]*$",
            "I'm sorry, but we can't make an exception here",
            "A bare refusal sounds curt.",
        ),
        family(
            curt,
            rf"^(?:{CURT_WORDS})\s*[.!]*$",
            "I'm sorry, but we can't do that",
            "A one-word refusal sounds curt.",
        ),
        family(
            curt,
            rf"^(?:the |your )?(?P<n>{REFUSED_THINGS}) (?:is |has been |was )?"
            r"(?:denied|rejected|refused|declined)\s*[.!]*$",
            "I'm sorry, but we can't approve the {n}",
            "A bare refusal sounds curt.",
        ),
        family(
            curt,
            rf",?\s*\b(?:{ENDINGS})(?=\s*[.!]*$)",
            "",
            "'Period' or 'end of story' sounds curt.",
        ),
        # --- dismissive
        family(
            dism,
            rf"^(?:{DISMISSIVE_WORDS})\s*[.!]*$",
            "",
            "A one-word reply sounds dismissive.",
        ),
        family(
            dism,
            rf"^(?:{ACK_WORDS})(?:[ ,]+(?:{ACK_WORDS}))*\s*[.!]*$",
            "Thanks for letting us know.",
            "A bare 'Noted.' sounds dismissive.",
        ),
        family(
            dism,
            r",\s*(?:maybe|perhaps|i guess)(?=\s*[.!]*$)",
            "",
            "A trailing 'maybe' sounds dismissive.",
        ),
        family(
            dism,
            r"^(?:sure|yeah|right|oh sure|yeah right|ok|okay),? (?:we'll|I'll|we will|I will) get "
            r"right on (?:that|it)\b",
            "We've noted this",
            "'Sure, we'll get right on that' sounds sarcastic.",
        ),
        family(
            dism,
            r"^(?:ok|okay|so|right|and),? (?:and|so)\s*\?+$",
            "",
            "'Okay and?' sounds dismissive.",
        ),
        family(
            dism,
            r"^(?:anyway|anyhow|moving on|whatever)\s*[,:—–-]+\s*",
            "",
            "'Anyway,' brushes aside what the customer said.",
        ),
        family(
            dism,
            rf"^(?:{REPEATS}),? (?:{REPEATS})\b\s*[,.!—–-]*\s*",
            "",
            "'Yeah yeah' sounds dismissive.",
        ),
        family(
            dism,
            rf"^(?:{SARCASM})\s*[,!.]*\s*(?:yet )?another (?:{MESSAGES}|question|issue)"
            r"(?P<r> (?:about|on|regarding) [^.!?]*)?\s*[.!]*$",
            "Thanks for telling us{r}",
            "'Great, another …' sounds sarcastic.",
        ),
    ]
