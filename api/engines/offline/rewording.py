"""Sentence by sentence rewording for the offline engine: banned phrases, filler, blame,
refusals, jargon, formality and bare commands. Works on fact-shielded text: facts are out of
reach."""

from __future__ import annotations

import re

from api.engines.offline.greeting import find_greeting
from api.engines.offline.softening import soften_sentence
from api.engines.offline.text import BULLET, apply_table, lower_first, split_sentences, upper_first
from api.engines.offline.work import Work
from api.tone.findings import bare_command
from api.tone.lexicon import PhraseTable, normalise_phrase


def _banned_table(banned: tuple[str, ...]) -> PhraseTable | None:
    if not banned:
        return None
    return PhraseTable.build({"find": phrase, "say": ""} for phrase in banned)


def reword(work: Work, text: str) -> str:
    banned = _banned_table(work.settings.banned)
    lexicon = work.lexicon
    # A table with no match anywhere in the body cannot match in any sentence: skip it there.
    # (Contractions are left out: refusal rewrites can create them.)
    work.active = {
        name
        for name, table in (
            ("blame", lexicon.blame),
            ("refusal", lexicon.refusal_rewrites),
            ("jargon", lexicon.jargon),
            ("casual", lexicon.casual_words),
            ("filler", lexicon.filler_phrases),
            ("questions", lexicon.request_questions),
        )
        if table.pattern.search(text)
    }
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        bullet = BULLET.match(line)
        prefix = bullet.group(0) if bullet else ""
        if index == first and not prefix:
            # What follows "Hi there," starts a sentence, as it will once an acknowledgement
            # goes in between; rewording it that way now keeps a second pass a no-op.
            greeting = find_greeting(work, line)
            if greeting is not None and greeting.end is not None:
                prefix = line[: greeting.end]
        content = line[len(prefix) :]
        work.in_list = bullet is not None  # list steps keep "Please", never a question
        formal = work.settings.voice == "formal"
        if index == first and prefix and formal:  # "Hey Sam," / "Hi Sam," -> "Hello Sam,"
            before = prefix
            if "casual" in work.active:
                prefix, _ = apply_table(
                    prefix, work.lexicon.casual_words, lambda e, s: e["say"], False
                )
            prefix = _INFORMAL_HI.sub(lambda m: m.group(1) + ("hello" if m.group(2) == "hi"
                                                              else "Hello"), prefix, count=1)
            if prefix != before:
                work.note("formal", "Opened with a formal greeting")
        reworded = "".join(_reword_sentence(work, s, banned) for s in split_sentences(content))
        if not content.endswith((" ", "\t")):
            reworded = reworded.rstrip(" \t")  # a dropped last sentence leaves no trailing space
        lines[index] = prefix + reworded
    return "\n".join(lines)


