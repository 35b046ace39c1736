"""The dev-split measure: does a rewrite change a draft's least polite sentence, and keep what it
said? The dev split (../shared/eval) is read at run time only; nothing from it is stored here.

Harshness of a sentence (`harshness`) is a transparent count of points:
- 2 per cue from `evals.markers.HARSH_CUES` (blame: "you didn't", "because you";
  condescension: "as I said", "obviously"; deflection: "not our problem"; threats and
  impatience: "stop emailing", "be patient"; dismissal: "whatever"; refusal words: "can't",
  "unable", "unfortunately"; "!!"), each match counted;
- 1 per abbreviation or piece of jargon (`JARGON_CUES`: "pls", "asap", "DM", "ETA", ...);
- 3 for a curt sentence: only one word, and one of "no", "nope", "fine", "noted", ...;
- 2 for a bare command: the sentence opens with a verb of `COMMAND_VERBS` ("Send…",
  "Check…") and has none of "please", "kindly", "could", "would", "can", "may";
- minus 1 per politeness cue (`POLITE_CUES`: "please", "thanks", "sorry", "could you", ...).
A leading @handle (a social reply's addressing) is ignored. The harshest sentence is the one
with the most points (the first on a tie); a draft has one only when it reaches `HARSH_AT`
(2) points: a harsh cue, a curt reply or a bare command not outweighed by politeness, or two
pieces of jargon. Drafts without one are left out of the percentages.

"Changed": no sentence of the rewrite has the harshest sentence's words (case, punctuation
and an added "please"/"kindly" ignored). Wrapping the whole draft in a greeting and a help offer
leaves it unchanged; so does only putting "Please" in front of it.

"Meaning kept": every fact of the sentence (Kindly's fact extractor) is in the rewrite verbatim,
and at least two thirds of its content words are in the rewrite (one word may always be
reworded). Content words are the words
left once function words (`FUNCTION_WORDS`) and the words of the harsh cues are set aside;
a word counts as kept when a word of the rewrite shares its first five letters ("refund" and
"refunded"). A sentence with no content words keeps its meaning when its facts are kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from evals.markers import (
    COMMAND_VERBS,
    CURT_WORDS,
    HARSH_RE,
    JARGON_RE,
    POLITE_RE,
    POLITE_WORDS,
)
from evals.score import (
    check_facts,
    content_words_of,
    enough_kept,
    normalise,
    pct,
    sentences,
    words,
)

# A social reply opens with the @handles it answers: addressing, not part of the sentence.
_HANDLES = re.compile(r"^(?:@\w+[\s:,]*)+")
_FRAME_WORDS = frozenset({"please", "kindly"})
HARSH_AT = 2


def harshness(sentence: str) -> int:
    """Points for how impolite `sentence` reads (see the module docstring)."""
    sentence = _HANDLES.sub("", sentence)
    found = words(sentence)
    if not found:
        return 0
    text = normalise(sentence)
    points = 2 * len(HARSH_RE.findall(text)) + len(JARGON_RE.findall(text))
    points -= len(POLITE_RE.findall(text))
    if len(found) == 1 and found[0] in CURT_WORDS:
        points += 3
    if found[0] in COMMAND_VERBS and not POLITE_WORDS.intersection(found):
        points += 2
    return points


def harshest_sentence(draft: str) -> str | None:
    """The draft's least polite sentence, or None when no sentence reaches `HARSH_AT`."""
    best, best_points = None, HARSH_AT - 1
    for sentence in sentences(draft):
        points = harshness(sentence)
        if points > best_points:
            best, best_points = sentence, points
    return best


def _framed(text: str) -> list[str]:
    return [w for w in words(_HANDLES.sub("", text)) if w not in _FRAME_WORDS]


def sentence_changed(sentence: str, rewrite: str) -> bool:
    """Whether no sentence of `rewrite` has the words of `sentence` (see the docstring)."""
    target = _framed(sentence)
    return all(_framed(other) != target for other in sentences(rewrite))


def content_words(sentence: str) -> list[str]:
    """The sentence's content words: not function words, not part of a harsh cue, not facts."""
    return content_words_of(_HANDLES.sub("", sentence), (HARSH_RE, JARGON_RE))


def meaning_kept(sentence: str, rewrite: str) -> bool:
    """Whether the facts and most content words of `sentence` survive in `rewrite`."""
    if check_facts(sentence, rewrite).missing:
        return False
    return enough_kept(content_words(sentence), rewrite)


def harshest_by_kindly(draft: str) -> str | None:
    """The sentence with the most findings of Kindly's own tone analyser (`api.tone.findings`,
    when this checkout has it), or None when it finds nothing. A second view only: the engine
    rewrites what that analyser flags, so it cannot be the judge of its own work."""
    from api.tone.findings import analyse  # the analyser of issue 10; absent before it

    tally: dict[str, int] = {}
    for finding in analyse(draft):
        tally[finding.sentence] = tally.get(finding.sentence, 0) + 1
    return max(tally, key=lambda sentence: tally[sentence]) if tally else None


HARSHEST: dict[str, Callable[[str], str | None]] = {
    "lexicon": harshest_sentence,
    "kindly": harshest_by_kindly,
}


def dev_score(
    draft: str,
    rewrite: str,
    resoftened: str | None,
    context: Sequence[str | None] = (),
    harshest_of: Callable[[str], str | None] = harshest_sentence,
) -> dict[str, Any]:
    """One dev-split row: harshest sentence (if any, by `harshest_of`), changed, meaning kept,
    facts kept, unchanged, idempotent (None when `resoftened` was not measured)."""
    harshest = harshest_of(draft)
    changed = sentence_changed(harshest, rewrite) if harshest else None
    return {
        "harshest": harshest,
        "changed": changed,
        "meaning_kept": meaning_kept(harshest, rewrite) if harshest and changed else None,
        "facts_kept": check_facts(draft, rewrite, context=list(context)).passed,
        "unchanged": rewrite.strip() == draft.strip(),
        "idempotent": None if resoftened is None else resoftened == rewrite,
    }


DEV_COLUMNS: tuple[tuple[str, str], ...] = (
    ("rows", "rows"),
    ("with_harsh", "rows with a harsh sentence"),
    ("changed_pct", "harshest sentence changed %"),
    ("meaning_kept_pct", "meaning kept (of changed) %"),
    ("changed_meaning_pct", "changed with meaning kept %"),
    ("facts_kept_pct", "facts kept %"),
    ("unchanged_pct", "unchanged rows %"),
    ("idempotent_pct", "idempotent %"),
)


def summarise_dev(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The dev-split figures for scored rows (`dev_score` results)."""
    harsh = [row for row in rows if row["harshest"]]
    changed = [row for row in harsh if row["changed"]]
    meaning = sum(bool(row["meaning_kept"]) for row in changed)
    measured = [row for row in rows if row["idempotent"] is not None]
    return {
        "rows": len(rows),
        "with_harsh": len(harsh),
        "changed_pct": pct(len(changed), len(harsh)),
        "meaning_kept_pct": pct(meaning, len(changed)),
        "changed_meaning_pct": pct(meaning, len(harsh)),
        "facts_kept_pct": pct(sum(row["facts_kept"] for row in rows), len(rows)),
        "unchanged_pct": pct(sum(row["unchanged"] for row in rows), len(rows)),
        "idempotent_pct": pct(sum(bool(row["idempotent"]) for row in measured), len(measured)),
    }
