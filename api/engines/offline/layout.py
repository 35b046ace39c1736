"""Split a draft into the part the offline engine may edit and the parts it must keep verbatim.

A draft is: leading @handles (Twitter addressing), the body, then an optional tail made of a
sign-off ("Thanks,\\nJen", "-AA", "^JK"), a "--" signature block and quoted earlier mail
("On ... wrote:", "> ..."). Only the body is edited; the rest is copied back untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from api.tone.lexicon import Lexicon

_LEAD = re.compile(r"\A\s*(?:@\w+[ \t]*[,:]?(?:[ \t]+|(?=\n)|\Z))+\s*")
_QUOTE_HEADER = re.compile(
    r"^(?:On\b.{0,200}\bwrote:\s*$|-{2,}\s*Original Message\s*-{2,}|-{2,}\s*Forwarded message)",
    re.IGNORECASE,
)
_SIGNATURE_RULE = re.compile(r"^(?:--|—|-- )\s*$")
# Twitter-style initials or first name after a mark, at the very end: "-AA", "^JK", "*TBT",
# "= JJ", "-- Mat", "~Sam Lee". The mark must follow a space or sentence punctuation so
# "Wi-Fi" or "T-Mobile" never count.
_INITIALS = re.compile(
    r"(?:(?:(?<=\s)|(?<=[.!?)\]])|^)"
    r"(?:[-–—~^*=/]{1,2}[ \t]?[A-Z][\w.'’]*(?:[ \t][A-Z][\w.'’]*)?|\^[A-Za-z]{1,12})"
    # "Thank you- Mariya": a dash glued to the last word, then a space and a name.
    r"|(?<=[^\W\d_])[-–—][ \t][A-Z][\w.'’]*(?:[ \t][A-Z][\w.'’]*)?)"
    # Tweets often end "^JK 2/2 https://t.co/x": the part counter and links stay with it.
    r"(?:[ \t]+\d/\d)?(?:[ \t]+https?://\S+)*[ \t]*\Z"
)
# A first name on its own after the last sentence: "... Happy Halloween. Mark".
_BARE_NAME = re.compile(r"(?:(?<=[.!?)])[ \t]+|(?<=\n))[A-Z][a-z]{1,14}[ \t]*\Z")
_NAME_LINE = re.compile(r"^[^\W\d_][\w.'’ -]{0,40}$")


@dataclass
class Layout:
    """The draft cut into lead (kept), body (edited) and tail (kept)."""

    lead: str
    body: str
    tail: str
    has_signoff: bool = False  # a name or initials close the draft
    has_closing_line: bool = False  # "Thanks," / "Best regards" style closing line

    def join(self, body: str) -> str:
        return self.lead + body + self.tail


def closing_line(line: str, lexicon: Lexicon) -> tuple[bool, bool]:
    """(is a closing line, carries a name) for lines like "Thanks," or "Best regards, Jen"."""
    stripped = line.strip()
    match = lexicon.closing_lines.match(stripped)
    if not match:
        return False, False
    rest = stripped[match.end() :].strip(" \t,.!—-")
    if not rest:
        return True, False
    if _NAME_LINE.match(rest) and len(rest.split()) <= 3 and rest[0].isupper():
        return True, True
    return False, False


def opens_quote(text: str) -> bool:
    """Whether a line of `text` is a quoted-mail header ("On ... wrote:")."""
    return any(_QUOTE_HEADER.match(line.strip()) for line in text.split("\n"))


def _quote_and_signature(lines: list[str]) -> tuple[int, bool]:
    """Index of the first line of quoted mail or a "--" signature block, and whether a
    signature block was found."""
    end = len(lines)
    # Quoted earlier mail: a header line, or a run of ">" lines that lasts to the end.
    for index, line in enumerate(lines):
        if _QUOTE_HEADER.match(line.strip()):
            end = index
            break
    else:
        index = end
        while index > 0 and (not lines[index - 1].strip() or lines[index - 1].lstrip()[:1] == ">"):
            index -= 1
        if any(line.lstrip()[:1] == ">" for line in lines[index:end]):
            end = index
    for index in range(1, end):
        if _SIGNATURE_RULE.match(lines[index]):
            return index, True
    return end, False


# Words a sentence has and a name or job title does not ("Head of Support" is fine).
_SENTENCE_WORDS = frozenset(
    {
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "will",
        "can",
        "could",
        "would",
        "should",
        "have",
        "has",
        "had",
        "do",
        "does",
        "did",
        "the",
        "it",
        "you",
        "we",
        "i",
        "i'm",
        "we're",
        "it's",
        "this",
        "that",
    }
)


def _name_or_title(line: str) -> bool:
    words = line.split()
    return (
        0 < len(words) <= 6
        and line.rstrip()[-1:] not in "?.!"
        and not any(w.lower().strip(",;:") in _SENTENCE_WORDS for w in words)
    )


def _closing_start(lines: list[str], lexicon: Lexicon) -> tuple[int, bool, bool]:
    """Index of a closing line near the end that starts a sign-off block (len(lines) if none),
    whether a name goes with it, and whether the draft has a closing line at all."""
    filled = [i for i in range(len(lines)) if lines[i].strip()]
    for index in filled[-4:]:
        closing, named = closing_line(lines[index], lexicon)
        after = [i for i in filled if i > index]
        if not closing or len(after) > 3:
            continue
        # At most three short name/title lines may follow ("Jen Smith", "Support team").
        if all(_name_or_title(lines[i]) for i in after):
            if index == filled[0]:
                return len(lines), False, True  # nothing before it: the closing is the reply
            return index, named or bool(after), True
    return len(lines), False, False


def _is_bullet(text: str, start: int) -> bool:
    """A "- Item" line at the end of a list is not a sign-off."""
    at_line_start = start == 0 or text[start - 1] == "\n"
    return at_line_start and text[start : start + 2] in ("- ", "* ", "• ")


def _signoff_at_end(body: str, agent_name: str | None) -> int | None:
    """Where trailing initials or a bare name start ("... -AA", "... ^JK", "...\nJen")."""
    initials = _INITIALS.search(body)
    if initials and _is_bullet(body, initials.start()):
        initials = None
    if initials is None:
        initials = _BARE_NAME.search(body)
    if initials and initials.start() > 0:
        return initials.start()
    if agent_name and body.endswith(agent_name) and len(body) > len(agent_name):
        before = body[: -len(agent_name)]
        if before[-1:] in (" ", "\n", "-", "^", "~", "*", "—", "–"):
            return len(before.rstrip(" -^~*—–\n"))
    return None


def _split_at(body: str, tail: str, cut: int) -> tuple[str, str]:
    """Move body[cut:] to the tail, with the whitespace before it: edits never disturb it."""
    stripped = body[:cut].rstrip()
    return stripped, body[len(stripped) :] + tail


def split_draft(draft: str, lexicon: Lexicon, agent_name: str | None = None) -> Layout:
    """Cut `draft` into lead, body and tail."""
    lead_match = _LEAD.match(draft)
    lead = lead_match.group(0) if lead_match else ""
    lines = draft[len(lead) :].split("\n")
    end, has_signoff = _quote_and_signature(lines)
    body, tail = _split_at("\n".join(lines), "", len("\n".join(lines[:end])))
    # Initials come off first, so a sign-off we added never changes how the lines before
    # it read (a second pass must see the same closing lines as the first).
    cut = _signoff_at_end(body, agent_name)
    if cut is not None:
        body, tail = _split_at(body, tail, cut)
        has_signoff = True
    body_lines = body.split("\n")
    start, named, has_closing = _closing_start(body_lines, lexicon)
    if start < len(body_lines):
        body, tail = _split_at(body, tail, len("\n".join(body_lines[:start])))
        has_signoff = has_signoff or named
    return Layout(lead, body, tail, has_signoff, has_closing)
