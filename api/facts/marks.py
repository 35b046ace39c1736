"""Rich drafts: sanitized HTML in, plain text plus inline marks for the engines, and the rewrite
back as sanitized HTML with every mark on the words it covered.

A draft sent with ``format: "html"`` is sanitized (nh3: no script, no event handlers, no
``javascript:`` links), then read as text the engines already understand: paragraphs are
separated by a blank line, ``<br>`` and ``<div>`` lines by one newline, list items become
``- item`` / ``1. item`` lines and quoted blocks ``> line``. Bold, italic, underline, code and
links become *marks* over that text. Every marked run (joined with touching marks and with the
facts it overlaps) is a protected span, so the engines keep it verbatim like a fact; a link's
href is a fact the guard checks: a link whose words can't be found again is a fact failure.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import replace
from html import escape

from api.facts.html_text import Mark, Region, RichDraft, read_html, sanitize
from api.types import FactCheck, Span

__all__ = ["Mark", "RichDraft", "check_marks", "protect", "read_html", "rich_output", "sanitize"]

# The tag each mark is written back as; the order is the nesting order (outermost first).
MARK_TAGS = {"link": "a", "bold": "strong", "italic": "em", "underline": "u", "code": "code"}
_BULLET = re.compile(r"^[-*•] ")
_NUMBERED = re.compile(r"^\d{1,3}[.)] ")
_QUOTED = re.compile(r"^> ?")


def _union(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching ranges joined, sorted."""
    joined: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    return joined


def protect(rich: RichDraft, facts: list[Span]) -> tuple[RichDraft, list[Span]]:
    """The draft's protected spans: each marked run joined with touching marks and the facts it
    overlaps becomes one span of kind "mark"; other facts stay as they are."""
    def overlaps(span: Span, run: tuple[int, int]) -> bool:
        return span.start < run[1] and run[0] < span.end

    joined = _union([(m.start, m.end) for m in rich.marks])
    while True:  # a fact reaching past a run can join it to the next run
        grown = _union(joined + [(f.start, f.end) for f in facts
                                 if any(overlaps(f, run) for run in joined)])
        if grown == joined:
            break
        joined = grown
    spans = [f for f in facts if not any(overlaps(f, run) for run in joined)]
    regions = []
    for start, end in joined:
        inside = tuple(
            replace(m, start=m.start - start, end=m.end - start)
            for m in rich.marks if start <= m.start and m.end <= end
        )
        glued = (start > 0 and rich.text[start - 1].isalnum(),
                 end < len(rich.text) and rich.text[end].isalnum())
        regions.append(Region(start, end, rich.text[start:end], inside, glued))
        spans.append(Span("mark", rich.text[start:end], start, end))
    spans.sort(key=lambda span: span.start)
    return replace(rich, regions=tuple(regions)), spans


# -- back to HTML ----------------------------------------------------------------------------

_WORD = re.compile(r"\S+")


def _expected_positions(draft: str, rewrite: str) -> dict[int, int]:
    """Draft word start -> rewrite word start, for words the two texts share in order."""
    a = [(m.start(), m.group()) for m in _WORD.finditer(draft)]
    b = [(m.start(), m.group()) for m in _WORD.finditer(rewrite)]
    matcher = difflib.SequenceMatcher(None, [w for _, w in a], [w for _, w in b], autojunk=False)
    mapping: dict[int, int] = {}
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            mapping[a[block.a + k][0]] = b[block.b + k][0]
    return mapping


def _occurrences(text: str, needle: str, glued: tuple[bool, bool]) -> list[int]:
    """Where `needle` stands in `text` as whole words (not glued to a letter or digit, unless
    `glued` says the draft had it so on that side)."""
    found = []
    start = text.find(needle)
    while start != -1:
        end = start + len(needle)
        left_ok = glued[0] or start == 0 or not (text[start - 1].isalnum() and needle[0].isalnum())
        right_ok = glued[1] or end == len(text) or not (
            text[end].isalnum() and needle[-1].isalnum()
        )
        if left_ok and right_ok:
            found.append(start)
        start = text.find(needle, start + 1)
    return found


