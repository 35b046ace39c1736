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
import unicodedata
from dataclasses import dataclass, field, replace
from html import escape
from html.parser import HTMLParser

import nh3

from api.types import FactCheck, Span

ALLOWED_TAGS = {
    "p", "div", "br", "span", "strong", "b", "em", "i", "u", "code", "a",
    "ul", "ol", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6",
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# The tag each mark is written back as; the order is the nesting order (outermost first).
MARK_TAGS = {"link": "a", "bold": "strong", "italic": "em", "underline": "u", "code": "code"}
_MARK_OF_TAG = {
    "strong": "bold", "b": "bold", "em": "italic", "i": "italic", "u": "underline",
    "code": "code", "a": "link",
}
# Blocks that end a paragraph (a blank line) and blocks that end a line (one newline).
_PARAGRAPH_TAGS = {"p", "ul", "ol", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"}
_LINE_TAGS = {"div", "li"}
# Placeholders editors put in empty lines or around inline nodes; never part of the draft.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u2060\ufeff"))
_SPACE = re.compile(r"[ \t\n\r\f\u00a0]+")
_BULLET = re.compile(r"^[-*•] ")
_NUMBERED = re.compile(r"^\d{1,3}[.)] ")
_QUOTED = re.compile(r"^> ?")


@dataclass(frozen=True)
class Mark:
    """An inline mark over [start, end) of a text; `href` only for links."""

    kind: str  # bold, italic, underline, code, link
    start: int
    end: int
    href: str | None = None


@dataclass(frozen=True)
class Region:
    """A run of the draft that must come back verbatim, with the marks inside it (offsets
    relative to the region's start)."""

    start: int
    end: int
    text: str
    marks: tuple[Mark, ...]
    # Whether the draft has a letter or digit right before / after the run (then the rewrite
    # may too; otherwise the run must stand as whole words).
    glued: tuple[bool, bool] = (False, False)


@dataclass(frozen=True)
class RichDraft:
    """A sanitized HTML draft read as text and marks."""

    text: str
    marks: tuple[Mark, ...]
    regions: tuple[Region, ...] = field(default=())

    @property
    def hrefs(self) -> list[str]:
        return list(dict.fromkeys(m.href for m in self.marks if m.kind == "link" and m.href))

    def key(self) -> list[list[object]]:
        """What, beyond the text, makes the rewrite of this draft differ (for cache keys)."""
        return [[m.kind, m.start, m.end, m.href] for m in self.marks]


def sanitize(html: str) -> str:
    """Only the tags and attributes a reply needs; links only to http(s), mailto and tel."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


class _Reader(HTMLParser):
    """Walks sanitized HTML and writes text, marks and line prefixes as it goes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.length = 0
        self.marks: list[Mark] = []
        self.open: list[list] = []  # [kind, href, start or None, tag]
        self.lists: list[list] = []  # [tag, next number]
        self.quote_depth = 0
        self.pending_item: str | None = None

    # -- text ----------------------------------------------------------------------------
    def _tail(self, count: int) -> str:
        pieces: list[str] = []
        have = 0
        for piece in reversed(self.out):
            pieces.append(piece)
            have += len(piece)
            if have >= count:
                break
        return "".join(reversed(pieces))[-count:]

    def _append(self, text: str) -> None:
        self.out.append(text)
        self.length += len(text)

    def _at_line_start(self) -> bool:
        return self.length == 0 or self._tail(1) == "\n"

    def handle_data(self, data: str) -> None:
        text = _SPACE.sub(" ", data.translate(_INVISIBLE))
        if not text:
            return
        if self._at_line_start() or self._tail(1) == " ":
            text = text.lstrip(" ")
        if not text:
            return
        if self._at_line_start():
            self._append("> " * self.quote_depth)
            if self.pending_item is not None:
                self._append(self.pending_item)
                self.pending_item = None
        for entry in self.open:
            if entry[2] is None:
                entry[2] = self.length
        self._append(text)

    def _trim_spaces(self) -> None:
        text = "".join(self.out)
        trimmed = text.rstrip(" ")
        if len(trimmed) != len(text):
            self.out = [trimmed]
            self.length = len(trimmed)

    def _break(self, count: int) -> None:
        """End the line (count=1) or the paragraph (count=2); marks reopen after the break."""
        self._trim_spaces()
        self._close_open_marks()
        if not self.length:
            return
        have = len(self._tail(2)) - len(self._tail(2).rstrip("\n"))
        if have < count:
            self._append("\n" * (count - have))

    def _close_open_marks(self) -> None:
        for entry in self.open:
            if entry[2] is not None:
                self._add_mark(entry[0], entry[2], self.length, entry[1])
                entry[2] = None

    def _add_mark(self, kind: str, start: int, end: int, href: str | None) -> None:
        text = "".join(self.out)
        while start < end and text[start] in " \n":
            start += 1
        while end > start and text[end - 1] in " \n":
            end -= 1
        if end > start:
            self.marks.append(Mark(kind, start, end, href))

    # -- tags ----------------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._trim_spaces()
            if self.length and self._tail(2) != "\n\n":
                self._close_open_marks()
                self._append("\n")
            return
        if tag in _PARAGRAPH_TAGS or tag in _LINE_TAGS:
            self._break(self._gap(tag))
        if tag in ("ul", "ol"):
            self.lists.append([tag, 1])
        elif tag == "li":
            kind, number = self.lists[-1] if self.lists else ("ul", 1)
            self.pending_item = "- " if kind == "ul" else f"{number}. "
            if self.lists:
                self.lists[-1][1] += 1
        elif tag == "blockquote":
            self.quote_depth += 1
        mark = _MARK_OF_TAG.get(tag)
        if mark == "link":
            href = dict(attrs).get("href")
            if not href:
                mark = None
            else:
                self.open.append([mark, href.strip(), None, tag])
        elif mark:
            self.open.append([mark, None, None, tag])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _MARK_OF_TAG:
            for index in range(len(self.open) - 1, -1, -1):
                if self.open[index][3] == tag:
                    kind, href, start, _ = self.open.pop(index)
                    if start is not None:
                        self._add_mark(kind, start, self.length, href)
                    break
            return
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag == "blockquote" and self.quote_depth:
            self.quote_depth -= 1
        if tag in _PARAGRAPH_TAGS or tag in _LINE_TAGS:
            if tag == "li":
                self.pending_item = None
            self._break(self._gap(tag))

    def _gap(self, tag: str) -> int:
        """Newlines a block needs around it: inside a list everything is one line apart."""
        return 2 if tag in _PARAGRAPH_TAGS and not self.lists else 1

    def finish(self) -> tuple[str, list[Mark]]:
        self.close()
        self._trim_spaces()
        self._close_open_marks()
        text = "".join(self.out)
        end = len(text.rstrip("\n "))
        marks = [replace(m, end=min(m.end, end)) for m in self.marks if m.start < end]
        return text[:end], _merge_same(marks)


def _merge_same(marks: list[Mark]) -> list[Mark]:
    """Touching or overlapping marks of one kind (and one href) become one mark."""
    merged: list[Mark] = []
    for mark in sorted(marks, key=lambda m: (m.kind, m.href or "", m.start, m.end)):
        last = merged[-1] if merged else None
        if last and (last.kind, last.href) == (mark.kind, mark.href) and mark.start <= last.end:
            merged[-1] = replace(last, end=max(last.end, mark.end))
        else:
            merged.append(mark)
    return sorted(merged, key=lambda m: (m.start, -m.end, m.kind))


def read_html(html: str) -> RichDraft:
    """Sanitize `html` and read it as text and marks (the regions are made by `protect`)."""
    reader = _Reader()
    reader.feed(sanitize(unicodedata.normalize("NFC", html)))
    text, marks = reader.finish()
    return RichDraft(text=text, marks=tuple(marks))


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


def rich_output(rich: RichDraft, rewrite: str) -> dict[str, str]:
    """The response fields of a rich rewrite: the HTML, the plain text and the format."""
    placed, _ = place_marks(rich, rewrite)
    return {"rewrite": render_html(rewrite, placed), "rewrite_text": rewrite, "format": "html"}
