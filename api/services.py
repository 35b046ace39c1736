"""Builds the app's collaborators once (Redis, stores, engines, pipeline) and hands them out."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from api.engines import Engine
from api.engines.registry import build_engines
from api.rewrite.pipeline import Pipeline
from api.store.cache import RewriteCache
from api.store.connection import RedisHandle
from api.store.presets import PresetStore
from api.store.rate_limit import RateLimiter
from api.store.teams import TeamStore
from api.usage.log import UsageLog, parse_prices


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
    engine, fallback = build_engines(cfg)
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
    teams = TeamStore(handle)
    services = Services(
        redis=handle,
        teams=teams,
        presets=presets,
        usage=usage,
        cache=cache,
        engine=engine,
        fallback=fallback,
        pipeline=Pipeline(engine, fallback, cache, presets, usage, limiter, teams),
    )
    app.extensions["kindly"] = services
    return services


def services() -> Services:
    """The current app's collaborators."""
    return current_app.extensions["kindly"]
