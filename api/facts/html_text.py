"""Rich drafts in: sanitized HTML read as plain text (paragraphs a blank line apart, ``<br>``
and ``<div>`` lines one newline apart, ``- item`` / ``1. item`` list lines, ``> `` quoted lines)
plus inline marks (bold, italic, underline, code, links with their href) over that text."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS = {
    "p", "div", "br", "span", "strong", "b", "em", "i", "u", "code", "a",
    "ul", "ol", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6",
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
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
                if self.lists:  # only an item with words takes a number
                    self.lists[-1][1] += 1
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
            # A list item with no words yet (an editor's empty item, <li><br></li>) is not a
            # blank line: it would split the list into two paragraphs.
            if self.pending_item is not None:
                return
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
