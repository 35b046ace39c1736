"""Split a draft into the part the offline engine may edit and the parts it must keep verbatim.

A draft is: leading @handles (Twitter addressing), the body, then an optional tail made of a
sign-off ("Thanks,\\nJen", "-AA", "^JK"), a "--" signature block and quoted earlier mail
("On ... wrote:", "> ..."). Only the body is edited; the rest is copied back untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from api.lexicon import Lexicon

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


def _closing_line(line: str, lexicon: Lexicon) -> tuple[bool, bool]:
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


def _tail_start(lines: list[str], lexicon: Lexicon) -> tuple[int, bool, bool]:
    """Index of the first tail line (len(lines) when there is none), has_signoff, closing."""
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
    has_signoff = False
    for index in range(end):
        if _SIGNATURE_RULE.match(lines[index]) and index > 0:
            end, has_signoff = index, True
            break
    # A closing line near the end, followed by at most three short name/title lines.
    filled = [i for i in range(end) if lines[i].strip()]
    for index in filled[-4:]:
        closing, named = _closing_line(lines[index], lexicon)
        after = [i for i in filled if i > index]
        if not closing or len(after) > 3:
            continue
        if all(len(lines[i].split()) <= 6 and lines[i].rstrip()[-1:] not in "?." for i in after):
            if index == filled[0]:
                return end, has_signoff, True  # nothing before it: the closing is the reply
            return index, has_signoff or named or bool(after), True
    return end, has_signoff, False


def _is_bullet(text: str, start: int) -> bool:
    """A "- Item" line at the end of a list is not a sign-off."""
    at_line_start = start == 0 or text[start - 1] == "\n"
    return at_line_start and text[start : start + 2] in ("- ", "* ", "• ")


def split_draft(draft: str, lexicon: Lexicon, agent_name: str | None = None) -> Layout:
    """Cut `draft` into lead, body and tail."""
    lead_match = _LEAD.match(draft)
    lead = lead_match.group(0) if lead_match else ""
    rest = draft[len(lead) :]
    lines = rest.split("\n")
    start, has_signoff, has_closing = _tail_start(lines, lexicon)
    body = "\n".join(lines[:start])
    tail = "\n".join(lines[start:])
    if start < len(lines):
        tail = "\n" + tail
    # Whitespace between body and tail belongs to the tail, so edits never disturb it.
    stripped = body.rstrip()
    tail = body[len(stripped) :] + tail
    body = stripped
    initials = _INITIALS.search(body)
    if initials and _is_bullet(body, initials.start()):
        initials = None
    if initials is None:
        initials = _BARE_NAME.search(body)
    if initials and initials.start() > 0:
        cut = initials.start()
        while cut > 0 and body[cut - 1] in " \t\n":
            cut -= 1
        body, tail = body[:cut], body[cut:] + tail
        has_signoff = True
    elif agent_name and body.endswith(agent_name) and len(body) > len(agent_name):
        before = body[: -len(agent_name)]
        if before[-1:] in (" ", "\n", "-", "^", "~", "*", "—", "–"):
            cut = len(before.rstrip(" -^~*—–\n"))
            body, tail = body[:cut], body[cut:] + tail
            has_signoff = True
    return Layout(lead, body, tail, has_signoff, has_closing)
