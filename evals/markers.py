"""Word lists the evaluation uses: refusal markers per language, English words that must not be
added to a non-English draft, and the harshness cues that pick a draft's least polite sentence.

These lists are the evaluation's own. They are deliberately independent of the product's word
lists (prompts/offline/*.json), so the engine cannot score well merely by matching its own rules.
Every pattern runs on text normalised by `evals.score.normalise` (lower case, straight
apostrophes, single spaces).
"""

from __future__ import annotations

import re


def word_set(text: str) -> frozenset[str]:
    """The white-space separated words of `text`, as a set."""
    return frozenset(text.split())


# --- refusals ------------------------------------------------------------------------------
# A refusal stays a refusal when the rewrite still says, in one of these ways, that something
# cannot or will not be done. Broad negations ("not", "don't") are left out on purpose: every
# help offer says "don't hesitate", so they would make any rewrite look like a refusal.
_NOT_DONE = (
    r"(?:covered|eligible|possible|available|refundable|included|allowed|permitted|accepted|"
    r"supported|payable|transferable|something we)"
)
REFUSAL_PATTERNS: dict[str, tuple[str, ...]] = {
    "en": (
        r"\bcan'?t\b",
        r"\bcannot\b",
        r"\bcan not\b",
        r"\bcouldn'?t\b",
        r"\bcould not\b",
        r"\bunable to\b",
        r"(?:\bnot|n't) able to\b",
        r"\bwon'?t\b",
        r"\bwill not\b",
        r"\bnot in a position to\b",
        rf"\bnot {_NOT_DONE}",
        rf"n't {_NOT_DONE}",
        r"\bno longer\b",
        r"\bnon-?(?:refundable|transferable|returnable|negotiable)\b",
        r"\bnot (?:refundable|transferable|returnable|negotiable)\b",
        r"\bout of the question\b",
        r"\bnot an option\b",
        r"\bineligible\b",
        r"\bimpossible\b",
        r"\bunavailable\b",
        r"\bno refunds?\b",
        r"\bwe (?:do not|don'?t)\b",
        r"\b(?:does|do)(?: not|n'?t) (?:cover|accept|include|apply|allow|support|qualify)\b",
        r"\b(?:have|need) to decline\b",
        r"\bnothing (?:we|i) can\b",
        r"\bafraid not\b",
        r"(?:\bnot|n't) (?:be )?approved\b",
        r"\boutside what (?:we|i) can\b",
        r"\boutside (?:the|our) [\w-]+ (?:window|period)\b",
    ),
    "es": (
        r"\bno (?:\w+ )?(?:podemos|puedo|podremos|podríamos|es posible|se puede|será posible)",
        r"\bno (?:cubre|ofrecemos|aceptamos|hacemos|procede|corresponde)\b",
        r"\bno (?:está|están) cubiert[oa]s?\b",
        r"\bno es reembolsable\b",
        r"\bya no\b",
        r"\bimposible\b",
        r"\blamentablemente no\b",
        r"\bno hay (?:reembolso|devolución|cambio)",
    ),
    "de": (
        r"\bnicht möglich\b",
        r"\b(?:können|kann|könnten|dürfen|darf|werden) (?:\w+ ){0,5}nicht\b",
        r"\bkeine (?:rück)?erstattung\b",
        r"\bkeine rückzahlung\b",
        r"\bleider nicht\b",
        r"\bleider kein",
        r"\bausgeschlossen\b",
        r"\bnicht (?:erstatten|zurückbuchen|abgedeckt|erstattet|übernehmen)\b",
        r"\bgibt es (?:leider )?(?:keine|nicht)\b",
        r"\bunmöglich\b",
        r"\bnicht mehr\b",
    ),
    "fr": (
        r"\bpas possible\b",
        r"\bimpossible\b",
        r"\bne (?:pouvons|peux|pourrons|pourrions|pouvez) (?:\w+ )?pas\b",
        r"\bn'est pas (?:possible|couvert|remboursable|prévu)\b",
        r"\bpas en mesure\b",
        r"\bn'est plus\b",
        r"\bplus possible\b",
        r"\bmalheureusement pas\b",
    ),
    "pt": (
        r"\bnão (?:\w+ )?(?:podemos|posso|conseguimos|poderemos|é possível|será possível)",
        r"\bnão (?:cobre|aceitamos|oferecemos|fazemos)\b",
        r"\bnão (?:está|estão) cobert[oa]s?\b",
        r"\bnão é reembolsável\b",
        r"\bimpossível\b",
        r"\binfelizmente não\b",
        r"\bjá não\b",
    ),
}
# A one- or two-word refusal ("Nope.", "Denied."). A draft that refuses only this way has no
# marker above; its refusal is kept while the rewrite still has a marker or still has that word.
CURT_REFUSALS = frozenset(
    (
        "no",
        "nope",
        "nah",
        "denied",
        "negative",
        "not happening",
        "no can do",
        "not doable",
        "no way",
    )
    + ("not possible", "can't", "pues no", "nein", "non", "não")
)
REFUSAL_RES: dict[str, re.Pattern[str]] = {
    lang: re.compile("|".join(f"(?:{p})" for p in patterns))
    for lang, patterns in REFUSAL_PATTERNS.items()
}

# --- English added to a non-English draft ----------------------------------------------------
# Common English function words and the words of greetings, acknowledgements and help offers.
# Words that are also ordinary words in Spanish, German, French or Portuguese are left out:
# "in", "a", "me", "die", "on", "as", "no", "so", "once", "hat", "man", "also", "am" and
# "do" (pt), "has" (es), "was", "will", "team" (de), "question(s)", "regards" (fr).
ENGLISH_WORDS = word_set(
    """
    the and you your yours we our ours us they them their this that these those is are were
    be been being have had would could should shall can may might must does did
    with for from of to at by about into it its if any some just very what which who when where
    why how there here than then hi hello dear thanks thank please sorry apologies apologise
    apologize sincerely best wishes cheers happy glad help helping assist understand
    understanding frustrating frustration appreciate know let reach feel
    hope look forward reply soon today again really get got i i'm we're you're it's
    don't can't won't that's let's we'll i'll we've i've
    """
)

