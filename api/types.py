"""Plain data passed between the rewrite pipeline, the engines and the fact guard."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ACTIONS = ("soften", "shorten", "simplify", "formal", "friendly", "fix_grammar", "translate")
CHANNELS = ("email", "chat", "social")
# Key roles, weakest first: each may do what the ones before it may.
ROLES = ("agent", "team_admin", "admin")
# A team id (and a preset slug in a request): lower-case letters, digits, '-' and '_'.
TEAM_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"

# Every preset carries these fields; a stored preset missing one (older data) gets the default.
PRESET_DEFAULTS: dict[str, Any] = {
    "name": "",
    "description": "",
    "warmth": 60,
    "formality": 50,
    "length": "same",
    "reading_grade": 8,
    "greeting_style": "first_name",
    "signoff": "",
    "banned_phrases": [],
    "required_phrases": [],
    "glossary": [],
    "guidance": "",
    "default_action": "soften",
    "default_channel": "email",
}


@dataclass(frozen=True)
class Span:
    """A protected piece of the draft that must survive any rewrite verbatim."""

    kind: str  # number, amount, date, time, url, email, phone, id, quote, code, mention
    text: str
    start: int
    end: int


@dataclass
class RewriteJob:
    """Everything an engine needs to rewrite one draft."""

    draft: str
    action: str = "soften"
    channel: str = "email"
    customer_name: str | None = None
    agent_name: str | None = None
    customer_message: str | None = None
    target_locale: str | None = None
    preset: dict[str, Any] = field(default_factory=dict)
    spans: list[Span] = field(default_factory=list)
    # A draft sent as HTML: api.facts.marks.RichDraft (text above is its plain text).
    rich: Any = None


@dataclass
class EngineResult:
    """What an engine returns: the text plus what it changed and why."""

    text: str
    engine: str
    model: str
    changes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)  # ids of rules that fired (for eval)
    tokens_in: int = 0
    tokens_out: int = 0
    upstream_request_id: str | None = None
    # Why earlier answers (e.g. the language model's, before a repair or a fallback) were
    # rejected, in plain words; reported in `checks.rejected`.
    rejected: list[str] = field(default_factory=list)
    # What the model calls behind this result really used, rejected answers and repairs
    # included: {"prompt_tokens", "completion_tokens", "calls"}; None when no model was asked.
    model_usage: dict[str, int] | None = None
    # The fact guard's verdict on `text` when the engine already ran it with the pipeline's
    # own inputs (draft, known context, preset text): the pipeline then doesn't run it again.
    fact_check: FactCheck | None = None


@dataclass
class FactCheck:
    """The fact guard's verdict on one rewrite."""

    facts: list[str]
    missing: list[str]
    invented: list[str]

    @property
    def passed(self) -> bool:
        return not self.missing and not self.invented

    def as_dict(self) -> dict[str, Any]:
        return {
            "facts": self.facts,
            "missing": self.missing,
            "invented": self.invented,
            "passed": self.passed,
        }
