"""Rejections of a model's answer that the fact guard cannot see: the prompt echoed back, the
draft unchanged or repeated, the customer's message copied or spoken, a claim flipped, a
second language, template slots, harsh sentences left in. Each names its reason code."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from api.engines.language import detect_language, language_name
from api.engines.llm.checks import Problem, same_language
from api.engines.llm.meaning import greeting_problems, meaning_problems, signoff_problems
from api.engines.llm.tone import harsh_findings

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_DATA_TAG = re.compile(r"<\s*/?\s*(?:draft|customer_message|reply)\s*>", re.IGNORECASE)
# Lines of our own prompt a model may copy into its answer.
_PROMPT_LINES = re.compile(
    r"(?im)^\s*(?:customer's name|agent's name|channel|placeholders in the draft|the draft to "
    r"rewrite|the customer's last message|your task|rules that always apply|how this team "
    r"writes)\b|you are kindly\b|rewritten reply only|between <draft>"
)
_FACTISH = re.compile(r"[0-9@/⟦]")
_NOT_KNOWN = re.compile(r"(?i)\bnot known\b")
_SLOTS = (
    # [Your Name], [Agent's Name]; not a Markdown link's text ("[track it](...)")
    re.compile(r"\[[^\[\]\n]{0,40}[^\W\d_][^\[\]\n]{0,40}\](?!\()"),
    re.compile(r"\{\{?\s*[A-Za-z_][A-Za-z0-9_ ]{0,30}\}?\}"),  # {name}, {{agent_name}}
    re.compile(r"<\s*(?:your|agent|customer|company|insert)[^<>\n]{0,30}>", re.IGNORECASE),
    re.compile(r"\b(?:Your|Agent's|Customer's|Customer|Company) Name\b"),
)
# First-person lines a customer writes, never an agent ("I want my money back").
_CUSTOMER_VOICE = re.compile(
    r"(?i)\b(?:i want my|i need my|i demand|give me my|my money back|where is my|i(?:'ve| have) "
    r"been waiting|i never (?:got|received)|i was charged)\b"
)
# Negation words per language; fixed phrases that carry no claim ("don't hesitate") excluded.
_NEGATIONS: dict[str, frozenset[str]] = {
    lang: frozenset(table.split())
    for lang, table in {
        "en": "not no never cannot can't won't don't doesn't didn't isn't aren't wasn't weren't "
        "haven't hasn't hadn't shouldn't wouldn't couldn't unable nothing none nobody neither nor",
        "de": "nicht kein keine keinen keinem keiner nie niemals nichts",
        "fr": "ne pas jamais aucun aucune rien n'",
        "es": "no nunca ningún ninguna nada tampoco",
        "pt": "não nunca nenhum nenhuma nada",
        "it": "non mai nessun nessuna niente",
        "nl": "niet geen nooit niets",
        "sv": "inte ingen inga aldrig",
        "pl": "nie nigdy żaden żadna nic",
    }.items()
}
_NO_CLAIM = re.compile(
    r"(?i)\b(?:don't|do not) (?:hesitate|worry)|\bno (?:problem|worries)\b|\bnot a problem\b"
)
_STOP_WORDS = (
    "a an the to of and or in on at for with is are was were be been it this that we you your "
    "our i my me us they them he she his her its as by from so if then please just also "
    "will would can could should may might do does did have has had"
)
_STOP = frozenset(_STOP_WORDS.split())
# Greetings and closings by language, to catch a sign-off in another language than the text.
_FORMULAS: dict[str, re.Pattern[str]] = {
    "en": re.compile(
        r"(?i)^(?:hi|hello|hey|dear|thanks|thank you|best|best regards|kind regards|regards|"
        r"warm regards|sincerely|cheers|all the best|take care)\b[ ,!.]*\S{0,30}$"
    ),
    "es": re.compile(r"(?i)^(?:hola|saludos|atentamente|un saludo|gracias)\b"),
    "de": re.compile(r"(?i)^(?:hallo|mit freundlichen grüßen|viele grüße|beste grüße)\b"),
    "fr": re.compile(r"(?i)^(?:bonjour|cordialement|bien à vous|merci)\b"),
}


@dataclass(frozen=True)
class Context:
    """What an answer is compared with (all restored text, except `instructions`)."""

    action: str
    draft: str
    customer_message: str
    names_known: bool
    expected_language: str | None
    instructions: str  # the prompt without its data blocks and names
    allowed: Sequence[str] = ()  # text the preset itself adds (sign-off, required phrases)
    customer_name: str = ""
    agent_name: str = ""


def sentences(text: str) -> list[str]:
    """Sentences and lines of `text`, stripped, empty ones left out."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def guard_problems(answer: str, ctx: Context) -> list[Problem]:
    """Every rejection reason that applies to `answer` (restored text)."""
    problems: list[Problem] = []
    checks = (_echo, _unchanged, _repeated, _parroted, _flipped, _meaning, _signoff, _language)
    for check in (*checks, _slots, _harsh):
        problems.extend(check(answer, ctx))
    return problems