def place_marks(rich: RichDraft, rewrite: str) -> tuple[list[Mark], list[Region]]:
    """The draft's marks moved onto the rewrite, and the regions that could not be found."""
    expected = _expected_positions(rich.text, rewrite) if rich.regions else {}
    taken: list[tuple[int, int]] = []
    placed: list[Mark] = []
    lost: list[Region] = []
    for region in rich.regions:
        guess = expected.get(region.start)
        if guess is None:
            guess = round(region.start * len(rewrite) / max(1, len(rich.text)))
        free = [
            s for s in _occurrences(rewrite, region.text, region.glued)
            if all(s + len(region.text) <= a or b <= s for a, b in taken)
        ]
        if not free:
            lost.append(region)
            continue
        start = min(free, key=lambda s: abs(s - guess))
        taken.append((start, start + len(region.text)))
        placed += [replace(m, start=m.start + start, end=m.end + start) for m in region.marks]
    return sorted(placed, key=lambda m: (m.start, -m.end, m.kind)), lost


def _inline(text: str, start: int, end: int, marks: list[Mark]) -> str:
    """HTML for text[start:end] with the marks that fall in it, nested with few splits."""
    inside = [
        replace(m, start=max(m.start, start), end=min(m.end, end))
        for m in marks if m.start < end and start < m.end
    ]
    cuts = sorted({start, end, *(m.start for m in inside), *(m.end for m in inside)})
    order = list(MARK_TAGS)
    stack: list[Mark] = []
    html: list[str] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        active = [m for m in inside if m.start <= a and b <= m.end]
        keep = 0
        while keep < len(stack) and stack[keep] in active:
            keep += 1
        for mark in reversed(stack[keep:]):
            html.append(f"</{MARK_TAGS[mark.kind]}>")
        del stack[keep:]
        for mark in sorted((m for m in active if m not in stack),
                           key=lambda m: (-m.end, order.index(m.kind))):
            tag = MARK_TAGS[mark.kind]
            href = f' href="{escape(mark.href or "", quote=True)}"' if mark.kind == "link" else ""
            html.append(f"<{tag}{href}>")
            stack.append(mark)
        html.append(escape(text[a:b], quote=False).replace("\n", "<br>"))
    for mark in reversed(stack):
        html.append(f"</{MARK_TAGS[mark.kind]}>")
    return "".join(html)


def _lines(block: str, offset: int) -> list[tuple[int, int]]:
    spans, position = [], offset
    for line in block.split("\n"):
        spans.append((position, position + len(line)))
        position += len(line) + 1
    return spans


def render_html(text: str, marks: list[Mark]) -> str:
    """The text as HTML blocks (paragraphs, lists, quotes) with the marks on their words."""
    parts: list[str] = []
    position = 0
    for block in text.split("\n\n"):
        start = position
        position += len(block) + 2
        if not block.strip():
            continue
        lines = _lines(block, start)
        raw = block.split("\n")
        for pattern, tag in ((_BULLET, "ul"), (_NUMBERED, "ol")):
            if all(pattern.match(line) for line in raw):
                items = "".join(
                    f"<li>{_inline(text, a + pattern.match(line).end(), b, marks)}</li>"
                    for (a, b), line in zip(lines, raw, strict=True)
                )
                parts.append(f"<{tag}>{items}</{tag}>")
                break
        else:
            if all(_QUOTED.match(line) for line in raw):
                inner = "<br>".join(
                    _inline(text, a + _QUOTED.match(line).end(), b, marks)
                    for (a, b), line in zip(lines, raw, strict=True)
                )
                parts.append(f"<blockquote><p>{inner}</p></blockquote>")
            else:
                parts.append(f"<p>{_inline(text, start, start + len(block), marks)}</p>")
    return sanitize("".join(parts))


def check_marks(rich: RichDraft, rewrite: str, check: FactCheck) -> FactCheck:
    """The fact guard's verdict with the marked runs and link hrefs added as facts: a run the
    rewrite lost (and the href of a link in it) is missing."""
    _, lost = place_marks(rich, rewrite)
    texts = [region.text for region in rich.regions]
    lost_hrefs = [m.href for region in lost for m in region.marks if m.kind == "link" and m.href]
    facts = list(dict.fromkeys([*check.facts, *texts, *rich.hrefs]))
    missing = list(dict.fromkeys([*check.missing, *(r.text for r in lost), *lost_hrefs]))
    return FactCheck(facts=facts, missing=missing, invented=check.invented)


_EXTRA_BREAKS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


def rich_output(rich: RichDraft, rewrite: str) -> dict[str, str]:
    """The response fields of a rich rewrite: the HTML, the plain text and the format."""
    # A paragraph break is one blank line in HTML's reading, and blank lines at either end are
    # nothing (a sentence the engine took out of the last paragraph left one): say the text
    # the same way.
    rewrite = _EXTRA_BREAKS.sub("\n\n", rewrite).strip()
    placed, _ = place_marks(rich, rewrite)
    return {"rewrite": render_html(rewrite, placed), "rewrite_text": rewrite, "format": "html"}
