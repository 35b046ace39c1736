"""The offline engine for Spanish, German, French and Portuguese drafts.

Rewrites the harsh phrases the language's rules know (prompts/offline/harsh/<lang>.json) and
adds, in that language only, a greeting, an acknowledgement when the customer sounds upset,
a help offer and a sign-off. Nothing English is ever added. Each addition first checks whether
the draft already has it, so a second pass changes nothing.
"""

from __future__ import annotations

from api.engines.offline.softening import soften_sentence
from api.engines.offline.text import BULLET, lower_first, split_sentences
from api.engines.offline.work import Work
from api.tone.findings import bare_command
from api.tone.rules import RuleBook


def rewrite_foreign(work: Work, book: RuleBook, body: str) -> str:
    """`body` (fact-shielded) reworded and framed in the book's language."""
    lines = body.split("\n")
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        bullet = BULLET.match(line)
        prefix = bullet.group(0) if bullet else ""
        content = line[len(prefix) :]
        pieces = []
        for sentence in split_sentences(content):
            core = sentence.rstrip()
            trailing = sentence[len(core) :]
            core = soften_sentence(work, book, core)
            if work.settings.adds:
                core = _polite(work, book, core)
            pieces.append(core + trailing)
        lines[index] = prefix + "".join(pieces).rstrip(" \t")
    text = "\n".join(lines)
    if work.settings.adds:
        text = _frame(work, book, text)
    return text


def _polite(work: Work, book: RuleBook, sentence: str) -> str:
    command = bare_command(sentence, book, work.lexicon)
    please = book.frame.get("please")
    if command is None or not please:
        return sentence
    lead = sentence[command.lead_start : command.verb_start]
    kept = " ".join(w for w in lead.split() if w.lower().strip(",") not in book.command_drop)
    verb = lower_first(sentence[command.verb_start :])
    work.note("please", "Turned a bare instruction into a polite request")
    softener = please if not kept else please[:1].lower() + please[1:]
    return f"{sentence[: command.lead_start]}{kept + ' ' if kept else ''}{softener} {verb}"


def _has(text: str, cues: list[str]) -> bool:
    lowered = text.lower()
    return any(cue.lower() in lowered for cue in cues)


def _frame(work: Work, book: RuleBook, text: str) -> str:
    frame, job = book.frame, work.job
    email = job.channel not in ("chat", "social")
    joiner = "\n\n" if email else " "
    first_line = text.lstrip().split("\n", 1)[0].lower()
    greeted = any(first_line.startswith(cue) for cue in frame.get("greeting_detect", []))
    name = (job.customer_name or "").strip()
    if work.settings.caring and _upset(job.customer_message, frame) and not _has(
        text, frame.get("ack_detect", [])
    ):
        ack = frame.get("ack")
        if ack:
            text = _after_greeting(text, ack, greeted, email)
            work.note("ack:frustration", "Acknowledged the customer's frustration")
    if name and not greeted and frame.get("greeting") and work.settings.greeting_style != "none":
        text = frame["greeting"].replace("{name}", name) + joiner + text
        work.note("greeting", f"Greeted {name} by name")
    signoff_cues = frame.get("signoff_detect", [])
    signed = email and _signed(text, signoff_cues)
    offered = _has(text, frame.get("offer_detect", []))
    if work.settings.caring and frame.get("offer") and not offered:
        body, _, _ = _split_signoff(text, signoff_cues) if signed else (text, "", "")
        if not body.rstrip().endswith("?"):
            text = _before_signoff(text, frame["offer"], signed, email, signoff_cues)
            work.note("closing", "Offered further help")
    agent = (job.agent_name or "").strip()
    if email and agent and not signed and frame.get("signoff"):
        text = text.rstrip() + "\n\n" + frame["signoff"].replace("{agent_name}", agent)
        work.note("signoff", f"Signed off as {agent}")
    return text


def _signed(text: str, cues: list[str]) -> bool:
    """Whether one of the last two lines (after the first) is a short sign-off line."""
    lines = [line for line in text.rstrip().split("\n") if line.strip()]
    return any(
        len(line.split()) <= 4 and _has(line, cues) for line in lines[1:][-2:]
    )


def _upset(message: str | None, frame: dict) -> bool:
    return bool(message) and _has(message or "", frame.get("frustration", []))


def _after_greeting(text: str, ack: str, greeted: bool, email: bool) -> str:
    if not greeted:
        return f"{ack} {text}" if not email else f"{ack}\n\n{text}"
    head, sep, rest = text.partition("\n")
    if not sep:
        return f"{head} {ack}"
    return f"{head}\n{ack} {rest.lstrip()}" if rest.strip() else f"{head}\n{ack}"


def _split_signoff(text: str, cues: list[str]) -> tuple[str, str, str]:
    lines = text.rstrip().split("\n")
    for index in range(len(lines) - 1, max(0, len(lines) - 3), -1):
        if _has(lines[index], cues) and len(lines[index].split()) <= 4:
            return "\n".join(lines[:index]), "\n", "\n".join(lines[index:])
    return text, "", ""


def _before_signoff(text: str, offer: str, signed: bool, email: bool, cues: list[str]) -> str:
    if signed:
        body, _, signoff = _split_signoff(text, cues)
        return f"{body.rstrip()}\n\n{offer}\n\n{signoff}"
    return f"{text.rstrip()}{chr(10) * 2 if email else ' '}{offer}"
