"""What a rewrite spent on model calls, and what admission reserves for it beforehand.

Engines report the real usage of every model call they made, rejected answers and repairs
included, as `model_usage` ({"prompt_tokens", "completion_tokens", "calls"}) on their result
(or on the EngineError they raise). An engine that reports none is read from its
`tokens_in`/`tokens_out`, unless it runs in-process (the offline engine): that spends no
model tokens and uses no model budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.engines import Engine
from api.types import EngineResult, RewriteJob

OFFLINE = "offline"
# Tokens reserved per request before a model call: about 4 characters a token for what is
# sent (draft, context, guidance) and for the answer, plus the instructions around them.
_CHARS_PER_TOKEN = 4
_PROMPT_OVERHEAD_TOKENS = 600


def reservation(job: RewriteJob, engine: Engine) -> int:
    """Model tokens to reserve for `job` on `engine` at admission (0 for the offline engine)."""
    if engine.name == OFFLINE:
        return 0
    preset = job.preset or {}
    sent = sum(
        len(text or "")
        for text in (
            job.draft,
            job.customer_message,
            job.customer_name,
            job.agent_name,
            str(preset.get("guidance") or ""),
        )
    )
    draft_tokens = -(-len(job.draft) // _CHARS_PER_TOKEN)
    return -(-sent // _CHARS_PER_TOKEN) + draft_tokens + _PROMPT_OVERHEAD_TOKENS


@dataclass
class Spend:
    """Model tokens and calls summed over every engine attempt of one rewrite."""

    model: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0

    def add(self, outcome: Any) -> Any:
        """Count what an engine result (or EngineError) spent; returns `outcome`."""
        usage = model_usage(outcome)
        self.prompt_tokens += usage["prompt_tokens"]
        self.completion_tokens += usage["completion_tokens"]
        self.calls += usage["calls"]
        return outcome

    def as_usage(self) -> dict[str, Any]:
        """The `usage` of a rewrite answer (tokens_in/out are model tokens only)."""
        usage: dict[str, Any] = {
            "tokens_in": self.prompt_tokens,
            "tokens_out": self.completion_tokens,
            "model_calls": self.calls,
        }
        if self.calls:
            usage["model"] = self.model
        return usage


def model_usage(outcome: Any) -> dict[str, int]:
    """The model usage an engine reported on its result or error; none when it ran no model."""
    reported = getattr(outcome, "model_usage", None)
    if reported is not None:
        read = reported.get if isinstance(reported, dict) else _attr_getter(reported)
        return {
            "prompt_tokens": int(read("prompt_tokens") or 0),
            "completion_tokens": int(read("completion_tokens") or 0),
            "calls": int(read("calls") or 0),
        }
    if isinstance(outcome, EngineResult) and outcome.engine != OFFLINE:
        spent = (outcome.tokens_in or 0) + (outcome.tokens_out or 0)
        return {
            "prompt_tokens": int(outcome.tokens_in or 0),
            "completion_tokens": int(outcome.tokens_out or 0),
            "calls": 1 if spent else 0,
        }
    return {"prompt_tokens": 0, "completion_tokens": 0, "calls": 0}


def _attr_getter(obj: Any) -> Any:
    return lambda name: getattr(obj, name, 0)
