"""Turn a preset dict and an action into the few knobs the offline engine actually reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LEVEL_WORDS = {"low": 20, "medium": 60, "mid": 60, "normal": 60, "high": 85}
DEFAULT_WARMTH = 60
DEFAULT_FORMALITY = 40
LENGTHS = ("shorter", "same", "longer")
# Actions that add greetings, acknowledgements and closings; the others only reword.
ADDING_ACTIONS = frozenset({"soften", "friendly", "formal"})
SUPPORTED_ACTIONS = frozenset({"soften", "friendly", "formal", "simplify", "shorten"})


def _level(value: Any, default: int) -> int:
    """0..100 from an int, a numeric string or low/medium/high; anything else is the default."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int | float):
        return max(0, min(100, int(value)))
    if isinstance(value, str):
        word = value.strip().lower()
        if word in LEVEL_WORDS:
            return LEVEL_WORDS[word]
        try:
            return max(0, min(100, int(float(word))))
        except ValueError:
            return default
    return default


def _phrases(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return ()
    return tuple(p.strip() for p in value if isinstance(p, str) and p.strip())


@dataclass(frozen=True)
class Settings:
    """What the preset and action ask of one rewrite."""

    action: str
    warmth: int = DEFAULT_WARMTH
    formality: int = DEFAULT_FORMALITY
    length: str = "same"
    greeting_style: str = "first_name"
    signoff: str | None = None  # None: the register's default; "": no sign-off
    banned: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    glossary: tuple[str, ...] = ()
    voice: str = "warm"  # warm, apologetic, formal, concise or plain: see `_voice`

    @property
    def adds(self) -> bool:
        """Whether this action adds greeting, acknowledgement, closing and sign-off."""
        return self.action in ADDING_ACTIONS

    @property
    def register(self) -> str:
        """Which phrase bank column to use: formal, warm or plain."""
        if self.formality > 66:
            return "formal"
        return "warm" if self.warmth > 66 else "plain"

    @property
    def caring(self) -> bool:
        """Low warmth keeps to the point: no acknowledgement, apology or help offer."""
        return self.warmth >= 34

    @property
    def expands_contractions(self) -> bool:
        return self.formality >= 80


def settings_for(action: str, preset: dict[str, Any] | None) -> Settings:
    """Read the preset fields the offline engine honours, then let the action nudge them."""
    preset = preset or {}
    warmth = _level(preset.get("warmth"), DEFAULT_WARMTH)
    formality = _level(preset.get("formality"), DEFAULT_FORMALITY)
    length = str(preset.get("length") or "same").strip().lower()
    if length not in LENGTHS:
        length = "same"
    if action == "friendly":
        warmth, formality = max(warmth, 80), min(formality, 30)
    elif action == "formal":
        formality = max(formality, 85)
    elif action == "shorten":
        length = "shorter"
    signoff = preset.get("signoff")
    voice = _voice(preset, action, formality, length)
    return Settings(
        voice=voice,
        action=action,
        warmth=warmth,
        formality=formality,
        length=length,
        greeting_style=str(preset.get("greeting_style") or "first_name").strip().lower(),
        signoff=signoff if isinstance(signoff, str) else None,
        banned=_phrases(preset.get("banned_phrases")),
        required=_phrases(preset.get("required_phrases")),
        glossary=_phrases(preset.get("glossary")),
    )


def _voice(preset: dict[str, Any], action: str, formality: int, length: str) -> str:
    """How the preset wants replies to sound, beyond its numbers: a preset that asks for
    apologies (by name or in its guidance) apologises early; a formal one drops casual
    openers; a short one adds nothing; a plain-language one keeps to plain words."""
    words = " ".join(
        str(preset.get(key) or "") for key in ("slug", "name", "description", "guidance")
    ).lower()
    if "apolog" in words:
        return "apologetic"
    if formality >= 80 or action == "formal":
        return "formal"
    if length == "shorter":
        return "concise"
    grade = preset.get("reading_grade")
    if "plain" in words or (isinstance(grade, int) and grade <= 5):
        return "plain"
    return "warm"
