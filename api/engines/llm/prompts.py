"""Load the Jinja2 prompt templates in prompts/templates, render them, and hash them.

Each action has a system and a user template (``<action>.system.j2``, ``<action>.user.j2``);
they extend shared bases so the safety rules are written once. The hash of every template
file is part of the rewrite cache key: edit a template and old cached answers stop matching.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from api.engines.language import LANGUAGE_NAMES
from api.types import ACTIONS, PRESET_DEFAULTS

# Words of the answer allowed per word of the draft, and the slack on top, per action. The
# templates tell the model the limit; api/engines/llm_checks.py enforces the same numbers.
LENGTH_LIMITS: dict[str, tuple[float, float, int]] = {
    # action: (min ratio, max ratio, extra words for greeting, acknowledgement and sign-off)
    "soften": (0.5, 2.0, 45),
    "shorten": (0.1, 1.0, 5),
    "simplify": (0.4, 2.0, 30),
    "formal": (0.5, 2.0, 45),
    "friendly": (0.5, 2.0, 45),
    "fix_grammar": (0.7, 1.3, 8),
    "translate": (0.4, 2.2, 15),
}

# Delimiter tags the data blocks use; a draft that writes them itself gets them defused.
_DATA_TAGS = re.compile(r"<\s*(/?)\s*(draft|customer_message)\s*>", re.IGNORECASE)



# Preset fields a template reads as they are (the rest are cleaned up in `template_context`).
_PRESET_FIELDS = ("warmth", "formality", "length", "reading_grade", "greeting_style")


def locale_name(locale: str | None) -> str:
    """'de-CH' -> 'German (de-CH)'; unknown codes are passed through as they are."""
    if not locale:
        return ""
    language = LANGUAGE_NAMES.get(re.split(r"[-_]", locale)[0].lower())
    return f"{language} ({locale})" if language else locale


def as_data(text: str | None) -> str:
    """Make text safe to place between our delimiter tags: it cannot close or open them."""
    return _DATA_TAGS.sub(lambda m: f"[{m.group(1)}{m.group(2).lower()}]", text or "")


def as_name(name: str | None) -> str:
    """A name as one short line: names come from the help desk page, which the customer
    controls, so they may not carry line breaks, delimiter tags or paragraphs of text."""
    return as_data(" ".join((name or "").split()))[:80]


def word_limits(action: str, draft_words: int) -> tuple[int, int]:
    """(fewest, most) words an answer to `action` may have for a draft of `draft_words`."""
    low, high, slack = LENGTH_LIMITS.get(action, LENGTH_LIMITS["soften"])
    fewest = max(1, int(draft_words * low) - 3) if draft_words > 6 else 1
    return fewest, int(draft_words * high) + slack


@dataclass(frozen=True)
class PromptMessages:
    system: str
    user: str

    def as_openai(self) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": self.system},
            {"role": "user", "content": self.user},
        ]


class PromptTemplates:
    """The templates of one prompts directory, loaded once and hashed once."""

    def __init__(self, templates_dir: Path) -> None:
        self.templates_dir = Path(templates_dir)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(self.templates_dir)),
            undefined=jinja2.StrictUndefined,  # a typo in a template fails loudly in tests
            autoescape=False,  # plain text for a model, not HTML  # noqa: S701
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            # Templates are read once, like their hash: an edit takes effect on restart, so
            # the cache key always matches the text actually sent.
            auto_reload=False,
        )
        self.env.filters["as_data"] = as_data
        self.env.filters["locale_name"] = locale_name
        missing = [
            name
            for action in ACTIONS
            for name in (f"{action}.system.j2", f"{action}.user.j2")
            if not (self.templates_dir / name).is_file()
        ]
        if missing:
            raise FileNotFoundError(f"Missing prompt templates in {templates_dir}: {missing}")
        # Compile every template now: a syntax error stops the start, not a request.
        for name in self.env.list_templates(extensions=["j2"]):
            self.env.get_template(name)
        self.fingerprint = self._hash()

    def _hash(self) -> str:
        digest = hashlib.sha256()
        for path in sorted(self.templates_dir.rglob("*.j2")):
            digest.update(path.relative_to(self.templates_dir).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
        return digest.hexdigest()[:16]

    def render(self, action: str, context: dict[str, Any]) -> PromptMessages:
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        system = self.env.get_template(f"{action}.system.j2").render(context)
        user = self.env.get_template(f"{action}.user.j2").render(context)
        return PromptMessages(system=system.strip() + "\n", user=user.strip() + "\n")

    def render_focus(self, context: dict[str, Any]) -> PromptMessages:
        """The short request of focused mode: rewrite these sentences of this reply."""
        system = self.env.get_template("focus.system.j2").render(context)
        user = self.env.get_template("focus.user.j2").render(context)
        return PromptMessages(system=system.strip() + "\n", user=user.strip() + "\n")

    def render_repair(self, problems: list[str], placeholders: list[str]) -> str:
        """The follow-up message of the one repair attempt after a rejected answer."""
        template = self.env.get_template("repair.user.j2")
        return template.render(problems=problems, placeholders=placeholders).strip() + "\n"


def prompt_context(
    *,
    action: str,
    draft: str,
    preset: dict[str, Any],
    channel: str,
    customer_name: str | None,
    agent_name: str | None,
    customer_message: str | None,
    target_locale: str | None,
    placeholders: list[str],
    draft_words: int,
    draft_language: str | None = None,
) -> dict[str, Any]:
    """Everything a template may use. `draft` and `customer_message` are already masked."""
    fewest, most = word_limits(action, draft_words)
    customer_name, agent_name = as_name(customer_name), as_name(agent_name)
    filled = {**PRESET_DEFAULTS, **preset}
    signoff = (filled["signoff"] or "").replace("{agent_name}", agent_name).strip()
    return {
        "action": action,
        "draft": draft,
        "customer_message": customer_message or "",
        "customer_name": customer_name or "",
        "agent_name": agent_name or "",
        "channel": channel,
        "target_locale": target_locale or "",
        "placeholders": placeholders,
        # A draft not in English gets the team's sign-off in its own language.
        "signoff_translated": action == "translate" or draft_language not in (None, "en"),
        "min_words": fewest,
        "max_words": most,
        "preset": {
            "name": preset.get("name") or preset.get("slug", ""),
            **{name: filled[name] for name in _PRESET_FIELDS},
            "signoff": signoff,
            "banned_phrases": list(filled["banned_phrases"] or []),
            "required_phrases": list(filled["required_phrases"] or []),
            "glossary": list(filled["glossary"] or []),
            "guidance": (filled["guidance"] or "").strip(),
        },
    }
