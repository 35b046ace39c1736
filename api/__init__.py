"""Kindly's Flask API: the app factory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_cors import CORS
from flask_smorest import Api

from api import errors, services
from api.config import Config, cors_origin_patterns
from api.store import connection as redis_store
from api.store import rate_limit
from api.types import ACTIONS
from api.web.openapi import KindlyDocPlugin


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: config, clients, blueprints, error handlers — in that order."""
    app = Flask(__name__, static_folder=None)

    # 1. config: environment defaults, then the caller's overrides
    app.config.from_mapping(Config().as_dict())
    if config:
        app.config.from_mapping(config)

    # 2. clients: Redis, stores, engines, pipeline
    redis_store.init_app(app)
    limiter = rate_limit.init_app(app, app.extensions["kindly_redis"])
    services.init_app(app, app.extensions["kindly_redis"], limiter)
    CORS(
        app,
        resources={r"/v1/*": {"origins": cors_origin_patterns(app.config["KINDLY_CORS_ORIGINS"])}},
        allow_headers=["Authorization", "Content-Type", "Accept"],
        expose_headers=["Retry-After", "X-Request-Id", "Allow"],
        max_age=600,
    )

    # 3. blueprints
    from api.web.views import health, keys, me, presets, rewrite

    engines = (app.extensions["kindly"].engine, app.extensions["kindly"].fallback)
    actions = [a for a in ACTIONS if any(engine.supports(a) for engine in engines)]
    api = Api(app, spec_kwargs={"extra_plugins": [KindlyDocPlugin(actions)]})
    api.register_blueprint(health.blp)
    api.register_blueprint(rewrite.blp)
    api.register_blueprint(me.blp)
    api.register_blueprint(presets.blp)
    api.register_blueprint(keys.blp)
    from api.web.views import admin, feedback, preset_preview, tone

    api.register_blueprint(preset_preview.blp)
    api.register_blueprint(tone.blp)
    api.register_blueprint(feedback.blp)
    api.register_blueprint(admin.blp)
    from api.web.admin_pages import pages as admin_pages

    app.register_blueprint(admin_pages.bp)

    # 4. error handlers: one JSON shape; JSON bodies only; failed requests are logged
    errors.init_app(app)
    from api.web import failures as failure_log

    failure_log.init_app(app)

    from api.web import body

    body.init_app(app)
    # The CLI (api/cli.py) builds its app with this factory; `cli.init_app` attaches its
    # commands to an app's own `flask` CLI where a caller wants them (the tests' runner).
    return app
