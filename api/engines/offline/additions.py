"""What the offline engine adds to a reworded draft: greeting, acknowledgement, apology before
a refusal, a bridge to what we can do, help offer, required phrases and sign-off, within the
channel's budget. Each addition first checks whether the draft already has it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from api.engines.offline.greeting import Greeting, find_greeting, greeting_name
from api.engines.offline.layout import Layout, closing_line
from api.engines.offline.reading import read_feeling
from api.engines.offline.text import BULLET, lower_first, split_sentences, upper_first
from api.engines.offline.work import Work, choose
from api.tone.lexicon import normalise_phrase

# An apology proper: regret words ("afraid", "unfortunately") don't count for the apologetic voice.
_APOLOGY = re.compile(r"\bsorry\b|\bapologi", re.IGNORECASE)

# Levels of trimming for length-limited posts: 1 drops the added sentence (acknowledgement or
# help offer) and the bridge, 2 also the sign-off, 3 also the greeting.
TRIM_SENTENCE, TRIM_SIGNOFF, TRIM_ALL = 1, 2, 3


def _minus_required(work: Work, text: str) -> str:
    """`text` without the preset's required phrases, which we append after everything else:
    judging endings without them keeps a second pass in step with the first."""
    for phrase in work.settings.required:
        text = re.sub(re.escape(phrase), "", text, flags=re.IGNORECASE)
    return text


def _has_closing(work: Work, body: str, layout: Layout) -> bool:
    if layout.has_closing_line:
        return True
    body = _minus_required(work, work.unshield(body))
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
    # (A "." we put after it before appending a required phrase does not finish it.)
    r"|(?<!\w)(?i:the|a|an|and|or|to|of|for|with|your|our|my|but|if|is|are)\.?)"
    r"[\"')\]’”]*\s*\Z"
)


def _ends_open(text: str) -> bool:
    """No help offer after a question (the reply waits for an answer) or an unfinished text
    ("..." or a "1/2" thread marker: more follows)."""
    # A link or emoji after the last sentence does not end it: look at what comes before.
    text = re.sub(r"(?:\s+(?:https?://\S+|[^\w\s.!?,;:\"')\]’”]+))+\s*\Z", "", text)
    return bool(_OPEN_ENDING.search(text))


@dataclass
class Plan:
    """What the additions step decided to add."""

    greeting: str | None = None
    name_into_greeting: str | None = None
    greeting_line: str | None = None
    opener: str | None = None
    ack: str | None = None
    offer: str | None = None
    signoff: str | None = None
    required: list[str] = field(default_factory=list)


def _plan(work: Work, body: str, layout: Layout, greeting: Greeting | None, trim: int) -> Plan:
    job, settings, lexicon = work.job, work.settings, work.lexicon
    plan = Plan()
    email = job.channel not in ("chat", "social")
    name = greeting_name(work) if settings.adds else None
    if name and trim < TRIM_ALL:
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
    quiet = quiet or not _has_content(work, body, greeting)
    if quiet or trim >= TRIM_SENTENCE:
        sentences_allowed = 0
    elif email:
        sentences_allowed = 3
    else:
        sentences_allowed = 1  # chat and social: one added sentence at most
    feeling = read_feeling(job.customer_message, lexicon)
    acknowledged = bool(lexicon.acknowledgement_cues.search(body))
    apologises = settings.voice == "apologetic" and "apology" in lexicon.acknowledgements
    if sentences_allowed and apologises:
        # The apologetic voice says sorry once, first thing, whatever the customer wrote.
        sentences_allowed -= 1
        opening = " ".join(split_sentences(_without_greeting(body, greeting).lstrip())[:2])
        if not _APOLOGY.search(opening):
            plan.ack = choose(work, lexicon.acknowledgements["apology"], "ack")
            feeling = "apology"
    elif sentences_allowed and feeling:
        sentences_allowed -= 1  # the slot is the acknowledgement's, even if one is there already
        if not acknowledged:
            plan.ack = choose(work, lexicon.acknowledgements[feeling], "ack")
    if (
        sentences_allowed
        and email
        and settings.length == "longer"
        and feeling != "thanks"
        and not acknowledged
    ):
        sentences_allowed -= 1
        plan.opener = choose(work, lexicon.openers, "opener")
    content = _without_greeting(body, greeting)
    if sentences_allowed and not _has_closing(work, content, layout):
        bank = lexicon.offers["email" if email else "chat"]
        plan.offer = choose(work, bank, "offer")
    restored_lower = normalise_phrase(work.unshield(body))  # required phrases may hold digits
    plan.required = [p for p in settings.required if normalise_phrase(p) not in restored_lower]
    last_line = _minus_required(work, work.unshield(content)).rstrip().rsplit("\n", 1)[-1]
    signed = layout.has_signoff or layout.has_closing_line or closing_line(last_line, lexicon)[0]
    if settings.adds and trim < TRIM_SIGNOFF and not signed:
        plan.signoff = _signoff(work, email)
    if plan.ack and feeling == "apology":
        work.note("apology", "Apologised once, at the start")
    elif plan.ack:
        work.note(f"ack:{feeling}", f"Acknowledged the customer's {feeling}")
    return plan


def _without_greeting(body: str, greeting: Greeting | None) -> str:
    """The body minus its opening greeting ("Hi Maria, Thanks," -> "Thanks,")."""
    if greeting is None or greeting.end is None:
        return body
    lines = body.lstrip("\n").split("\n")
    lines[0] = lines[0][greeting.end :]
    return "\n".join(lines)


def _has_content(work: Work, body: str, greeting: Greeting | None) -> bool:
    """Whether the body says anything besides its greeting and required phrases (nothing to
    acknowledge or offer help after otherwise)."""
    rest = _without_greeting(body, greeting)
    return bool(_minus_required(work, work.unshield(rest)).strip())


def _signoff(work: Work, email: bool) -> str | None:
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


def add_parts(work: Work, body: str, layout: Layout, trim: int) -> str:
    """The reworded body with greeting, acknowledgement, offer and sign-off added as planned."""
    if not body.strip():
        return body  # rewording left nothing (all banned): nothing to greet or sign
    lines = body.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), 0)
    greeting = find_greeting(work, lines[first])
    plan = _plan(work, body, layout, greeting, trim)
    email = work.job.channel not in ("chat", "social")
    settings = work.settings

    if plan.greeting_line and greeting:
        indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
        lines[first] = indent + plan.greeting_line
        greeting = Greeting(len(lines[first]), True, None, None, alone=True)
        work.note("greeting", f"Greeted {greeting_name(work)} by name")
    if plan.name_into_greeting and greeting and greeting.name_at is not None:
        line = lines[first]
        cut_to = greeting.replace_to if greeting.replace_to is not None else greeting.name_at
        insert = f" {plan.name_into_greeting}"
        lines[first] = line[: greeting.name_at] + insert + line[cut_to:]
        shift = len(insert) - (cut_to - greeting.name_at)
        end = None if greeting.end is None else greeting.end + shift
        greeting = Greeting(end, True, None, None)
        work.note("greeting", f"Added {plan.name_into_greeting}'s name to the greeting")

    intro = " ".join(p for p in (plan.opener, plan.ack) if p)
    if plan.opener:
        work.note("opener", "Thanked the customer for getting in touch")
    if intro:
        _insert_intro(lines, first, greeting, intro, email, work.blocks)

    lines = _soften_refusal(work, lines, intro, email and settings.adds and trim == 0)
    if plan.offer and _ends_open(_minus_required(work, work.unshield("\n".join(lines)))):
        plan.offer = None  # judged on the text as it now ends, so a second pass agrees

    text = "\n".join(lines)
    if plan.greeting:
        joiner = "\n\n" if email else " "
        if text.lstrip()[:1] in work.blocks:
            joiner = "\n"  # a quoted line must stay at the start of its line
        elif joiner == " " and text[:1] == "\n":
            joiner = ""  # the first line went (a dropped sentence): no space before its break
        text = plan.greeting + joiner + text
        work.note("greeting", f"Greeted {greeting_name(work)} by name")
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
    lines: list[str],
    first: int,
    greeting: Greeting | None,
    intro: str,
    email: bool,
    blocks: frozenset[str],
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
    if at == 0 and line.lstrip()[:1] in blocks:
        # Never glue text in front of a quoted or code line: it would stop being one.
        lines[target:target] = [intro, ""] if email else [intro]
        return
    if email and at == 0 and BULLET.match(line):
        lines[target:target] = [intro, ""]
        return
    lines[target] = line[:indent] + intro + " " + line[indent:].lstrip()


def _soften_refusal(work: Work, lines: list[str], intro: str, bridge_ok: bool) -> list[str]:
    """Put an apology before the first refusal, and a bridge before an offered alternative."""
    lexicon, settings = work.lexicon, work.settings
    if not (settings.adds and settings.caring):
        return lines
    text = "\n".join(lines)
    apologised = bool(lexicon.apology_cues.search(text)) or bool(lexicon.apology_cues.search(intro))
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
                bridge = choose(work, lexicon.bridges, "bridge")
                if bridge:
                    sentences[ni][nj] = _prefix(work, bridge, following)
                    work.note("bridge", "Pointed to what we can do instead")
        break
    return ["".join(sentences[i]) for i in range(len(lines))]


def _with_apology(work: Work, sentence: str) -> str:
    stripped = sentence.lstrip()
    first_word = re.match(r"[^\W\d_]+", stripped)
    if not first_word:
        return sentence
    word = first_word.group(0)
    if word.lower() not in work.lexicon.lowercase_after_apology and word != "I":
        return sentence
    apology = choose(work, work.lexicon.apologies, "apology")
    if not apology:
        return sentence
    work.note("apology", "Opened the refusal with an apology")
    return sentence[: len(sentence) - len(stripped)] + _prefix(work, apology, stripped)


def _prefix(work: Work, prefix: str, sentence: str) -> str:
    stripped = sentence.lstrip()
    indent = sentence[: len(sentence) - len(stripped)]
    first_word = re.match(r"[^\W\d_]+", stripped)
    if first_word and first_word.group(0).lower() in work.lexicon.lowercase_after_apology:
        stripped = lower_first(stripped)
    if work.lowercase_text:
        prefix = prefix[0].lower() + prefix[1:] if not prefix.startswith("I") else prefix
    return f"{indent}{prefix} {stripped}"
