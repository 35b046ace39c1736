"""Chooses the primary engine and the offline fallback from config."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api.config import ConfigError
from api.engines import Engine
from api.engines.offline.engine import OfflineEngine
from api.tone.lexicon import Lexicon

ENGINE_NAMES = ("auto", "offline", "openai")


def llm_configured(cfg: Mapping[str, Any]) -> bool:
    return bool(
        cfg.get("OPENAI_API_KEY") or cfg.get("OPENAI_BASE_URL") or cfg.get("AZURE_OPENAI_ENDPOINT")
    )


def primary_engine_name(cfg: Mapping[str, Any]) -> str:
    """'openai' or 'offline': the engine `build_engines` would put first."""
    name = cfg.get("KINDLY_ENGINE", "auto")
    if name not in ENGINE_NAMES:
        raise ConfigError(f"KINDLY_ENGINE must be one of {', '.join(ENGINE_NAMES)}, not {name!r}")
    if name == "offline" or (name == "auto" and not llm_configured(cfg)):
        return "offline"
    return "openai"


def build_engines(cfg: Mapping[str, Any], lexicon: Lexicon) -> tuple[Engine, Engine]:
    """Return (primary, fallback). The fallback is always the offline engine."""
    offline = OfflineEngine(lexicon)
    if primary_engine_name(cfg) == "offline":
        return offline, offline
    from api.engines.llm.engine import build_llm_engine  # imported only when the LLM is in use

    return build_llm_engine(cfg), offline