def _echo(answer: str, ctx: Context) -> Iterable[Problem]:
    source = ctx.draft + "\n" + ctx.customer_message
    found = []
    if _DATA_TAG.search(answer):
        found.append("its <draft> tags")
    line = _PROMPT_LINES.search(answer)
    if line and not _PROMPT_LINES.search(source):
        found.append(f"the line '{line.group(0).strip()}'")
    if not ctx.names_known and _NOT_KNOWN.search(answer) and not _NOT_KNOWN.search(source):
        found.append("'not known' for a missing name")
    shared = _ngrams(words(answer), 6) & _ngrams(words(ctx.instructions), 6)
    shared -= _ngrams(words(source + "\n" + "\n".join(ctx.allowed)), 6)
    if shared:
        found.append("its instructions")
    if found:
        yield Problem(
            "prompt_echo: repeated the prompt (" + ", ".join(found) + ")",
            "Your answer repeated parts of these instructions. Answer with the reply only.",
            hopeless=True,
        )


def _unchanged(answer: str, ctx: Context) -> Iterable[Problem]:
    if ctx.action == "fix_grammar":
        return  # a draft without mistakes may rightly come back as it was
    if _norm(answer) == _norm(ctx.draft):
        yield Problem(
            "unchanged: gave the draft back unchanged",
            "You gave the draft back unchanged; rewrite it as asked.",
        )


def _repeated(answer: str, ctx: Context) -> Iterable[Problem]:
    counts = Counter(_norm(s) for s in sentences(answer) if len(words(s)) >= 4)
    in_draft = Counter(_norm(s) for s in sentences(ctx.draft))
    draft_long = [s for s in in_draft if len(s.split()) >= 4]
    twice = [s for s in draft_long if counts[s] >= 2 * in_draft[s]]
    if draft_long and len(twice) * 2 >= len(draft_long):
        yield Problem(
            "duplicated: wrote the draft twice",
            "You wrote the draft twice; write the reply once.",
            hopeless=True,
        )
    elif any(n >= 2 and n > in_draft[s] for s, n in counts.items() if s not in twice):
        yield Problem(
            "repetition: repeated a sentence of its own",
            "You repeated a sentence; say each thing once.",
            hopeless=True,
        )


def _parroted(answer: str, ctx: Context) -> Iterable[Problem]:
    # Six words in a row from the customer's message (and not from the draft): copied.
    copied = _ngrams(words(answer), 6) & _ngrams(words(ctx.customer_message), 6)
    if copied - _ngrams(words(ctx.draft), 6):
        yield Problem(
            "parroted_customer: copied the customer's message",
            "You copied the customer's message; reply to it in the agent's words.",
        )
    voice = _CUSTOMER_VOICE.search(answer)
    if voice and not _CUSTOMER_VOICE.search(ctx.draft):
        yield Problem(
            f"customer_voice: spoke as the customer ('{voice.group(0)}')",
            "You wrote as if you were the customer; write as the support agent.",
        )


