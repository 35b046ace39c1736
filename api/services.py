"""Builds the app's collaborators once (Redis, stores, engines, pipeline) and hands them out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app

from api.engines import Engine
from api.engines.registry import build_engines
from api.rewrite.pipeline import Pipeline
from api.store.cache import RewriteCache
from api.store.connection import OUTAGE_ERRORS, RedisHandle
from api.store.presets import PresetStore
from api.store.rate_limit import RateLimiter
from api.store.teams import TeamStore
from api.tone.lexicon import load_lexicon
from api.usage.log import UsageLog
from api.usage.pricing import parse_prices


@dataclass
class Services:
    """Everything a view may call, built from config by `init_app`."""

    redis: RedisHandle
    teams: TeamStore
    presets: PresetStore
    usage: UsageLog
    cache: RewriteCache
    engine: Engine
    fallback: Engine
    pipeline: Pipeline


def init_app(app: Flask, handle: RedisHandle, limiter: RateLimiter | None = None) -> Services:
    cfg = app.config
    lexicon = load_lexicon(Path(cfg["KINDLY_PROMPTS_DIR"]) / "offline")
    engine, fallback = build_engines(cfg, lexicon)
    presets = PresetStore(handle, cfg["KINDLY_PROMPTS_DIR"])
    usage = UsageLog(
        handle,
        cfg["KINDLY_SPOOL_DIR"],
        maxlen=int(cfg["KINDLY_USAGE_MAXLEN"]),
        max_age_days=int(cfg["KINDLY_USAGE_MAX_AGE_DAYS"]),
        dedupe_days=int(cfg["KINDLY_USAGE_DEDUPE_DAYS"]),
        rewrite_record_ttl=int(cfg["KINDLY_REWRITE_RECORD_TTL"]),
        prices=parse_prices(cfg["KINDLY_PRICES"]),
    )
    cache = RewriteCache(handle, int(cfg["KINDLY_CACHE_TTL"]), float(cfg["KINDLY_LOCK_TTL"]))
    # The workers of a host share what they may trust while Redis is away (store/trust).
    teams = TeamStore(handle, Path(cfg["KINDLY_SPOOL_DIR"]).parent / "trust")
    services = Services(
        redis=handle,
        teams=teams,
        presets=presets,
        usage=usage,
        cache=cache,
        engine=engine,
        fallback=fallback,
        pipeline=Pipeline(
            engine, fallback, cache, presets, usage, limiter, lexicon=lexicon, teams=teams
        ),
    )
    app.extensions["kindly"] = services
    return services


def ensure_team(svc: Services, team: str, name: str | None = None) -> bool:
    """Create `team` with the default presets if it is missing (idempotent, safe to race).
    Returns True when it was created now. Redis errors propagate."""
    try:
        created = svc.teams.ensure_team(team, name)
    except ValueError:  # another worker created it between the check and the write
        created = False
    svc.presets.seed(team)
    return created


def ensure_default_team(app: Flask) -> None:
    """At serve start: the default team exists with its presets, so a first deploy works
    with only KINDLY_ADMIN_KEY. Redis being away only postpones it (keys make it on need)."""
    try:
        if ensure_team(app.extensions["kindly"], app.config["KINDLY_DEFAULT_TEAM"], "Default team"):
            app.logger.warning("Created the default team %r.", app.config["KINDLY_DEFAULT_TEAM"])
    except OUTAGE_ERRORS:
        app.logger.warning("Redis is unreachable: the default team will be created later.")


def app_services() -> Services:
    """The current app's collaborators."""
    return current_app.extensions["kindly"]
