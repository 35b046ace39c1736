"""What /openapi.json says beyond the schemas: the bearer key, the refusals every /v1/
operation can answer (401, 429, 503, each with its headers), and the event stream of a
rewrite. One apispec plugin, so no view repeats it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from apispec import BasePlugin

_ERROR = {"$ref": "#/components/schemas/Error"}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1},
    }
}
RESPONSES: dict[str, dict[str, Any]] = {
    "KeyRequired": {
        "description": "Missing or invalid API key.",
        "content": {"application/json": {"schema": _ERROR}},
    },
    "RateLimited": {
        "description": "A per-minute or tokens-per-day limit is used up.",
        "headers": _RETRY_AFTER,
        "content": {"application/json": {"schema": _ERROR}},
    },
    "StorageUnavailable": {
        "description": "Kindly's storage (Redis) is unreachable right now.",
        "headers": _RETRY_AFTER,
        "content": {"application/json": {"schema": _ERROR}},
    },
}
_BY_STATUS = {"401": "KeyRequired", "429": "RateLimited", "503": "StorageUnavailable"}
_EVENT_STREAM = {
    "schema": {
        "type": "object",
        "description": "Server-sent events: `delta` events (data {\"text\"}), then one `result` "
        "event whose data is the body of a 200 plus `corrected`.",
        "properties": {
            "event": {"type": "string", "enum": ["delta", "result", "error"]},
            "data": {"type": "string", "description": "JSON"},
        },
    }
}


def _ref(path: str, method: str) -> str:
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


# Links from a created resource to the operations on it (what stateful testing follows).
_PRESET = "/v1/presets/{slug}"
LINKS: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {
    ("/v1/presets", "post", "201"): {
        f"{verb.capitalize()}Preset": {
            "operationRef": _ref(_PRESET, verb),
            "parameters": {"slug": "$response.body#/slug"},
        }
        for verb in ("get", "put", "patch", "delete")
    },
    ("/v1/keys", "post", "201"): {
        "RevokeKey": {
            "operationRef": _ref("/v1/keys/{key_id}", "delete"),
            "parameters": {"key_id": "$response.body#/key/id"},
        }
    },
    ("/v1/rewrite", "post", "200"): {
        "GiveFeedback": {
            "operationRef": _ref("/v1/rewrites/{rewrite_id}/feedback", "post"),
            "parameters": {"rewrite_id": "$response.body#/id"},
        }
    },
}


class KindlyDocPlugin(BasePlugin):
    """Adds the bearer scheme, per-operation security and the shared refusals; a request's
    `action` lists only the actions this deployment's engines can do (`actions`)."""

    def __init__(self, actions: Sequence[str] | None = None) -> None:
        self.actions = list(actions) if actions is not None else None

    def init_spec(self, spec: Any) -> None:
        spec.components.security_scheme(
            "bearer",
            {"type": "http", "scheme": "bearer", "description": "An API key: kly_..."},
        )
        for name, response in RESPONSES.items():
            spec.components.response(name, response)

    def schema_helper(self, name: str, definition: dict, **kwargs: Any) -> dict | None:
        """Rules across fields a schema states as `Meta.openapi` (e.g. an anyOf)."""
        schema = kwargs.get("schema")
        action = (definition.get("properties") or {}).get("action")
        requested = name.endswith("Request")  # what a client sends, not what it reads
        if requested and self.actions is not None and isinstance(action, dict) and "enum" in action:
            action["enum"] = [a for a in action["enum"] if a is None or a in self.actions]
        meta = getattr(schema if isinstance(schema, type) else type(schema), "Meta", None)
        return dict(getattr(meta, "openapi", {}) or {}) or None

    def operation_helper(
        self, path: str | None = None, operations: dict | None = None, **kwargs: Any
    ) -> None:
        if not path or not path.startswith("/v1/") or not operations:
            return
        for method, operation in operations.items():
            if method == "parameters" or not isinstance(operation, dict):
                continue
            operation.setdefault("security", [{"bearer": []}])
            responses = operation.setdefault("responses", {})
            for status, name in _BY_STATUS.items():
                responses[status] = {"$ref": f"#/components/responses/{name}"}
            for status, response in responses.items():
                links = LINKS.get((path, method, str(status)))
                if links and isinstance(response, dict):
                    response.setdefault("links", {}).update(links)
            if path == "/v1/rewrite" and method == "post":
                ok = responses.get("200") or responses.get(200)
                if isinstance(ok, dict):
                    ok.setdefault("content", {})["text/event-stream"] = _EVENT_STREAM
