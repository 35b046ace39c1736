"""One Config class: every setting, read from the environment with a safe default."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PROMPTS_DIR = REPO_ROOT / "prompts"
DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1"


class ConfigError(ValueError):
    """A setting Kindly can't use; the message names the variable and what it expects."""


def _env_number(name: str, default: float, kind: type, expected: str) -> Any:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not valid: expected {expected}.") from None
    if value < 0 or value != value or value == float("inf"):
        raise ConfigError(f"{name}={raw!r} is not valid: expected {expected}, 0 or more.")
    return value


def _env_int(name: str, default: int) -> int:
    return int(_env_number(name, default, int, "a whole number"))


def _env_float(name: str, default: float) -> float:
    return float(_env_number(name, default, float, "a number"))


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def cors_origin_patterns(origins: list[str]) -> list[str | re.Pattern[str]]:
    """KINDLY_CORS_ORIGINS entries as flask-cors matchers that must match the WHOLE origin.

    flask-cors tests regexes with `re.match`, which only anchors the start: unanchored,
    "https://.*\\.zendesk\\.com" would also let in "https://x.zendesk.com.evil.example".
    Entries without regex characters stay literal (exact, case-insensitive) origins, and a
    lone "*" keeps its flask-cors meaning (any origin).
    """
    patterns: list[str | re.Pattern[str]] = []
    for origin in origins:
        if origin != "*" and any(ch in origin for ch in "*\\[]()?$^+{}|"):
            patterns.append(re.compile(rf"(?:{origin})\Z", re.IGNORECASE))
        else:
            patterns.append(origin)
    return patterns