def _reword_sentence(work: Work, sentence: str, banned: PhraseTable | None) -> str:
    lexicon, settings = work.lexicon, work.settings
    core = sentence.rstrip()
    trailing = sentence[len(core) :]
    if settings.length == "shorter" and normalise_phrase(core) in lexicon.filler_sentences:
        work.note("filler", f"Removed the filler sentence '{core.strip()}'")
        return ""
    lower = work.lowercase_text
    if banned:
        core, fired = apply_table(core, banned, lambda e, s: "", lower)
        for _entry, found, _new in fired:
            work.note("banned", f"Removed the banned phrase '{found}'")
    if settings.length == "shorter" and "filler" in work.active:
        core, fired = apply_table(core, lexicon.filler_phrases, lambda e, s: "", lower)
        for _entry, found, _new in fired:
            work.note("filler", f"Removed the filler '{found.strip(' ,')}'")

    if work.book is not None:
        core = soften_sentence(work, work.book, core)

    def blame_say(entry: dict, at_start: bool) -> str | None:
        if entry.get("at_start") and not at_start:
            return None
        return entry.get("say_at_start", entry["say"]) if at_start else entry["say"]

    fired = []
    if "blame" in work.active:
        core, fired = apply_table(core, lexicon.blame, blame_say, lower)
    made_request = False
    for entry, _found, new in fired:
        work.note("blame", entry.get("why") or "Softened blaming wording")
        made_request = made_request or new.lower().startswith("could you")
    if "refusal" in work.active:
        core, fired = apply_table(core, lexicon.refusal_rewrites, lambda e, s: e["say"], lower)
        for _entry, found, new in fired:
            work.note("refusal", f"Softened '{found}' to '{new}'")
    if "jargon" in work.active:
        core, fired = apply_table(core, lexicon.jargon, lambda e, s: e["plain"], lower)
        for _ in range(2):  # "per ur request" -> "per your request" -> "as you asked"
            if not fired:
                break
            core, again = apply_table(core, lexicon.jargon, lambda e, s: e["plain"], lower)
            fired += again
            if not again:
                break
        for _entry, found, new in fired:
            work.note("jargon", f"Replaced '{found}' with '{new}'")
        if work.book is not None and fired:
            core = soften_sentence(work, work.book, core)  # "acct" is "account" now
    if settings.voice == "formal":
        core = _formal_openers(work, core)
    elif settings.voice == "concise":
        core = _drop_lead_ins(work, core)
    elif settings.voice == "plain":
        core = _plain_words(work, core)
    if settings.expands_contractions:
        if "casual" in work.active:
            core, fired = apply_table(core, lexicon.casual_words, lambda e, s: e["say"], lower)
            for _entry, found, new in fired:
                work.note("formal", f"Replaced casual '{found}' with '{new}'")
        core, fired = apply_table(core, lexicon.contractions, lambda e, s: e["say"], lower)
        if fired:
            work.note("formal", "Wrote contractions out in full for a formal tone")
    if settings.adds:
        core = _polite_request(work, core)
    if made_request and core.endswith("."):
        # "You need to X." became "Could you please X." — a question now.
        core = core[:-1] + "?"
    if not core.strip() and sentence.strip():
        return ""  # a dropped sentence ("Meh.") takes its trailing space along
    return core + trailing


def _drop_lead_ins(work: Work, sentence: str) -> str:
    """Concise replies skip lead-ins such as "To recap," and "Just so you know", and ask
    with "Please …." rather than "Could you please …?"."""
    asked = _COULD_YOU.match(sentence)
    if asked and not work.lowercase_text:
        work.note("concise", "Asked in fewer words")
        sentence = f"{asked.group(1)}Please {asked.group(2)}."
    pattern = work.book.frame.get("concise_drop") if work.book is not None else None
    stripped = sentence.lstrip()
    if not pattern or not re.match(pattern, stripped, re.IGNORECASE):
        return sentence
    work.note("concise", "Dropped lead-ins to keep it short")
    rest = re.sub(pattern, "", stripped, count=1, flags=re.IGNORECASE)
    rest = rest if work.lowercase_text else upper_first(rest)
    return sentence[: len(sentence) - len(stripped)] + rest


def _plain_words(work: Work, sentence: str) -> str:
    """Plain-language replies swap long words for everyday ones ("assist" -> "help")."""
    table = work.book.plain_words if work.book is not None else None
    if table is None:
        return sentence
    text, fired = apply_table(sentence, table, lambda e, s: e["say"], work.lowercase_text)
    if fired:
        work.note("plain", "Used everyday words for plain language")
    # One idea per sentence: "…is CS-1; keep it handy" -> "…is CS-1. Keep it handy", and
    # "…weren't read, the limit is 10" -> "…weren't read. The limit is 10".
    split = re.sub(r";\s+([a-z])", lambda m: ". " + m.group(1).upper(), text)
    split = _SPLICE.sub(lambda m: _splice_break(split, m), split)
    if split != text and not work.lowercase_text:
        work.note("plain", "Split long sentences for plain language")
        text = split
    return text


def _formal_openers(work: Work, sentence: str) -> str:
    """Drop casual openers ("So,", "Well,") and fillers ("in like 3 days") for a formal tone."""
    frame = work.book.frame if work.book is not None else {}
    text = sentence
    for key in ("formal_openers", "formal_fillers"):
        if frame.get(key):
            text = re.sub(frame[key], "", text, flags=re.IGNORECASE)
    if text != sentence:
        work.note("formal", "Dropped casual openers for a formal tone")
        if sentence.lstrip()[:1].isupper():
            text = upper_first(text)
    return text