# --- harshness cues (dev split: which sentence is the least polite) --------------------------
# Each of these cues that matches a sentence adds two points; see `evals.dev_split.harshness`.
HARSH_CUES: tuple[str, ...] = (
    # blame
    r"\byou (?:didn'?t|did not|never|failed to|forgot|neglected|should have|must have|"
    r"were supposed to|ignored|misread|missed)\b",
    r"\byour (?:own )?fault\b",
    r"\bbecause you\b",
    r"\byou (?:entered|typed|gave|chose|selected|put|sent|booked|used|picked) (?:\w+ )?wrong\b",
    r"\byou need to\b",
    r"\byou have to\b",
    r"\byou must\b",
    # condescension
    r"\bas (?:i|we) (?:said|mentioned|explained|stated|told you|already)\b",
    r"\bas (?:previously |already )?(?:stated|mentioned|explained)\b",
    r"\blike i (?:said|told you)\b",
    r"\bper my (?:last|previous)\b",
    r"\bobviously\b",
    r"\bclearly\b",
    r"\bsimply\b",
    r"\bvery simple\b",
    r"\bsurely\b",
    r"\bonce again\b",
    r"\bfor the (?:second|third|fourth|last) time\b",
    r"\bas you (?:know|should know|would know)\b",
    # deflection
    r"\bnot (?:our|my) (?:problem|fault|responsibility|department|issue|concern)\b",
    r"\bnothing (?:we|i) can do\b",
    r"\bnothing to do with us\b",
    r"\b(?:ask|contact|talk to|speak to|call|check with) (?:the seller|your bank|them|"
    r"the carrier|the courier|your provider|your carrier|the manufacturer)\b",
    # threat or impatience
    r"\bstop (?:emailing|calling|messaging|contacting|writing|sending|asking)\b",
    r"\bbe patient\b",
    r"\bfinal (?:warning|notice)\b",
    r"\b(?:we will|we'll|we may) (?:close|suspend|cancel|ban|terminate|block|charge)\b",
    r"\bwill be (?:suspended|closed|terminated|banned|cancelled|canceled)\b",
    r"\bcalm down\b",
    r"\bdon'?t (?:contact|email|call|message)\b",
    # dismissive or sarcastic
    r"\bwhatever\b",
    r"\bif you say so\b",
    r"\bgood luck\b",
    r"\bdeal with it\b",
    r"\bsorry you feel\b",
    # refusal and negativity
    r"\bcan'?t\b",
    r"\bcannot\b",
    r"\bunable\b",
    r"\bwon'?t\b",
    r"\bnot (?:possible|allowed|permitted|eligible|covered)\b",
    r"\bimpossible\b",
    r"\brefuse[sd]?\b",
    r"\bdenied\b",
    r"\bno way\b",
    r"\bunfortunately\b",
    r"!!",
)
HARSH_RE = re.compile("|".join(f"(?:{cue})" for cue in HARSH_CUES))

# Abbreviations and support jargon: one point each.
JARGON_CUES: tuple[str, ...] = (
    r"\b(?:pls|plz|acct|asap|eta|fyi|thx|ur|b/c|w/|tbh|lmk|dm|dms|kb|sla|rma|sku|eod)\b",
)
JARGON_RE = re.compile("|".join(f"(?:{cue})" for cue in JARGON_CUES))

# Politeness that softens a sentence: minus one point each.
POLITE_CUES: tuple[str, ...] = (
    r"\bplease\b",
    r"\bkindly\b",
    r"\bthanks?\b",
    r"\bsorry\b",
    r"\bapologi[sz]e\b",
    r"\b(?:happy|glad) to\b",
    r"\b(?:could|would|can|will) you\b",
    r"\bwe'?d (?:like|love)\b",
)
POLITE_RE = re.compile("|".join(f"(?:{cue})" for cue in POLITE_CUES))

# A sentence that is only one of these words is a curt reply (three points).
CURT_WORDS = word_set("no nope nah fine noted ok okay whatever denied negative enough sure done")

# Verbs that open a bare command when the sentence starts with them and asks nothing politely
# (two points).
COMMAND_VERBS = word_set(
    """
    send check read call contact follow try go restart reset click visit update reply email
    message stop wait ask give fill enter log provide upload attach clear turn unplug return
    bring print resend remove make use tell dm delete install download open close take
    find look note get put show sign pay confirm forward include schedule set fix keep hold
    choose review ensure move reboot reinstall submit verify answer describe drop charge
    """
)
POLITE_WORDS = word_set("please kindly could would can may")

# English function words: not content, when judging whether a sentence's meaning survived.
FUNCTION_WORDS = word_set(
    """
    the a an and or but so if then than that this these those there here it its it's is are
    was were be been being am have has had do does did will would could should shall can may
    might must not no nor to of in on at by for from with about into onto over under as up
    out off again also just only very too all any some each every such own same other more
    most much many few i me my mine we us our ours you your yours he him his she her they them
    their what which who whom whose when where why how don't can't won't didn't doesn't isn't
    aren't wasn't weren't i'm you're we're they're i've we've you've i'll we'll you'll i'd
    we'd you'd let's please thanks thank sorry hi hello dear yes yeah ok okay get got that's
    there's what's here's who's where's it'll that'll they'll she's he's hasn't haven't
    """
)
