"""The offline engine: softens English support replies with word lists and phrase banks, no network.

Order of work for one draft: split off what must stay verbatim (@handles, sign-off, signature,
quoted mail), mask every fact with a placeholder, reword sentence by sentence (banned phrases,
filler, blame, refusals, jargon, formality, bare commands), then add what is missing (greeting,
acknowledgement, apology before a refusal, help offer, required phrases, sign-off) within the
channel's budget, and finally put the facts back. Every step checks for its own earlier output,
so running the engine on its own result changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from api.engines import UnsupportedAction
from api.engines.offline_layout import Layout, closing_line, split_draft
from api.engines.offline_reading import looks_english, pick, read_feeling
from api.engines.offline_settings import SUPPORTED_ACTIONS, Settings, settings_for
from api.engines.offline_text import (
    BULLET,
    Masked,
    apply_table,
    has_placeholder_chars,
    lower_first,
    mask,
    occurrences,
    spans_in,
    split_sentences,
    upper_first,
)
from api.facts import protected_spans
from api.lexicon import Lexicon, PhraseTable, load_lexicon, normalise_phrase
from api.types import EngineResult, RewriteJob, Span

NOT_ENGLISH = "Draft does not look like English; left unchanged."
_UPPER = re.compile(r"[A-ZÀ-ÞĀ-Ž]")
SOCIAL_LIMIT = 280
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "dame"})
_NAME_AFTER_GREETING = re.compile(
    r"[ \t]*(?P<name>[^\W\d_][\w'’.-]*(?:[ \t]+[A-Z][\w'’.-]*){0,2}|[\U000f0000-\U000ffffd])"
    r"(?=[ \t]*(?:[,!.:;—–-]|$))"
)
_PUNCT_AFTER_GREETING = re.compile(r"[ \t]*(?:[,!.:;—–-]|$)")
_FEELING_WORDS = {
    "frustration": "frustration",
    "urgency": "urgency",
    "confusion": "confusion",
    "thanks": "thanks",
}


@dataclass
class _Greeting:
    """An opening greeting found at the start of the body."""

    end: int | None  # where the text after the greeting starts in its line (None: unclear)
    has_name: bool
    name_at: int | None  # where a name can be inserted, if the greeting has room for one
    replace_to: int | None  # end of a word the name replaces ("there" in "Hi there")
    alone: bool = False  # the greeting is the whole line


@dataclass
class _Work:
    """One rewrite in progress: its inputs and what has been done so far."""

    job: RewriteJob
    lexicon: Lexicon
    settings: Settings
    lowercase_text: bool = False
    seed: str = ""
    shortest: bool = False  # pick the shortest phrasing (length-limited posts)
    active: set[str] = field(default_factory=set)  # phrase tables that match somewhere
    raw_body: str = ""  # the reworded body with its facts back, before any additions
    changes: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def note(self, rule: str, message: str) -> None:
        if rule not in self.rules:
            self.rules.append(rule)
        if message not in self.changes:
            self.changes.append(message)


class OfflineEngine:
    """Rule-based rewriting from prompts/offline; English only; never touches a fact."""

    name = "offline"
    model = "kindly-offline-1"

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon or load_lexicon()
        # The pipeline puts this in the cache key, so editing a word list invalidates old rewrites.
        self.fingerprint = f"{self.model}:{self.lexicon.fingerprint}"

    def supports(self, action: str) -> bool:
        return action in SUPPORTED_ACTIONS

    def rewrite(self, job: RewriteJob) -> EngineResult:
        if not self.supports(job.action):
            raise UnsupportedAction(job.action, self.name)
        work = _Work(job, self.lexicon, settings_for(job.action, job.preset))
        text = _rewrite(work)
        return EngineResult(
            text=text,
            engine=self.name,
            model=self.model,
            changes=work.changes,
            warnings=work.warnings,
            rules=work.rules,
            tokens_in=len(job.draft.split()),
            tokens_out=len(text.split()),
        )


# ---------------------------------------------------------------- the whole draft


def _rewrite(work: _Work) -> str:
    draft = work.job.draft
    if not draft.strip():
        return draft
    if has_placeholder_chars(draft):
        work.warnings.append("Draft contains private-use characters; left unchanged.")
        return draft
    layout = split_draft(draft, work.lexicon, work.job.agent_name)
    if not layout.body.strip():
        return draft
    masked = _mask_body(work, layout)
    if not looks_english(masked.text, work.lexicon):
        work.warnings.append(NOT_ENGLISH)
        work.rules.append("non_english")
        return draft
    work.lowercase_text = _UPPER.search(masked.text) is None
    body = _reword(work, masked.text)
    # Phrase choices hash the reworded body, so a second pass picks exactly as the first did.
    work.seed = body
    work.raw_body = masked.restore(body)
    changes, rules = list(work.changes), list(work.rules)
    result = layout.join(masked.restore(_add_parts(work, body, layout, trim=0)))
    # Social posts have a hard length limit: first try the shortest phrasings, then give up
    # what we add, least needed first. (Trying the shortest before dropping keeps a second
    # pass from fitting a phrase the first pass gave up on.)
    attempts = iter([(0, True), (_TRIM_SENTENCE, True), (_TRIM_SIGNOFF, True), (_TRIM_ALL, True)])
    while work.job.channel == "social" and len(result) > SOCIAL_LIMIT:
        attempt = next(attempts, None)
        if attempt is None:
            break
        trim, work.shortest = attempt
        work.changes[:], work.rules[:] = list(changes), list(rules)
        result = layout.join(masked.restore(_add_parts(work, body, layout, trim=trim)))
    return result


# Levels of trimming for length-limited posts: 1 drops the added sentence (acknowledgement or
# help offer) and the bridge, 2 also the sign-off, 3 also the greeting.
_TRIM_SENTENCE, _TRIM_SIGNOFF, _TRIM_ALL = 1, 2, 3


def _job_spans(job: RewriteJob) -> list[Span]:
    spans = job.spans
    if not spans or any(job.draft[s.start : s.end] != s.text for s in spans):
        spans = protected_spans(job.draft)
    return spans


def _mask_body(work: _Work, layout: Layout) -> Masked:
    start = len(layout.lead)
    end = start + len(layout.body)
    spans = spans_in(_job_spans(work.job), start, end)
    spans += occurrences(layout.body, work.settings.glossary, ignore_case=True)
    names = [n for n in (work.job.customer_name, work.job.agent_name) if n]
    names += [n.split()[0] for n in names if " " in n]
    spans += occurrences(layout.body, names, ignore_case=False)
    return mask(layout.body, spans)


# ---------------------------------------------------------------- rewording


def _banned_table(banned: tuple[str, ...]) -> PhraseTable | None:
    if not banned:
        return None
    return PhraseTable.build({"find": phrase, "say": ""} for phrase in banned)


def _reword(work: _Work, text: str) -> str:
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
            greeting = _find_greeting(work, line)
            if greeting is not None and greeting.end is not None:
                prefix = line[: greeting.end]
        content = line[len(prefix) :]
        reworded = "".join(_reword_sentence(work, s, banned) for s in split_sentences(content))
        if not content.endswith((" ", "\t")):
            reworded = reworded.rstrip(" \t")  # a dropped last sentence leaves no trailing space
        lines[index] = prefix + reworded
    return "\n".join(lines)


def _reword_sentence(work: _Work, sentence: str, banned: PhraseTable | None) -> str:
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
        for _entry, found, new in fired:
            work.note("jargon", f"Replaced '{found}' with '{new}'")
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
    return core + trailing


def _polite_request(work: _Work, sentence: str) -> str:
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
    verb = work.lexicon.request_verbs.match(stripped)
    if not verb or stripped.rstrip().endswith("?") or "please" in stripped.lower():
        return sentence
    if work.lexicon.request_closing_cues.search(stripped):
        return sentence  # "Let me know if anything else comes up" is a closing, not an order
    if stripped[verb.end() : verb.end() + 1] == ":":
        return sentence  # "Update: ..." is a heading, not a command
    softener = work.lexicon.request_softener
    if work.lowercase_text or stripped[:1].islower():
        softener = softener.lower()
    work.note("please", "Turned a bare instruction into a polite request")
    first = stripped if stripped[:2].isupper() else lower_first(stripped)
    return f"{indent}{softener} {first}"


# ---------------------------------------------------------------- additions


def _options(work: _Work, options: list[str]) -> list[str]:
    """Phrase-bank options minus any that hold a banned phrase."""
    banned = [b.lower() for b in work.settings.banned]
    return [o for o in options if not any(b in o.lower() for b in banned)]


def _choose(work: _Work, bank: dict[str, list[str]], slot: str) -> str | None:
    register = work.settings.register
    options = _options(work, bank.get(register) or bank.get("plain") or [])
    if work.shortest and options:
        return min(options, key=len)
    return pick(options, work.seed, slot)


def _greeting_name(work: _Work) -> str | None:
    name = (work.job.customer_name or "").strip()
    style = work.settings.greeting_style
    if not name or style == "none" or re.search(r"[@0-9/:]", name):
        return None
    parts = name.split()
    if style in ("formal", "full_name") or len(parts) == 1:
        return name
    if parts[0].lower().rstrip(".") in _TITLES:
        return name
    return parts[0]


def _find_greeting(work: _Work, line: str) -> _Greeting | None:
    greeting = _greeting_in(work, line)
    if greeting is not None and greeting.end is not None:
        greeting.alone = not line[greeting.end :].strip()
    return greeting


def _greeting_in(work: _Work, line: str) -> _Greeting | None:
    stripped = line.lstrip()
    offset = len(line) - len(stripped)
    match = work.lexicon.greeting_starts.match(stripped)
    if not match:
        return None
    at = offset + match.end()
    word = match.group(0)
    name = _NAME_AFTER_GREETING.match(line, at)
    if name and name.group("name").lower() not in work.lexicon.not_names:
        end = _greeting_end(line, name.end())
        return _Greeting(end, True, None, None)
    if word.lower().endswith(" there"):
        base = offset + len(word) - len(" there")
        return _Greeting(_greeting_end(line, at), False, base, at)
    if _PUNCT_AFTER_GREETING.match(line, at):
        return _Greeting(_greeting_end(line, at), False, at, at)
    return _Greeting(_greeting_end(line, at), False, None, None)


# After a greeting: its punctuation then a space ("Hi Maria, ..."), or just a space before a
# word ("Hi Thanks for ..."). Anything else ("Hi Jo :)", "Hello,please") is no clear seam.
_GREETING_TAIL = re.compile(r"[ \t]*+(?:[,!.:;—–-]++(?:[ \t]+|$)|(?<=[ \t])(?=\w)|$)")


def _greeting_end(line: str, position: int) -> int | None:
    """Where the text after a greeting starts; None when the greeting runs straight into
    something else ("Hi Jo :)", "Hello,please")."""
    match = _GREETING_TAIL.match(line, position)
    return match.end() if match else None


def _has_closing(work: _Work, body: str, layout: Layout) -> bool:
    if layout.has_closing_line:
        return True
    for phrase in work.settings.required:
        # Required phrases are appended after the closing; look past them.
        body = re.sub(re.escape(phrase), "", body, flags=re.IGNORECASE)
    paragraphs = [p for p in re.split(r"\n\s*\n", body) if p.strip()]
    if not paragraphs:
        return False
    last = paragraphs[-1].split("\n")[-2:]
    sentences = [s for line in last for s in split_sentences(line)][-2:]
    if work.lexicon.closing_cues.search(" ".join(sentences)):
        return True
    # A short "Thank you!" or "Thanks, take care." at the end already closes the reply.
    final = sentences[-1].strip() if sentences else ""
    return bool(work.lexicon.closing_lines.match(final)) and len(final.split()) <= 6


_OPEN_ENDING = re.compile(
    r"(?:\?|\.\.\.|…|:|\b\d+/\d+"
    # A tweet cut off mid-sentence ends on a word that cannot end one.
    r"|(?<!\w)(?i:the|a|an|and|or|to|of|for|with|your|our|my|but|if|is|are|be|this|that|in|on|at))"
    r"[\"')\]’”]*\s*\Z"
)


def _ends_open(raw_body: str) -> bool:
    """No help offer after a question (the reply waits for an answer) or an unfinished text
    ("..." or a "1/2" thread marker: more follows)."""
    # A link or emoji after the last sentence does not end it: look at what comes before.
    text = re.sub(r"(?:\s+(?:https?://\S+|[^\w\s.!?,;:\"')\]’”]+))+\s*\Z", "", raw_body)
    return bool(_OPEN_ENDING.search(text))


@dataclass
class _Plan:
    """What the additions step decided to add."""

    greeting: str | None = None
    name_into_greeting: str | None = None
    greeting_line: str | None = None
    opener: str | None = None
    ack: str | None = None
    offer: str | None = None
    signoff: str | None = None
    required: list[str] = field(default_factory=list)


def _plan(work: _Work, body: str, layout: Layout, greeting: _Greeting | None, trim: int) -> _Plan:
    job, settings, lexicon = work.job, work.settings, work.lexicon
    plan = _Plan()
    email = job.channel not in ("chat", "social")
    name = _greeting_name(work) if settings.adds else None
    if name and trim < _TRIM_ALL:
        style = "formal" if settings.greeting_style == "formal" else settings.register
        if settings.formality < 34 and style != "formal":
            style = "casual"
        templates = lexicon.greetings.get(style) or lexicon.greetings["plain"]
        template = templates["email" if email else "chat"].replace("{name}", name)
        if greeting is None:
            plan.greeting = template
        elif not greeting.has_name and greeting.name_at is not None:
            if style == "formal" and email and greeting.alone:
                plan.greeting_line = template  # "Hi," alone on its line -> "Dear Maria,"
            else:
                plan.name_into_greeting = name
    quiet = not (settings.adds and settings.caring) or settings.length == "shorter"
    quiet = quiet or not _has_content(body, greeting)
    if quiet or trim >= _TRIM_SENTENCE:
        sentences_allowed = 0
    elif email:
        sentences_allowed = 3
    else:
        sentences_allowed = 1  # chat and social: one added sentence at most
    feeling = read_feeling(job.customer_message, lexicon)
    acknowledged = bool(lexicon.acknowledgement_cues.search(body))
    if sentences_allowed and feeling:
        sentences_allowed -= 1  # the slot is the acknowledgement's, even if one is there already
        if not acknowledged:
            plan.ack = _choose(work, lexicon.acknowledgements[feeling], "ack")
    if (
        sentences_allowed
        and email
        and settings.length == "longer"
        and feeling != "thanks"
        and not acknowledged
    ):
        sentences_allowed -= 1
        plan.opener = _choose(work, lexicon.openers, "opener")
    content = _without_greeting(body, greeting)
    closed = _ends_open(work.raw_body) or _has_closing(work, content, layout)
    if sentences_allowed and not closed:
        bank = lexicon.offers["email" if email else "chat"]
        plan.offer = _choose(work, bank, "offer")
    restored_lower = normalise_phrase(body)
    plan.required = [
        p for p in settings.required if normalise_phrase(p) not in restored_lower
    ]
    last_line = content.rstrip().rsplit("\n", 1)[-1]
    signed = layout.has_signoff or layout.has_closing_line or closing_line(last_line, lexicon)[0]
    if settings.adds and trim < _TRIM_SIGNOFF and not signed:
        plan.signoff = _signoff(work, email)
    if plan.ack:
        work.note(f"ack:{feeling}", f"Acknowledged the customer's {_FEELING_WORDS[feeling]}")
    return plan


def _without_greeting(body: str, greeting: _Greeting | None) -> str:
    """The body minus its opening greeting ("Hi Maria, Thanks," -> "Thanks,")."""
    if greeting is None or greeting.end is None:
        return body
    lines = body.lstrip("\n").split("\n")
    lines[0] = lines[0][greeting.end :]
    return "\n".join(lines)


def _has_content(body: str, greeting: _Greeting | None) -> bool:
    """Whether the body says anything besides its greeting (nothing to acknowledge otherwise)."""
    if greeting is None or greeting.end is None:
        return bool(body.strip())
    lines = body.lstrip("\n").split("\n")
    return bool(lines[0][greeting.end :].strip() or "\n".join(lines[1:]).strip())


def _signoff(work: _Work, email: bool) -> str | None:
    agent = (work.job.agent_name or "").strip()
    channel = work.job.channel
    if channel == "chat":
        return None
    if channel == "social":
        template = work.lexicon.signoffs.get("social", "")
    elif work.settings.signoff is not None:
        template = work.settings.signoff
    else:
        template = work.lexicon.signoffs.get(work.settings.register, "")
    if not template.strip() or ("{agent_name}" in template and not agent):
        return None
    if "{agent_name}" not in template and not email:
        return None
    return template.replace("{agent_name}", agent).strip()


def _add_parts(work: _Work, body: str, layout: Layout, trim: int) -> str:
    lines = body.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), 0)
    greeting = _find_greeting(work, lines[first])
    plan = _plan(work, body, layout, greeting, trim)
    email = work.job.channel not in ("chat", "social")
    settings = work.settings

    if plan.greeting_line and greeting:
        indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
        lines[first] = indent + plan.greeting_line
        greeting = _Greeting(len(lines[first]), True, None, None, alone=True)
        work.note("greeting", f"Greeted {_greeting_name(work)} by name")
    if plan.name_into_greeting and greeting and greeting.name_at is not None:
        line = lines[first]
        cut_to = greeting.replace_to if greeting.replace_to is not None else greeting.name_at
        insert = f" {plan.name_into_greeting}"
        lines[first] = line[: greeting.name_at] + insert + line[cut_to:]
        shift = len(insert) - (cut_to - greeting.name_at)
        end = None if greeting.end is None else greeting.end + shift
        greeting = _Greeting(end, True, None, None)
        work.note("greeting", f"Added {plan.name_into_greeting}'s name to the greeting")

    intro = " ".join(p for p in (plan.opener, plan.ack) if p)
    if plan.opener:
        work.note("opener", "Thanked the customer for getting in touch")
    if intro:
        _insert_intro(lines, first, greeting, intro, email)

    lines = _soften_refusal(work, lines, intro, email and settings.adds and trim == 0)

    text = "\n".join(lines)
    if plan.greeting:
        joiner = "\n\n" if email else " "
        text = plan.greeting + joiner + text
        work.note("greeting", f"Greeted {_greeting_name(work)} by name")
    ending = [p for p in (*plan.required, plan.offer) if p]
    for phrase in plan.required:
        work.note("required", f"Added the required phrase '{phrase}'")
    if plan.offer:
        work.note("closing", "Offered further help")
    if ending:
        if email:
            text = text.rstrip() + "\n\n" + " ".join(ending)
        else:
            text = text.rstrip()
            if text[-1:].isalpha():
                text += "."  # "We'll have a look" + offer: end the draft's sentence first
            text += " " + " ".join(ending)
    if plan.signoff:
        joiner = "\n\n" if email else " "
        text = text.rstrip() + joiner + plan.signoff
        work.note("signoff", f"Signed off as {work.job.agent_name}")
    return text


def _insert_intro(
    lines: list[str], first: int, greeting: _Greeting | None, intro: str, email: bool
) -> None:
    """Put the opener/acknowledgement right after the greeting, or first in the body."""
    target, at = first, 0
    if greeting is not None and greeting.end is None:
        # The greeting runs into other text ("Hi Jo :) ..."): go after its first sentence.
        sentences = split_sentences(lines[first])
        head = sentences[0] if len(sentences) > 1 else lines[first] + " "
        lines[first] = head + intro + (" " + "".join(sentences[1:]) if len(sentences) > 1 else "")
        lines[first] = lines[first].rstrip(" ")
        return
    if greeting is not None:
        rest = lines[first][greeting.end :]
        if rest.strip():
            word = re.match(r"[^\W\d_]+", rest)
            if word and word.group(0).islower():
                # "Hi, while you wait ..." goes on after the greeting: start a new sentence.
                lines[first] = lines[first][: greeting.end] + upper_first(rest)
            target, at = first, greeting.end
        else:
            following = [i for i in range(first + 1, len(lines)) if lines[i].strip()]
            if not following:
                lines[first] = lines[first].rstrip() + " " + intro
                return
            target, at = following[0], 0
    line = lines[target]
    indent = len(line) - len(line.lstrip()) if at == 0 else at
    if email and at == 0 and BULLET.match(line):
        lines[target:target] = [intro, ""]
        return
    lines[target] = line[:indent] + intro + " " + line[indent:].lstrip()


def _soften_refusal(work: _Work, lines: list[str], intro: str, bridge_ok: bool) -> list[str]:
    """Put an apology before the first refusal, and a bridge before an offered alternative."""
    lexicon, settings = work.lexicon, work.settings
    if not (settings.adds and settings.caring):
        return lines
    text = "\n".join(lines)
    apologised = bool(lexicon.apology_cues.search(text)) or bool(
        lexicon.apology_cues.search(intro)
    )
    pieces = [(i, split_sentences(line)) for i, line in enumerate(lines)]
    flat = [(i, j) for i, sentences in pieces for j in range(len(sentences))]
    sentences = dict(pieces)
    for position, (i, j) in enumerate(flat):
        sentence = sentences[i][j]
        if not lexicon.refusal_triggers.search(sentence) or sentence.rstrip().endswith("?"):
            continue
        if not apologised:
            sentences[i][j] = _with_apology(work, sentence)
        if bridge_ok and position + 1 < len(flat):
            ni, nj = flat[position + 1]
            following = sentences[ni][nj]
            if lexicon.alternative_starts.match(following.lstrip()):
                bridge = _choose(work, lexicon.bridges, "bridge")
                if bridge:
                    sentences[ni][nj] = _prefix(work, bridge, following)
                    work.note("bridge", "Pointed to what we can do instead")
        break
    return ["".join(sentences[i]) for i in range(len(lines))]


def _with_apology(work: _Work, sentence: str) -> str:
    stripped = sentence.lstrip()
    first_word = re.match(r"[^\W\d_]+", stripped)
    if not first_word:
        return sentence
    word = first_word.group(0)
    if word.lower() not in work.lexicon.lowercase_after_apology and word != "I":
        return sentence
    apology = _choose(work, work.lexicon.apologies, "apology")
    if not apology:
        return sentence
    work.note("apology", "Opened the refusal with an apology")
    return sentence[: len(sentence) - len(stripped)] + _prefix(work, apology, stripped)


def _prefix(work: _Work, prefix: str, sentence: str) -> str:
    stripped = sentence.lstrip()
    indent = sentence[: len(sentence) - len(stripped)]
    first_word = re.match(r"[^\W\d_]+", stripped)
    if first_word and first_word.group(0).lower() in work.lexicon.lowercase_after_apology:
        stripped = lower_first(stripped)
    if work.lowercase_text:
        prefix = prefix[0].lower() + prefix[1:] if not prefix.startswith("I") else prefix
    return f"{indent}{prefix} {stripped}"


