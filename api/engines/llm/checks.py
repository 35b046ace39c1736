"""Checks on a language model's answer beyond the fact guard: empty, cut off, wrong language,
far too long or short. Each problem is described twice: for people (facts shown) and for the
model's repair attempt (facts shown only as their placeholders)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from api.engines.language import detect_language, language_name
from api.engines.llm.prompts import word_limits


@dataclass(frozen=True)
class Problem:
    """One reason to reject an answer: `for_people` starts with its reason code
    ("prompt_echo: ..."); `hopeless` answers show the model cannot do the task (no repair)."""

    for_people: str
    for_model: str
    hopeless: bool = False

    @property
    def reason(self) -> str:
        return self.for_people.split(":", 1)[0]


def word_count(text: str) -> int:
    return len(text.split())


def answer_problems(
    *,
    action: str,
    draft: str,
    answer: str,
    finish_reason: str | None,
    target_locale: str | None = None,
) -> list[Problem]:
    """What is wrong with `answer` (restored text) apart from its facts."""
    if not answer.strip():
        return [Problem("empty: gave an empty answer", "Your answer was empty.")]
    problems = []
    if finish_reason not in (None, "stop"):
        why = "was cut off" if finish_reason == "length" else "stopped early"
        problems.append(
            Problem(
                f"cut_off: {why} (finish_reason '{finish_reason}')",
                "Your answer was cut off before the end. Give the complete reply.",
            )
        )
    expected = expected_language(action, draft, target_locale)
    found = detect_language(answer)
    if expected and found and not same_language(expected, found):
        problems.append(
            Problem(
                f"wrong_language: answered in {language_name(found)}, "
                f"not {language_name(expected)}",
                f"You wrote in {language_name(found)}; write the reply in "
                f"{language_name(expected)}.",
            )
        )
    fewest, most = word_limits(action, word_count(draft))
    words = word_count(answer)
    if words > most:
        problems.append(
            Problem(
                f"too_long: was far too long for '{action}' ({words} words, at most {most})",
                f"Your answer had {words} words; keep it to at most {most} words.",
            )
        )
    elif words < fewest:
        problems.append(
            Problem(
                f"too_short: was far too short for '{action}' ({words} words, at least {fewest})",
                f"Your answer had only {words} words; keep everything the draft says "
                f"(at least {fewest} words).",
            )
        )
    return problems


# Pairs the identifier confuses on short texts: never call one of them the other's mistake.
_CLOSE_LANGUAGES = [
    {"ja", "zh"}, {"no", "nb", "nn", "da"}, {"hr", "sr", "bs"}, {"ms", "id"}, {"cs", "sk"},
]


def same_language(expected: str, found: str) -> bool:
    """Whether an answer detected as `found` may be in `expected`."""
    if expected == found:
        return True
    return any({expected, found} <= close for close in _CLOSE_LANGUAGES)


def expected_language(action: str, draft: str, target_locale: str | None) -> str | None:
    """The language an answer must be in: the target of a translation, else the draft's."""
    if action == "translate":
        if not target_locale:
            return None
        code = re.split(r"[-_]", target_locale)[0].lower()
        return "no" if code == "nb" else code
    return detect_language(draft)