class Config:
    """Settings for one Kindly process. Tests pass overrides to create_app(config)."""

    def __init__(self) -> None:
        self.REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
        # Short timeouts: a Redis outage must degrade features, never hang a request.
        self.KINDLY_REDIS_TIMEOUT = _env_float("KINDLY_REDIS_TIMEOUT", 0.25)
        # A Redis Cluster: set to 1, or give REDIS_URL as redis+cluster://host:port (any node).
        self.KINDLY_REDIS_CLUSTER = os.environ.get("KINDLY_REDIS_CLUSTER", "")
        self.KINDLY_ENGINE = os.environ.get("KINDLY_ENGINE", "auto")
        self.OPENAI_API_KEY = os.environ.get("OPENAI_API_KEY") or None
        self.OPENAI_BASE_URL = os.environ.get("OPENAI_BASE_URL") or None
        self.KINDLY_MODEL = os.environ.get("KINDLY_MODEL", "gpt-4o-mini")
        self.KINDLY_LLM_TIMEOUT = _env_float("KINDLY_LLM_TIMEOUT", 20.0)  # read, per attempt
        self.KINDLY_LLM_CONNECT_TIMEOUT = _env_float("KINDLY_LLM_CONNECT_TIMEOUT", 3.0)
        self.KINDLY_LLM_MAX_RETRIES = _env_int("KINDLY_LLM_MAX_RETRIES", 1)
        # A 429 asking us to wait longer than this goes straight to the offline engine.
        self.KINDLY_LLM_RETRY_AFTER_MAX = _env_float("KINDLY_LLM_RETRY_AFTER_MAX", 2.0)
        self.KINDLY_LLM_BREAKER_FAILURES = _env_int("KINDLY_LLM_BREAKER_FAILURES", 5)
        self.KINDLY_LLM_BREAKER_COOLDOWN = _env_float("KINDLY_LLM_BREAKER_COOLDOWN", 30.0)
        self.KINDLY_LLM_TEMPERATURE = _env_float("KINDLY_LLM_TEMPERATURE", 0.3)
        self.KINDLY_LLM_MAX_TOKENS = _env_int("KINDLY_LLM_MAX_TOKENS", 4096)
        # "full": the model rewrites the whole draft; "focused": only the sentences the tone
        # analyser flags go to the model, the rest is the offline rewrite.
        self.KINDLY_LLM_MODE = os.environ.get("KINDLY_LLM_MODE", "full")
        # Azure OpenAI, used instead of OPENAI_BASE_URL when the endpoint is set.
        self.AZURE_OPENAI_ENDPOINT = os.environ.get("AZURE_OPENAI_ENDPOINT") or None
        self.AZURE_OPENAI_API_KEY = os.environ.get("AZURE_OPENAI_API_KEY") or None
        self.AZURE_OPENAI_DEPLOYMENT = os.environ.get("AZURE_OPENAI_DEPLOYMENT") or None
        self.OPENAI_API_VERSION = os.environ.get("OPENAI_API_VERSION", "2024-10-21")
        self.KINDLY_CACHE_TTL = _env_int("KINDLY_CACHE_TTL", 7 * 24 * 3600)
        self.KINDLY_LOCK_TTL = _env_float("KINDLY_LOCK_TTL", 30.0)
        self.KINDLY_ADMIN_KEY = os.environ.get("KINDLY_ADMIN_KEY") or None
        self.KINDLY_DEFAULT_TEAM = os.environ.get("KINDLY_DEFAULT_TEAM", "default")
        self.KINDLY_PROMPTS_DIR = Path(
            os.environ.get("KINDLY_PROMPTS_DIR", str(DEFAULT_PROMPTS_DIR))
        )
        self.KINDLY_SPOOL_DIR = Path(
            os.environ.get("KINDLY_SPOOL_DIR", str(REPO_ROOT / "var" / "spool"))
        )
        # Origins allowed to call the API from a browser: the extension and the help desks.
        self.KINDLY_CORS_ORIGINS = _env_list(
            "KINDLY_CORS_ORIGINS",
            r"chrome-extension://.*,moz-extension://.*,https://.*\.zendesk\.com,"
            r"https://mail\.google\.com",
        )
        # Usage log: streams are trimmed by age and by length; request ids are remembered
        # long enough that a spool replayed after a long outage is still deduplicated.
        self.KINDLY_USAGE_MAX_AGE_DAYS = _env_int("KINDLY_USAGE_MAX_AGE_DAYS", 90)
        self.KINDLY_USAGE_MAXLEN = _env_int("KINDLY_USAGE_MAXLEN", 200_000)
        self.KINDLY_USAGE_DEDUPE_DAYS = _env_int("KINDLY_USAGE_DEDUPE_DAYS", 14)
        # How long a rewrite can still receive feedback (its small record expires then).
        self.KINDLY_REWRITE_RECORD_TTL = _env_int("KINDLY_REWRITE_RECORD_TTL", 7 * 24 * 3600)
        # JSON {"model": [usd per 1M input tokens, usd per 1M output tokens]} for cost estimates.
        self.KINDLY_PRICES = os.environ.get("KINDLY_PRICES") or None
        # Limits per key and per team (0 = none); a team's own overrides win
        # (`kindly teams limits`). Generous per minute: they stop runaway scripts, not agents.
        self.KINDLY_RATE_KEY_PER_MIN = _env_int("KINDLY_RATE_KEY_PER_MIN", 300)
        self.KINDLY_RATE_TEAM_PER_MIN = _env_int("KINDLY_RATE_TEAM_PER_MIN", 3000)
        self.KINDLY_TOKENS_KEY_PER_DAY = _env_int("KINDLY_TOKENS_KEY_PER_DAY", 0)
        self.KINDLY_TOKENS_TEAM_PER_DAY = _env_int("KINDLY_TOKENS_TEAM_PER_DAY", 2_000_000)
        # Bodies above this are refused with 413 before any parsing.
        self.MAX_CONTENT_LENGTH = _env_int("KINDLY_MAX_BODY_BYTES", 256 * 1024)
        # Serving (api/server/): a request must arrive whole within this many seconds (else
        # 408; it holds no thread meanwhile); the worker class ("buffering", Kindly's gthread
        # that reads requests whole first, or plain "gthread"); one access-log line per
        # request only when asked (it costs about a tenth of a cache hit's CPU).
        self.KINDLY_READ_TIMEOUT = _env_float("KINDLY_READ_TIMEOUT", 30.0)
        self.KINDLY_WORKER = os.environ.get("KINDLY_WORKER", "buffering")
        self.KINDLY_ACCESS_LOG = os.environ.get("KINDLY_ACCESS_LOG", "") in ("1", "true", "yes")
        # gc.freeze() once the app is built and a worker started (off only to measure it).
        self.KINDLY_GC_FREEZE = os.environ.get("KINDLY_GC_FREEZE", "1") not in ("0", "false", "no")
        self.JSON_SORT_KEYS = False
        self.API_TITLE = "Kindly"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.0.3"
        self.OPENAPI_URL_PREFIX = "/"
        self.OPENAPI_JSON_PATH = "openapi.json"

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}


def settings(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every setting (environment, then defaults), with `overrides` on top."""
    return {**Config().as_dict(), **(overrides or {})}
