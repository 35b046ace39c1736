"""The fact guard: did a rewrite keep every fact of its draft, and invent none?"""

from __future__ import annotations

import re
from collections.abc import Sequence

from api.facts.spans import fact_tokens, free_after, free_before, is_word_char, spans_of
from api.types import FactCheck, RewriteJob


def _occurs(haystack: str, needle: str) -> bool:
    """Whether `needle` appears in `haystack` as a whole token ("12" is not in "123" or "12.5")."""
    start = haystack.find(needle)
    check_left = is_word_char(needle[0]) if needle else False
    check_right = is_word_char(needle[-1]) if needle else False
    while start != -1:
        end = start + len(needle)
        if (not check_left or free_before(haystack, start, needle[0])) and (
            not check_right or free_after(haystack, end, needle[-1])
        ):
            return True
        start = haystack.find(needle, start + 1)
    return False


def check_facts(
    draft: str,
    rewrite: str,
    context: Sequence[str | None] | None = None,
    allowed: Sequence[str] | None = None,
) -> FactCheck:
    """Compare a rewrite with its draft.

    `missing`: facts of the draft that the rewrite does not contain verbatim.
    `invented`: numbers, amounts, dates, IDs, links, emails, phones or @handles in the rewrite
    that neither the draft, the `context` texts (customer message, names, ...) nor the
    `allowed` strings (a preset's required sign-off, ...) contain.
    """
    facts = fact_tokens(draft)
    missing = [fact for fact in facts if not _occurs(rewrite, fact)]
    sources = [draft, *(text for text in context or () if text), *(allowed or ())]
    claims = {span.text: span.kind for span in spans_of(rewrite, True)}
    invented = [claim for claim, kind in claims.items() if not _is_sourced(claim, kind, sources)]
    return FactCheck(facts=facts, missing=missing, invented=invented)


_CODE_JOINER = re.compile(r"[-/_:]")


def _is_sourced(claim: str, kind: str, sources: Sequence[str]) -> bool:
    """Whether some input contains `claim`. A code glued to a plain word ("5:DM", once
    reworded "5:message") counts as sourced when every part with a digit is: words are not
    facts, and a changed draft fact is reported as missing anyway."""
    if any(_occurs(source, claim) for source in sources):
        return True
    if kind not in ("id", "number"):
        return False
    parts = _CODE_JOINER.split(claim)
    with_digits = [part for part in parts if any("0" <= char <= "9" for char in part)]
    return len(with_digits) < len(parts) and all(
        any(_occurs(source, part) for source in sources) for part in with_digits
    )


def preset_allowed(job: RewriteJob) -> list[str]:
    """Text the preset itself adds (required phrases, the sign-off with the agent's name), so
    its numbers are not taken for invented facts."""
    allowed = [phrase for phrase in job.preset.get("required_phrases", []) if phrase]
    signoff = job.preset.get("signoff") or ""
    if signoff:
        allowed.append(signoff.replace("{agent_name}", job.agent_name or ""))
    return allowed


def known_context(job: RewriteJob) -> list[str]:
    """What a rewrite may quote besides the draft: the customer's message and the names."""
    return [t for t in (job.customer_message, job.customer_name, job.agent_name) if t]
