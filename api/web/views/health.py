"""GET /healthz: ok or degraded, with the state of Redis and the engine."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from api.services import app_services
from api.web.schemas.core import HealthSchema

blp = Blueprint("health", __name__, description="Service health")


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    def get(self) -> dict[str, Any]:
        """Report whether Redis answers (one node or every cluster master) and which engine
        serves rewrites."""
        svc = app_services()
        redis = svc.redis.health()
        redis_ok = redis["state"] == "ok"
        engine: dict[str, Any] = {"name": svc.engine.name, "model": svc.engine.model}
        engine.update(svc.engine.health())
        degraded = not redis_ok or engine.get("state", "ok") != "ok"
        return {
            "status": "degraded" if degraded else "ok",
            "redis": redis["state"],
            "redis_mode": redis["mode"],
            **({"redis_masters": redis["masters"]} if "masters" in redis else {}),
            **({"redis_detail": redis["detail"]} if "detail" in redis else {}),
            "engine": engine,
        }
