"""The sentence-level fallback: softens a sentence the tone analyser still flags after every
specific rule had its turn, by category, keeping its facts and meaning.

- condescension, dismissive: the flagged words go when they open or close the sentence; a
  sentence that is nothing but them goes entirely;
- curt: a sentence that is nothing but the refusal becomes a refusal with regret;
- threat: a sentence that is nothing but the threat becomes a next step;
- deflection: a sentence that is nothing but the deflection says who can help;
- blame, and any other case: the sentence stays as it is (the response's findings still list
  it under `tone.after`, so the agent sees what was left).
A sentence holding a shielded fact is never replaced whole, so no fact can be lost. Works on
fact-shielded English text; what it writes never trips the analyser, so a second pass is a no-op.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from api.engines.offline.text import join_around, upper_first
from api.tone.findings import Finding

_PLACEHOLDER = re.compile("[\U000f0000-\U000ffffd]")
_WORD = re.compile(r"[^\W\d_]+")
_EDGE = " \t,;:—–-"
# What a sentence that is nothing but a flagged phrase becomes ('' drops it).
WHOLE = {
    "condescension": "",
    "dismissive": "",
    "curt": "I'm sorry, but we aren't able to do that.",
    "threat": "We'll keep working on this with you here.",
    "deflection": "Another team handles this part, and I'm happy to point you to them.",
}
_TRIMMED = ("condescension", "dismissive")


def soften_flagged(core: str, findings: Sequence[Finding], lowercase: bool) -> tuple[str, list]:
    """`core` (one sentence) with what the fallback can do about `findings` (the analyser's,
    offsets relative to `core`), and the findings it acted on."""
    acted: list[Finding] = []
    for finding in sorted(findings, key=lambda f: -f.start):
        if finding.category not in WHOLE:
            continue
        left, right = core[: finding.start], core[finding.end :]
        rest_words = _WORD.findall(left + right)
        if not rest_words:
            if _PLACEHOLDER.search(core):
                continue
            core = WHOLE[finding.category]
            acted.append(finding)
            break
        if finding.category not in _TRIMMED:
            continue
        at_start = not left.strip(_EDGE + "\"'“‘(")
        at_end = not right.strip(_EDGE + ".!?\"'”’)")
        if not (at_start or at_end) or len(rest_words) < 2:
            continue
        if at_end and not at_start:
            stop = right.strip(_EDGE)[-1:] if right.strip(_EDGE) else "."
            core = left.rstrip(_EDGE) + (stop if stop in ".!?" else ".")
        else:
            core = join_around(left, right, finding.text, True, lowercase)
            if not lowercase:
                core = upper_first(core)
        acted.append(finding)
    return core, acted