def _flipped(answer: str, ctx: Context) -> Iterable[Problem]:
    negations = _NEGATIONS.get(ctx.expected_language or "en")
    if negations is None or ctx.action == "translate":
        return
    theirs = [(s, set(content_words(s))) for s in sentences(answer)]
    for sentence in sentences(ctx.draft):
        content = set(content_words(sentence))
        if len(content) < 2:
            continue
        # The same statement: nearly the same content words (a reworded one is left alone).
        same = [s for s, words_ in theirs if jaccard(content, words_) >= 0.7]
        if same and all(_negated(sentence, negations) != _negated(s, negations) for s in same):
            yield Problem(
                "flipped_claim: turned a statement of the draft into its opposite",
                "One sentence now says the opposite of the draft (a 'not' added or dropped); "
                "keep every statement's meaning.",
            )
            return


def _meaning(answer: str, ctx: Context) -> Iterable[Problem]:
    if ctx.action == "translate":
        return []
    language = ctx.expected_language or "en"
    harsh = []
    for finding in harsh_findings(ctx.draft, language):
        start = getattr(finding, "start", None)
        if start is None:  # an analyser that gives the phrase only: find it
            start = max(ctx.draft.find(finding.text), 0)
        harsh.append((start, start + len(finding.text)))
    return meaning_problems(ctx.draft, answer, harsh, language)


def _signoff(answer: str, ctx: Context) -> Iterable[Problem]:
    yield from greeting_problems(answer, ctx.customer_name, ctx.agent_name, ctx.draft)
    yield from signoff_problems(answer, ctx.customer_name, ctx.agent_name, ctx.draft, ctx.allowed)


def _language(answer: str, ctx: Context) -> Iterable[Problem]:
    expected = ctx.expected_language
    if not expected:
        return
    allowed = {_norm(a) for text in ctx.allowed for a in text.split("\n") if a.strip()}
    for line in sentences(answer):
        if _norm(line) in allowed:
            continue
        found = detect_language(line)
        foreign = found is not None and not same_language(expected, found)
        if not foreign and len(words(line)) <= 6:
            foreign = any(
                lang != expected and pattern.search(line) for lang, pattern in _FORMULAS.items()
            ) and not (expected in _FORMULAS and _FORMULAS[expected].search(line))
        if foreign:
            yield Problem(
                f"mixed_language: wrote part of the answer in another language than "
                f"{language_name(expected)} ('{line[:40]}')",
                f"Write every line, greeting and sign-off included, in {language_name(expected)}.",
            )
            return


def _slots(answer: str, ctx: Context) -> Iterable[Problem]:
    for pattern in _SLOTS:
        for match in pattern.finditer(answer):
            slot = match.group(0)
            if slot not in ctx.draft and not any(slot in text for text in ctx.allowed):
                yield Problem(
                    f"template_slot: left a template slot ('{slot}')",
                    "You left a template slot such as [Your Name]; write the reply without "
                    "slots (use the names given, or none).",
                )
                return


def _harsh(answer: str, ctx: Context) -> Iterable[Problem]:
    findings = harsh_findings(answer, ctx.expected_language or "en")
    if findings:
        first = findings[0]
        # The model is shown the phrase, never a fact: a phrase with one is not quoted.
        quoted = "" if _FACTISH.search(first.text) else f" with '{first.text}'"
        yield Problem(
            f"harsh_tone: still sounds {first.category} ('{first.text}')",
            f"The sentence{quoted} still sounds {first.category}; say it kindly.",
        )


def _ngrams(tokens: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def _norm(text: str) -> str:
    return " ".join(words(text))


def content_words(text: str) -> list[str]:
    """The words of `text` that carry its content (no function words, no negations)."""
    return [w for w in words(text) if w not in _STOP and not _is_negation(w)]


def _is_negation(word: str) -> bool:
    return word.endswith("n't") or any(word in table for table in _NEGATIONS.values())


def jaccard(a: set[str], b: set[str]) -> float:
    """How much two word sets overlap, from 0 to 1."""
    return len(a & b) / len(a | b) if a or b else 0.0


def _negated(sentence: str, negations: frozenset[str]) -> bool:
    tokens = words(_NO_CLAIM.sub(" ", sentence))
    return any(t in negations or t.endswith("n't") for t in tokens)