_INFORMAL_HI = re.compile(r"^(\s*)(hi|Hi|HI)\b(?![-'’])")
# "It looks like X, the limit is 10." -> two sentences: a comma splice before a new clause.
_SPLICE = re.compile(
    r",\s+(?=(?:the|it|we|this|that|there|our|your|they|i)\s+(?:\w+\s+)?(?:is|are|was|were|"
    r"will|can|has|have|had|won't|can't|isn't|aren't|wasn't|doesn't|don't)\b"
    r"|(?:it|that|there|here|we|they)['’](?:s|re|ll|ve)\b)([a-z])",
    re.IGNORECASE,
)
_CLAUSE_WORDS = 4  # a comma splice needs a clause before it, not "To recap," or "I'm sorry,"


def _splice_break(text: str, match: re.Match[str]) -> str:
    """A full stop for the comma splice `match` when a clause of its own comes before it."""
    before = re.split(r"[.!?]\s+", text[: match.start()])[-1]
    if len(before.split()) < _CLAUSE_WORDS:
        return match.group(0)
    return ". " + match.group(1).upper()


# Concise replies ask in the fewest words: "Could you please X?" -> "Please X."
_COULD_YOU = re.compile(r"^(\s*)could you please\s+(.+?)\s*\?$", re.IGNORECASE)
_NEGATIVE_ORDER = re.compile(r"^(?:don['’]t|do n['’]t|do not)\b", re.IGNORECASE)


def _polite_request(work: Work, sentence: str) -> str:
    """'Send us the form.' -> 'Please send us the form.'; 'Can you ...?' -> 'Could you please'."""
    stripped = sentence.lstrip()
    indent = sentence[: len(sentence) - len(stripped)]
    if "please" not in stripped.lower() and "questions" in work.active:

        def opening(entry: dict, at_start: bool) -> str | None:
            return entry["say"] if at_start else None

        asked, fired = apply_table(
            stripped, work.lexicon.request_questions, opening, work.lowercase_text
        )
        if fired and asked.rstrip().endswith("?"):
            work.note("please", "Turned a blunt question into a polite request")
            return indent + asked
    book = work.book
    command = bare_command(stripped, book, work.lexicon) if book is not None else None
    if command is None:
        return sentence
    softener = work.lexicon.request_softener
    if work.lowercase_text or stripped[:1].islower():
        softener = softener.lower()
    work.note("please", "Turned a bare instruction into a polite request")
    lead = stripped[command.lead_start : command.verb_start]
    kept = " ".join(w for w in lead.split() if w.lower().strip(",") not in book.command_drop)
    verb = stripped[command.verb_start :]
    verb = verb if verb[:2].isupper() else lower_first(verb)
    verb = _NEGATIVE_ORDER.sub("try not to", verb, count=1)
    if kept:
        return f"{indent}{kept} {softener.lower()} {verb}"
    frame = book.frame
    capital = not (work.lowercase_text or stripped[:1].islower())
    if frame.get("invitation") and re.match(frame["invitation"], verb, re.IGNORECASE):
        # "Contact us here" is an offer of help, not an order: "Feel free to contact us here".
        opener = frame.get("invite_with", "Feel free to")
        return f"{indent}{opener if capital else lower_first(opener)} {verb}"
    short = len(verb.split()) <= int(frame.get("question_up_to_words", 0))
    asking = short and "," not in verb and not (work.asked or work.in_list)
    asking = asking and work.settings.voice != "concise"  # short: "Please …" will do
    if asking and frame.get("ask_with"):
        # "Log out." -> "Could you please log out?"
        opener = frame["ask_with"]
        work.asked = True  # one question is enough; later instructions get "Please"
        body = re.sub(r"\s*[.!]*\s*$", "", verb)
        return f"{indent}{opener if capital else lower_first(opener)} {body}?"
    return f"{indent}{softener} {verb}"
