"""The state of one offline rewrite in progress, and how phrase-bank entries are chosen."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from api.engines.offline.reading import pick
from api.engines.offline.settings import Settings
from api.tone.lexicon import Lexicon
from api.tone.rules import RuleBook
from api.types import RewriteJob


@dataclass
class Work:
    """One rewrite in progress: its inputs and what has been done so far."""

    job: RewriteJob
    lexicon: Lexicon
    settings: Settings
    lowercase_text: bool = False
    seed: str = ""
    shortest: bool = False  # pick the shortest phrasing (length-limited posts)
    active: set[str] = field(default_factory=set)  # phrase tables that match somewhere
    blocks: frozenset[str] = frozenset()  # placeholders that stand for quoted or code lines
    unshield: Callable[[str], str] = str  # puts the facts back into shielded text
    book: RuleBook | None = None  # harsh-wording rules of the draft's language
    asked: bool = False  # an instruction was already turned into a question
    in_list: bool = False  # the line being reworded is a list item
    changes: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def note(self, rule: str, message: str) -> None:
        if rule not in self.rules:
            self.rules.append(rule)
        if message not in self.changes:
            self.changes.append(message)


def allowed(work: Work, options: list[str]) -> list[str]:
    """Phrase-bank options minus any that hold a banned phrase."""
    banned = [b.lower() for b in work.settings.banned]
    return [o for o in options if not any(b in o.lower() for b in banned)]


def choose(work: Work, bank: dict[str, list[str]], slot: str) -> str | None:
    """One phrasing from `bank` for the preset's register: stable per draft, varied across."""
    register = work.settings.register
    options = allowed(work, bank.get(register) or bank.get("plain") or [])
    if work.shortest and options:
        return min(options, key=len)
    return pick(options, work.seed, slot)
