"""Checks on a language model's answer beyond the fact guard: empty, cut off, wrong language,
far too long or short. Each problem is described twice: for people (facts shown) and for the
model's repair attempt (facts shown only as their placeholders)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from api.engines.llm.prompts import LOCALE_NAMES, word_limits

# A few very common function words per language: enough to tell languages apart in a support
# reply of a sentence or more. Short drafts stay "unknown" and are not judged.
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": "the and to you your is are we for of it this that with have be will on in not "
        "can our please thank was has would could at from an",
        "de": "der die das und ist nicht sie ich wir ihr ihre ihnen mit für auf ein eine zu "
        "den dem bitte danke es wird haben sind auch noch wie bei",
        "fr": "le la les et est vous nous pas pour une des du avec votre vos ce que qui merci "
        "sur dans je sont mais au aux cette",
        "es": "el los las y es usted su sus para por una que con del no lo gracias está "
        "nuestro se muy pero como al",
        "it": "il lo gli e è per una non che con della di grazie sono sua vostro ci questo "
        "anche come al nel",
        "nl": "het een en is niet wij u uw je jij voor met van dat dit bedankt ons zijn we "
        "ook maar naar",
        "pt": "o os e é não para uma com do da que seu sua obrigado nós você está muito "
        "mas como ao",
        "sv": "och att det som är inte vi du för med på ett tack din ditt ni har också men",
    }.items()
}
_LANGUAGES_OF: dict[str, tuple[str, ...]] = {}
for _lang, _vocab in _FUNCTION_WORDS.items():
    for _word in _vocab:
        _LANGUAGES_OF[_word] = (*_LANGUAGES_OF.get(_word, ()), _lang)
_ASCII_LETTERS = re.compile(r"[A-Za-z]")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)
_PLACEHOLDER = re.compile(r"⟦[ ]?[Ff][0-9]+[ ]?⟧")
_SCRIPT_LANGUAGES = {
    "CYRILLIC": "ru", "GREEK": "el", "ARABIC": "ar", "HEBREW": "he", "HANGUL": "ko",
    "HIRAGANA": "ja", "KATAKANA": "ja", "CJK": "zh", "THAI": "th", "DEVANAGARI": "hi",
}


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


def _script(text: str) -> str | None:
    """The dominant writing system of `text` ('LATIN', 'CYRILLIC', 'CJK', ...)."""
    # ASCII letters are counted in C; only the rest needs a Unicode name lookup each.
    counts: dict[str, int] = {"LATIN": len(_ASCII_LETTERS.findall(text))}
    if not text.isascii():
        for char in text:
            if char.isalpha() and not char.isascii():
                name = unicodedata.name(char, "")
                script = name.split(" ")[0] if name else ""
                counts[script] = counts.get(script, 0) + 1
    if not counts:
        return None
    script, count = max(counts.items(), key=lambda item: item[1])
    return script if count >= 0.6 * sum(counts.values()) else None


def detect_language(text: str) -> str | None:
    """A language code when the text clearly reads as one language, else None."""
    text = _PLACEHOLDER.sub(" ", text)
    script = _script(text)
    if script is None:
        return None
    if script != "LATIN":
        return _SCRIPT_LANGUAGES.get(script, script.lower())
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < 6:
        return None
    hits = dict.fromkeys(_FUNCTION_WORDS, 0)
    for word in words:
        for lang in _LANGUAGES_OF.get(word, ()):
            hits[lang] += 1
    ranked = sorted(hits.items(), key=lambda item: item[1], reverse=True)
    (best, best_hits), (_, second_hits) = ranked[0], ranked[1]
    if best_hits >= 3 and best_hits >= 0.12 * len(words) and best_hits >= 1.5 * second_hits:
        return best
    return None


def language_name(code: str) -> str:
    return LOCALE_NAMES.get(code, code)


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
    if expected and found and not _same_language(expected, found):
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


def _same_language(expected: str, found: str) -> bool:
    """Whether an answer detected as `found` may be in `expected` (scripts are coarse)."""
    if expected == found:
        return True
    if {expected, found} <= {"ja", "zh"}:  # Japanese text is often mostly kanji
        return True
    if found == "ru" and expected in {"uk", "bg", "sr", "mk", "be", "kk"}:
        return True
    # A language we cannot recognise is never called wrong.
    return expected not in _FUNCTION_WORDS and expected not in _SCRIPT_LANGUAGES.values()


def expected_language(action: str, draft: str, target_locale: str | None) -> str | None:
    """The language an answer must be in: the target of a translation, else the draft's."""
    if action == "translate":
        if not target_locale:
            return None
        code = re.split(r"[-_]", target_locale)[0].lower()
        return "no" if code == "nb" else code
    return detect_language(draft)
